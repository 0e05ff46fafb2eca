import { hashKeyPart } from '@raptorflow/core';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';

/** Longest identifier put in keys as is (escaped); longer ones are hashed. */
export const MAX_ESCAPED = 200;

/** A surrogate without its partner: it has no UTF-8 form, so it cannot be percent-encoded. */
const LONE_SURROGATE = /([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/;

/**
 * The identifier as it appears in keys; injective, so two identifiers never share a counter.
 *
 * - `escape`: percent-encoded (`encodeURIComponent`), which escapes `{`, `}`, `#`, `%`, `:` and
 *   NUL, so an identifier cannot pick its own Cluster slot or imitate another's key.
 * - `hash`, or longer than {@link MAX_ESCAPED}: `#` and the SHA-256 of its UTF-8 bytes.
 *
 * Lone surrogates (an identifier from `JSON.parse('"x\\ud800"')`) are encoded, not refused:
 * each as `%uD800`, which percent-encoding never produces (`u` is no hex digit). Before, both
 * paths replaced them with U+FFFD, so `'x\uD800'` and `'x\uDBFF'` shared a bucket. A hashed
 * identifier with one is `#%` and the hash of that encoding: hex never holds `%`.
 */
export function identifierKeyPart(identifier: string, mode: 'escape' | 'hash', where: string): string {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw invalidArgument(where, `identifier: must be a non-empty string, got ${describeValue(identifier)}`);
  }
  const wellFormed = identifier.isWellFormed();
  if (mode === 'hash' || identifier.length > MAX_ESCAPED) {
    return wellFormed ? `#${hashKeyPart(identifier)}` : `#%${hashKeyPart(escapeLone(identifier))}`;
  }
  return wellFormed ? encodeURIComponent(identifier) : escapeLone(identifier);
}

/** Percent-encode, writing each lone surrogate as `%u` and its 4 hex digits. */
function escapeLone(identifier: string): string {
  // split() with a capture group: odd indexes are the lone surrogates, the rest is well-formed.
  return identifier
    .split(LONE_SURROGATE)
    .map((piece, i) =>
      i % 2 === 1 ? `%u${piece.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(piece),
    )
    .join('');
}
