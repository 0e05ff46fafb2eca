import { type Codec, KvError } from '@raptorflow/core';

/**
 * A stored entry: `1|<flags>|<createdAt>|<freshUntil>|<staleUntil>|<tags>\n<payload>`.
 * - flags: `u` when the value is `undefined` (payload empty), `n` for a negative entry;
 * - times in ms since the epoch: after `freshUntil` the value is stale, served only within
 *   grace, until `staleUntil` (the store's own TTL ends there too);
 * - tags: `name=<soft>.<hard>,...`, the tag versions the value was computed under. Scripts
 *   read this field, so tag names never contain `,` `=` `|` or a newline.
 */
export interface Envelope<T = unknown> {
  readonly value: T;
  readonly createdAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number;
  readonly negative: boolean;
  /** Tag names, sorted. */
  readonly tags: readonly string[];
  /** The versions field as written (`s.h,s.h` aligned with `tags`), compared as a string. */
  readonly versions: string;
}

const VERSION = '1';

/** Header of an entry, without its tags field (the write script may fill that in). */
export function headerPrefix(
  flags: string,
  createdAt: number,
  freshUntil: number,
  staleUntil: number,
): string {
  return `${VERSION}|${flags}|${createdAt}|${freshUntil}|${staleUntil}|`;
}

/** The tags field: `name=version` pairs in tag order. */
export function tagsField(tags: readonly string[], versions: readonly string[]): string {
  let out = '';
  for (let i = 0; i < tags.length; i++) out += `${i ? ',' : ''}${tags[i]}=${versions[i] ?? '0.0'}`;
  return out;
}

/** The versions part of a tags field (`s.h,s.h`), the shape the read script returns. */
export function versionsOf(field: string): string {
  if (field === '') return '';
  let out = '';
  for (const pair of field.split(',')) out += `${out ? ',' : ''}${pair.slice(pair.indexOf('=') + 1)}`;
  return out;
}

function corrupt(message: string): KvError {
  return new KvError('E_CODEC', `cache entry: ${message}`);
}

/**
 * The codec of a namespace's entries: it parses the header and decodes the payload with the
 * value codec (which may validate a schema). Kept per namespace, since L1 matches codecs by
 * identity to keep decoded values.
 */
export function envelopeCodec(inner: Codec<unknown>): Codec<Envelope> {
  return {
    name: `entry(${inner.name})`,
    encode(): string {
      throw new KvError('E_UNSUPPORTED', 'entries are written by the cache, not through this codec');
    },
    decode(stored: string): Envelope {
      const nl = stored.indexOf('\n');
      if (nl < 0) throw corrupt('no header');
      const parts = stored.slice(0, nl).split('|');
      if (parts.length !== 6 || parts[0] !== VERSION) throw corrupt('unknown header');
      const [, flags = '', created, fresh, stale, field = ''] = parts;
      const tags: string[] = [];
      if (field !== '') for (const pair of field.split(',')) tags.push(pair.slice(0, pair.indexOf('=')));
      const payload = stored.slice(nl + 1);
      return {
        value: flags.includes('u') ? undefined : inner.decode(payload),
        createdAt: Number(created),
        freshUntil: Number(fresh),
        staleUntil: Number(stale),
        negative: flags.includes('n'),
        tags,
        versions: versionsOf(field),
      };
    },
  };
}

/** The payload and flags of a value. */
export function encodePayload(
  codec: Codec<unknown>,
  value: unknown,
  negative: boolean,
): { flags: string; payload: string } {
  if (value === undefined) return { flags: negative ? 'un' : 'u', payload: '' };
  return { flags: negative ? 'n' : '', payload: codec.encode(value) };
}
