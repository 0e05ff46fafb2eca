import LZString from 'lz-string';
import type { z } from 'zod';
import { KvError } from './errors.js';
import { firstIssue, optionError } from './kit/options.js';

/** Turns values into the strings a store keeps, and back. */
export interface Codec<T> {
  /** Short name, for events and errors. */
  readonly name: string;
  /** Throws `E_CODEC` for a value it cannot represent faithfully. */
  encode(value: T): string;
  /** Throws `E_CODEC` for a stored string it cannot read. */
  decode(stored: string): T;
}

function codecError(message: string, cause?: unknown): KvError {
  return new KvError('E_CODEC', message, { cause });
}

function refuseLossy(this: unknown, _key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      throw codecError('JSON cannot hold a BigInt: convert it to a string first');
    case 'number':
      if (!Number.isFinite(value)) throw codecError(`JSON cannot hold ${value}: it would become null`);
      return value;
    case 'object':
      if (value instanceof Map || value instanceof Set) {
        throw codecError(
          `JSON cannot hold a ${value.constructor.name}: it would become {}; convert it first`,
        );
      }
      return value;
    default:
      return value;
  }
}

/**
 * JSON. Refuses what JSON would silently lose (BigInt, Map, Set, NaN, Infinity, a top-level
 * `undefined`); a `Date` is stored as its ISO string and read back as that string.
 */
export function jsonCodec<T = unknown>(): Codec<T> {
  return {
    name: 'json',
    encode(value: T): string {
      const out = JSON.stringify(value, refuseLossy);
      if (out === undefined) throw codecError(`JSON cannot hold ${typeof value}`);
      return out;
    },
    decode(stored: string): T {
      try {
        return JSON.parse(stored) as T;
      } catch (error) {
        throw codecError(`stored value is not valid JSON (${stored.length} chars)`, error);
      }
    },
  };
}

/** Options of {@link compressedCodec}. */
export interface CompressionOptions {
  /** Compress encoded values of at least this many characters. @default 1024 */
  threshold?: number;
}

const COMPRESSED = '~z';
const ESCAPED = '~=';

/**
 * lz-string compression of the inner codec's output when it is at least `threshold` characters
 * and compression saves space. Compressed values carry a `~z` flag; an uncompressed value that
 * happens to start with `~` is escaped, so any inner codec round-trips. The URI-component
 * output is used: Redis keeps bytes of UTF-8, where it costs 8 bits per 6 with no padding
 * (base64 is the same plus up to two `=`), while lz-string's UTF-16 output costs 24 bits per 15
 * and its raw output has lone surrogates that Redis would corrupt (the codec tests measure it).
 */
export function compressedCodec<T>(inner: Codec<T>, options: CompressionOptions = {}): Codec<T> {
  const threshold = options.threshold ?? 1024;
  if (!Number.isSafeInteger(threshold) || threshold < 0) {
    throw optionError('compressedCodec', 'threshold', 'must be a whole number >= 0');
  }
  return {
    name: `lz(${inner.name})`,
    encode(value: T): string {
      const plain = inner.encode(value);
      if (plain.length >= threshold) {
        const packed = COMPRESSED + LZString.compressToEncodedURIComponent(plain);
        if (packed.length < plain.length) return packed;
      }
      return plain.startsWith('~') ? ESCAPED + plain : plain;
    },
    decode(stored: string): T {
      if (stored.startsWith(COMPRESSED)) {
        const plain = LZString.decompressFromEncodedURIComponent(stored.slice(COMPRESSED.length));
        if (!plain) throw codecError('stored value is flagged compressed but does not decompress');
        return inner.decode(plain);
      }
      return inner.decode(stored.startsWith(ESCAPED) ? stored.slice(ESCAPED.length) : stored);
    },
  };
}

/**
 * Validate decoded values with a zod schema. A stored value that fails the schema raises
 * `E_CODEC`; read it with {@link decodeOrMiss} to treat it as a miss.
 */
export function schemaCodec<S extends z.ZodType>(inner: Codec<unknown>, schema: S): Codec<z.output<S>> {
  return {
    name: `schema(${inner.name})`,
    encode(value: z.output<S>): string {
      return inner.encode(value);
    },
    decode(stored: string): z.output<S> {
      const parsed = schema.safeParse(inner.decode(stored));
      if (!parsed.success) {
        const { field, problem } = firstIssue(parsed.error, '(root)', 'is not in the schema');
        throw codecError(`stored value fails its schema at ${field}: ${problem}`, parsed.error);
      }
      return parsed.data;
    },
  };
}

/**
 * Decode, turning a value that cannot be read into a miss (`undefined`) reported to `onError`
 * (count it, log it) instead of an exception on the read path.
 */
export function decodeOrMiss<T>(
  codec: Codec<T>,
  stored: string,
  onError?: (error: KvError) => void,
): T | undefined {
  try {
    return codec.decode(stored);
  } catch (error) {
    const kvError = error instanceof KvError ? error : codecError(String(error), error);
    onError?.(kvError);
    return undefined;
  }
}

export {
  type AsyncCodec,
  decodeOrMissAsync,
  type EncryptedCodec,
  type EncryptionOptions,
  encryptedCodec,
} from './codecs/encrypted.js';
