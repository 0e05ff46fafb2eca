import type { FeatureKeyspace } from '@raptorflow/core/kit';
import { tokenHash, userHash, userTag } from './token.js';

/** The keys of one session; see README "Keys". */
export interface SessionKeys {
  /** The session's id in the store: SHA-256 of its token, hex. */
  readonly id: string;
  /** The record: one string, see `scripts/shared.ts` (format 2). */
  readonly record: string;
}

/** The keys a session's scripts name, by tag. */
export interface SessionKeyLayout {
  /** The record of the token with this tag. */
  session(tag: string, token: string): SessionKeys;
  /** The record of a session id (its hash) under a tag. */
  record(tag: string, id: string): string;
  /**
   * {@link recordPrefix} of a tag given as its number (`tokenSlot`), kept once per tag: `get`
   * builds its key with one concatenation and no map lookup.
   */
  recordPrefixAt(slot: number): string;
  /** The user's index: a sorted set of session ids scored by expiry. */
  index(userId: string): string;
  /** The prefix every record of a tag starts with (a script reads records the index names). */
  recordPrefix(tag: string): string;
  /** The prefix every user index of a tag starts with (a script finds the index a record names). */
  indexPrefix(tag: string): string;
  /** The tag's active set: every session id of the tag scored by expiry (`countActive`). */
  active(tag: string): string;
  /** SHA-256 of a user id, hex: the end of the user's index key, kept in the record. */
  userHash(userId: string): string;
  /** The user's tag. */
  tag(userId: string): string;
}

/**
 * `rf:session:{<tag>}:s:<sha256(token)>` and `rf:session:{<tag>}:u:<sha256(user)>`: a user's
 * sessions and index share the tag, so one script (and one Cluster slot) holds them all.
 * `rf:session:{<tag>}:a` is the tag's active set (every session of the tag, scored by expiry).
 */
export function sessionKeyLayout(space: FeatureKeyspace): SessionKeyLayout {
  const tags = new Map<string, string>();
  const tagOf = (userId: string): string => {
    let tag = tags.get(userId);
    if (tag === undefined) {
      tag = userTag(userId);
      // Bounded: a process serving millions of users keeps the newest 10,000.
      if (tags.size >= 10_000) tags.delete(tags.keys().next().value as string);
      tags.set(userId, tag);
    }
    return tag;
  };
  // `{<tag>}` through the kit's layout helper, once per tag (4,096 at most).
  const braces = new Map<string, string>();
  const brace = (tag: string): string => {
    let b = braces.get(tag);
    if (b === undefined) {
      b = space.tag(tag);
      braces.set(tag, b);
    }
    return b;
  };
  const recordPrefixes: string[] = new Array(4096);
  const recordPrefixAt = (slot: number): string =>
    (recordPrefixes[slot] ??= `${brace(slot.toString(16).padStart(3, '0'))}:s:`);
  return {
    session(tag, token) {
      const id = tokenHash(token);
      return { id, record: `${brace(tag)}:s:${id}` };
    },
    record: (tag, id) => `${brace(tag)}:s:${id}`,
    recordPrefixAt,
    index: (userId) => `${brace(tagOf(userId))}:u:${userHash(userId)}`,
    recordPrefix: (tag) => `${brace(tag)}:s:`,
    indexPrefix: (tag) => `${brace(tag)}:u:`,
    active: (tag) => `${brace(tag)}:a`,
    userHash,
    tag: tagOf,
  };
}
