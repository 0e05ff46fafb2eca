import { hashKeyPart, KvError } from '@raptorflow/core';
import { describeValue } from '@raptorflow/core/kit';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const WORKSPACE = /^[A-Za-z0-9_.-]{1,128}$/;
/** Tag names are written into the entry header, so `,` `=` `|` and whitespace are reserved. */
const TAG = /^[A-Za-z0-9_.:/@#+-]{1,200}$/;
/** Longest user key kept as it is; longer keys must be hashed (`hashKeys`). */
export const MAX_KEY_LENGTH = 1024;

function invalid(message: string): KvError {
  return new KvError('E_INVALID_ARGUMENT', message);
}

/** Check a namespace name: letters, digits, `_` and `-`, 1 to 64 characters. */
export function checkNamespaceName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(`namespace name must match ${NAME.source}, got ${describeValue(name)}`);
  }
  return name;
}

/** Check a workspace id: letters, digits, `_`, `.` and `-`, 1 to 128 characters. */
export function checkWorkspaceId(id: unknown): string {
  if (typeof id !== 'string' || !WORKSPACE.test(id)) {
    throw invalid(`workspace id must match ${WORKSPACE.source}, got ${describeValue(id)}`);
  }
  return id;
}

/** Check tag names; returns them sorted and without duplicates, so headers compare stably. */
export function checkTags(tags: readonly unknown[]): string[] {
  // A string is iterable too: 'ab' would have been the tags 'a' and 'b'.
  if (!Array.isArray(tags)) throw invalid(`tags must be an array of tag names, got ${describeValue(tags)}`);
  for (const tag of tags) {
    if (typeof tag !== 'string' || !TAG.test(tag)) {
      throw invalid(`tag must match ${TAG.source}, got ${describeValue(tag)}`);
    }
  }
  return [...new Set(tags as string[])].sort();
}

/**
 * The stored form of a user key: its SHA-256 hex when hashing is on, else the key itself. A
 * raw key may hold any character (`../`, `*`, `{`, `:`): it always sits after the workspace and
 * namespace segments of a view that cannot name keys outside itself.
 */
export function userKey(key: unknown, hash: boolean): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalid(`a cache key must be a non-empty string, got ${describeValue(key)}`);
  }
  if (hash) return hashKeyPart(key);
  if (key.length > MAX_KEY_LENGTH) {
    throw invalid(`a cache key is longer than ${MAX_KEY_LENGTH} characters: turn on hashKeys`);
  }
  if (!key.isWellFormed()) throw invalid('a cache key contains a lone UTF-16 surrogate');
  return key;
}

/**
 * Key layout inside a workspace view: the kit's `featureKeyspace` layout with the workspace as
 * the group, `<prefix>{<workspace>}:` (`prefix` defaults to `cache:`; the braces are a Cluster
 * hash tag, so every key of a workspace shares one slot and one script can read them together):
 * - `g`: the workspace generation; `n:<ns>`: a namespace's generation;
 * - `t:s:<tag>` / `t:h:<tag>`: a tag's soft and hard versions;
 * - `e:<ns>:<wsGen>.<nsGen>:<key>`: an entry; `l:<ns>:<wsGen>.<nsGen>:<key>`: its lease.
 * A clear bumps a generation, so every older entry becomes unreachable at once.
 */
export const WS_GEN_KEY = 'g';
/** Prefix under which the tag version keys live, passed to scripts as a key. */
export const TAG_PREFIX = 't:';

/** The generation key of namespace `ns`. */
export function nsGenKey(ns: string): string {
  return `n:${ns}`;
}

/** The key of entry `key` of namespace `ns` under generations `ws`.`nsg`. */
export function entryKey(ns: string, ws: string, nsg: string, key: string): string {
  return `e:${ns}:${ws}.${nsg}:${key}`;
}

/** The lease key of entry `key`. */
export function leaseKey(ns: string, ws: string, nsg: string, key: string): string {
  return `l:${ns}:${ws}.${nsg}:${key}`;
}

/** The soft (`s`) or hard (`h`) version key of a tag. */
export function tagKey(kind: 's' | 'h', tag: string): string {
  return `${TAG_PREFIX}${kind}:${tag}`;
}
