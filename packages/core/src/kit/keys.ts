import { checkString } from '../commands.js';
import { DEFAULT_PREFIX, hashTag } from '../keys.js';
import type { KvStore } from '../types.js';
import { optionError } from './options.js';

/** Options of {@link featureKeyspace}. */
export interface KeyspaceOptions {
  /** The package's short name, a key segment: `cache`, `rl`, `queue`, `lock`, `sess`. */
  feature: string;
  /** Where the feature's keys live, under the store's own view. @default `rf:<feature>:` */
  prefix?: string | undefined;
}

/** Where a feature's keys live; see {@link featureKeyspace}. */
export interface FeatureKeyspace {
  /** The view every key of the feature is written through (confined to `prefix`). */
  readonly root: KvStore;
  /** The prefix of `root`, relative to the store passed in. */
  readonly prefix: string;
  /**
   * `{id}`: the Cluster hash tag of one group. Keys that start with it share one slot, so one
   * script may touch them all. Throws `E_INVALID_ARGUMENT` for an empty id or one with braces.
   */
  tag(id: string): string;
  /** A view at `{id}:` under `root`: one group's keys, which a script can touch together. */
  group(id: string): KvStore;
}

/**
 * The key layout every feature package follows:
 *
 * `rf:<feature>:{<group>}:<rest>`
 *
 * - `rf:<feature>:` (the `prefix` option) separates packages sharing one store; the feature
 *   writes through a namespace view of it, so it cannot name another package's keys.
 * - `{<group>}` is a Cluster hash tag around the unit that one script touches at once: the
 *   workspace for the cache, the identifier for a rate limit, the queue for a queue, the lock
 *   name for a lock. Every key of a group maps to one slot, so the package runs on a Cluster.
 * - The tenant, when the feature has one, is the group or sits right after the prefix, so a
 *   tenant's view cannot reach another tenant's keys (`group(tenant)`).
 */
export function featureKeyspace(store: KvStore, options: KeyspaceOptions): FeatureKeyspace {
  const { feature } = options;
  if (typeof feature !== 'string' || !/^[a-z][a-z0-9-]*$/.test(feature)) {
    throw optionError('featureKeyspace', 'feature', 'must be lower case letters, digits and -');
  }
  const prefix = options.prefix ?? `${DEFAULT_PREFIX}${feature}:`;
  if (typeof prefix !== 'string' || !prefix.isWellFormed() || /[{}]/.test(prefix)) {
    throw optionError(
      feature,
      'prefix',
      'must be a string without { or } (a hash tag in the prefix would put every key on one Cluster slot)',
    );
  }
  const root = prefix === '' ? store : store.namespace(prefix);
  return {
    root,
    prefix,
    tag: (id) => hashTag(checkString(id, 'group id')),
    group: (id) => root.namespace(`${hashTag(checkString(id, 'group id'))}:`),
  };
}
