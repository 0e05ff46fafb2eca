import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { checkString } from './commands.js';
import { KvError } from './errors.js';

/** The default prefix of every RaptorFlow key. */
export const DEFAULT_PREFIX = 'rf:';

/**
 * SHA-256 of a user-supplied key part, hex. Use it for long parts or personal data (an email,
 * a prompt) so neither the length nor the content reaches the store's keyspace.
 */
export function hashKeyPart(part: string): string {
  return bytesToHex(sha256(utf8ToBytes(checkString(part, 'key part'))));
}

/**
 * Wrap a part in a Cluster hash tag, `{part}`: every key that holds the same tag maps to one
 * slot, so a script over them runs on one node. The part must not contain braces.
 */
export function hashTag(part: string): string {
  checkString(part, 'hash tag');
  if (part.length === 0 || part.includes('{') || part.includes('}')) {
    throw new KvError('E_INVALID_ARGUMENT', 'a hash tag must be non-empty and contain no braces');
  }
  return `{${part}}`;
}

/**
 * Join key parts with `:`. Parts that contain the separator are refused, so two different
 * lists of parts can never produce the same key (`a:b` + `c` vs `a` + `b:c`).
 */
export function joinKey(...parts: string[]): string {
  for (const p of parts) {
    checkString(p, 'key part');
    if (p.includes(':')) {
      throw new KvError(
        'E_INVALID_ARGUMENT',
        `key part "${p.slice(0, 40)}" contains ':'; hash it with hashKeyPart`,
      );
    }
  }
  return parts.join(':');
}
