import { describeValue, type FeatureKeyspace, invalidArgument } from '@raptorflow/core/kit';

/** The keys of one resource. */
export interface ResourceKeys {
  /** The resource's name, as the caller gave it. */
  readonly resource: string;
  /** Its group (the Cluster hash tag). */
  readonly group: string;
  /** The mutex: a string holding the owner's token, with the lock's TTL. */
  readonly lock: string;
  /** The fencing counter: an integer that only grows; never expires. */
  readonly fence: string;
  /** The semaphore: a sorted set of owner tokens scored by their expiry on the store's clock. */
  readonly holders: string;
  /** The semaphore: a hash of owner token → permits held. */
  readonly permits: string;
}

/** Where each resource's keys live; see README "Keys". */
export interface LockKeys {
  /** The keys of a resource (`E_INVALID_ARGUMENT` for a bad name or group). */
  of(where: string, resource: unknown): ResourceKeys;
  /** The waiters flag of a group: set by a refused caller that will wait, cleared by a release. */
  waiters(group: string): string;
}

/**
 * The key layout: `rf:locks:{<group>}:<rest>`. A resource that is its own group (the default)
 * has `{<resource>}:lock`, `:fence`, `:holders`, `:permits`; one in another group has
 * `{<group>}:<resource>:lock`... so resources locked together share a slot.
 */
export function lockKeys(
  space: FeatureKeyspace,
  group: ((resource: string) => string) | undefined,
): LockKeys {
  const cache = new Map<string, ResourceKeys>();
  return {
    of(where, resource) {
      if (
        typeof resource !== 'string' ||
        resource === '' ||
        /[{}]/.test(resource) ||
        !resource.isWellFormed()
      ) {
        throw invalidArgument(
          where,
          `resource: expected a non-empty string without { or }, got ${describeValue(resource)}`,
        );
      }
      const hit = cache.get(resource);
      if (hit) return hit;
      let g: unknown = resource;
      if (group) {
        try {
          g = group(resource);
        } catch (error) {
          throw invalidArgument(where, `group(${describeValue(resource)}) threw: ${String(error)}`);
        }
      }
      if (typeof g !== 'string' || g === '' || /[{}]/.test(g) || !g.isWellFormed()) {
        throw invalidArgument(
          where,
          `group(${describeValue(resource)}): expected a non-empty string without { or }, got ${describeValue(g)}`,
        );
      }
      const base = g === resource ? space.tag(g) : `${space.tag(g)}:${resource}`;
      const keys: ResourceKeys = {
        resource,
        group: g,
        lock: `${base}:lock`,
        fence: `${base}:fence`,
        holders: `${base}:holders`,
        permits: `${base}:permits`,
      };
      // Bounded: a process naming millions of resources keeps the newest 10,000.
      if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
      cache.set(resource, keys);
      return keys;
    },
    waiters: (g) => `${space.tag(g)}:waiters`,
  };
}
