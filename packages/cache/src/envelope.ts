import { type Codec, KvError } from '@raptorflow/core';

/**
 * A stored entry: `1|<flags>|<createdAt>|<freshUntil>|<staleUntil>|<tags>\n<payload>`.
 * - flags: `u` when the value is `undefined` (payload empty), `n` for a negative entry;
 * - times in ms since the epoch: after `freshUntil` the value is stale, served only within
 *   grace, until `staleUntil` (the store's own TTL ends there too); whole, finite and in order,
 *   else the entry is corrupt (a miss with a `decode-error` event, replaced by the next write);
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
/** Shared by every untagged entry: envelopes are never mutated. */
const NO_TAGS: readonly string[] = Object.freeze([]);

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

/** `name=<soft>.<hard>` pairs, the soft and hard versions whole numbers (see `tag-versions.ts`). */
const TAGS_FIELD = /^[^,=|\n]+=[0-9]{1,19}\.[0-9]{1,19}(?:,[^,=|\n]+=[0-9]{1,19}\.[0-9]{1,19})*$/;

/** A time in the header: whole ms since the epoch, finite. */
function validTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0;
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
      // Parsed with indexOf rather than split: this runs on every L2 hit.
      const nl = stored.indexOf('\n');
      if (nl < 0) throw corrupt('no header');
      const b1 = stored.indexOf('|');
      const b2 = b1 < 0 ? -1 : stored.indexOf('|', b1 + 1);
      const b3 = b2 < 0 ? -1 : stored.indexOf('|', b2 + 1);
      const b4 = b3 < 0 ? -1 : stored.indexOf('|', b3 + 1);
      const b5 = b4 < 0 ? -1 : stored.indexOf('|', b4 + 1);
      const b6 = b5 < 0 ? -1 : stored.indexOf('|', b5 + 1);
      // Exactly six fields before the newline, the first being the version.
      if (b5 < 0 || b5 > nl || (b6 >= 0 && b6 < nl) || b1 !== VERSION.length || !stored.startsWith(VERSION)) {
        throw corrupt('unknown header');
      }
      const flags = stored.slice(b1 + 1, b2);
      const field = stored.slice(b5 + 1, nl);
      let tags: readonly string[] = NO_TAGS;
      if (field !== '') {
        if (!TAGS_FIELD.test(field)) throw corrupt('bad tags field');
        const list: string[] = [];
        for (const pair of field.split(',')) list.push(pair.slice(0, pair.indexOf('=')));
        tags = list;
      }
      const createdAt = Number(stored.slice(b2 + 1, b3));
      const freshUntil = Number(stored.slice(b3 + 1, b4));
      const staleUntil = Number(stored.slice(b4 + 1, b5));
      // `Infinity` or `NaN` here was served fresh (or stale) forever and never replaced by getOrSet.
      if (!(validTime(createdAt) && validTime(freshUntil) && validTime(staleUntil)))
        throw corrupt('bad times');
      if (!(createdAt <= freshUntil && freshUntil <= staleUntil)) throw corrupt('times out of order');
      return {
        value: flags.includes('u') ? undefined : inner.decode(stored.slice(nl + 1)),
        createdAt,
        freshUntil,
        staleUntil,
        negative: flags.includes('n'),
        tags,
        versions: field === '' ? '' : versionsOf(field),
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
