import type { Codec } from '../codecs.js';
import { KvError } from '../errors.js';
import { optionError } from '../kit/options.js';

/**
 * A codec whose work is asynchronous (Web Crypto is): the same contract as {@link Codec}, with
 * promises. Read with {@link decodeOrMissAsync} to turn an unreadable value into a miss.
 */
export interface AsyncCodec<T> {
  /** Short name, for events and errors. */
  readonly name: string;
  /** Rejects with `E_CODEC` for a value it cannot represent faithfully. */
  encode(value: T): Promise<string>;
  /** Rejects with `E_CODEC` for a stored string it cannot read. */
  decode(stored: string): Promise<T>;
}

/** Options of {@link encryptedCodec}. */
export interface EncryptionOptions {
  /** Id of the key new writes use; must be one of `keys`. */
  current: string;
  /**
   * Keys by id: the current one and the old ones reads still accept. A key is 16, 24 or 32 raw
   * bytes (AES-128/192/256), as a `Uint8Array` or as base64 / base64url text. An id is 1 to 32
   * characters of `A-Z a-z 0-9 _ -`; it is stored in every value, so rotation needs no guess.
   */
  keys: Readonly<Record<string, string | Uint8Array>>;
}

/** An {@link AsyncCodec} that encrypts, with what key rotation needs. */
export interface EncryptedCodec<T> extends AsyncCodec<T> {
  /** Id of the key new writes use. */
  readonly currentKeyId: string;
  /** The key id a stored value names, or `undefined` when it is not an encrypted value. */
  keyIdOf(stored: string): string | undefined;
  /**
   * The stored value encrypted under the current key (a new IV), without decoding the inner
   * codec: what `raptorflow reencrypt` writes. Rejects with `E_CODEC` as `decode` does.
   */
  reencrypt(stored: string): Promise<string>;
}

const VERSION = '~e1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WHERE = 'encryptedCodec';

// Web Crypto's types without the DOM lib: core compiles against @types/node's globals.
type Subtle = typeof globalThis.crypto.subtle;
type AesKey = Awaited<ReturnType<Subtle['importKey']>>;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function codecError(message: string, cause?: unknown): KvError {
  return new KvError('E_CODEC', message, { cause });
}

/** The part of Node's `Buffer` the base64 paths use. */
interface NodeBufferClass {
  from(text: string, encoding: 'base64url'): Uint8Array;
  from(
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): { toString(encoding: 'base64url'): string };
}

const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const builtin = (id: string): unknown => runtime?.getBuiltinModule?.(id);

/**
 * Node's `Buffer`, found through `process.getBuiltinModule('buffer')` (Node >= 20.16) so no
 * `node:` import reaches an edge bundle: its base64 codec is native, where the fallback below
 * builds a binary string and maps it one character at a time.
 */
const NodeBuffer = (builtin('buffer') as { Buffer?: NodeBufferClass } | undefined)?.Buffer;

function toBase64Url(bytes: Uint8Array): string {
  if (NodeBuffer)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  let binary = '';
  // Chunks keep String.fromCharCode's argument list short on large values.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Base64 or base64url text to bytes; `undefined` for text that is neither. */
function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end % 4 === 1) return undefined;
  // Node's decoder reads both alphabets and padding or none; the checks above refuse what it would skip.
  if (NodeBuffer) return NodeBuffer.from(text, 'base64url');
  const plain = text.slice(0, end).replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(plain + '='.repeat((4 - (plain.length % 4)) % 4));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

function keyBytes(id: string, key: unknown): Uint8Array {
  // A copy of decoded text: Node's decoder hands out small buffers carved from one shared pool.
  const decoded = typeof key === 'string' ? fromBase64(key) : undefined;
  const bytes = decoded ? Uint8Array.from(decoded) : key instanceof Uint8Array ? key : undefined;
  if (!bytes) throw optionError(WHERE, `keys.${id}`, 'must be a Uint8Array or base64 text');
  if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) {
    throw optionError(WHERE, `keys.${id}`, `must be 16, 24 or 32 bytes (got ${bytes.length})`);
  }
  return bytes;
}

/** The part of `node:crypto` the synchronous path uses (AES-GCM by createCipheriv). */
interface NodeAead {
  setAAD(data: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  update(data: string, encoding: 'utf8'): Uint8Array;
  final(): Uint8Array;
}
interface NodeCrypto {
  createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array): NodeAead & { getAuthTag(): Uint8Array };
  createDecipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array,
  ): NodeAead & { setAuthTag(tag: Uint8Array): unknown };
}

/**
 * Node's own AES-GCM where the runtime has it, found through `process.getBuiltinModule('crypto')` (Node
 * >= 20.16), so no `node:` import reaches an edge bundle. It produces and reads the very same
 * bytes as Web Crypto (iv ‖ ciphertext ‖ tag, the header as associated data) at about a tenth of
 * the CPU: Web Crypto's promise-based decrypt costs ~70 µs per small value on Node 20, this ~7.
 */
const nodeCrypto = builtin('crypto') as NodeCrypto | undefined;

const aesGcm = (key: Uint8Array): string => `aes-${key.length * 8}-gcm`;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function subtleCrypto(): Subtle {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw codecError('encryptedCodec needs Web Crypto (globalThis.crypto.subtle)');
  return subtle;
}

/**
 * AES-GCM encryption of the inner codec's output through Web Crypto (Node 20, Workers, Deno,
 * Vercel Edge, browsers; no `node:` module). A stored value is `~e1:<keyId>:<base64url(iv ‖
 * ciphertext ‖ tag)>` with a random 96-bit IV per write; the version and key id are
 * authenticated as associated data. Writes use `current`; reads accept every key in `keys`, so
 * rotation is: add the new key as current, keep the old ones until `raptorflow reencrypt`
 * has moved their values. A wrong or unknown key, a tampered or truncated value rejects with
 * `E_CODEC`; {@link decodeOrMissAsync} turns that into a miss.
 *
 * Compose with compression by wrapping it: `encryptedCodec(compressedCodec(jsonCodec()), keys)`
 * compresses, then encrypts (ciphertext does not compress).
 */
export function encryptedCodec<T>(inner: Codec<T>, options: EncryptionOptions): EncryptedCodec<T> {
  if (typeof options !== 'object' || options === null)
    throw optionError(WHERE, '(options)', 'must be an object');
  const { current, keys } = options;
  if (typeof keys !== 'object' || keys === null)
    throw optionError(WHERE, 'keys', 'must be an object of keys by id');
  const raw = new Map<string, Uint8Array>();
  for (const [id, key] of Object.entries(keys)) {
    if (!KEY_ID.test(id))
      throw optionError(WHERE, `keys.${id}`, 'an id is 1-32 characters of A-Z a-z 0-9 _ -');
    raw.set(id, keyBytes(id, key));
  }
  if (typeof current !== 'string' || !raw.has(current)) {
    throw optionError(
      WHERE,
      'current',
      `must name one of the keys (${[...raw.keys()].join(', ') || 'none'})`,
    );
  }
  /** What every call under a key needs, computed once: its cipher name and header (as text and as AAD bytes). */
  const sealing = new Map<string, { algorithm: string; header: string; aad: Uint8Array }>();
  for (const [id, key] of raw) {
    const header = `${VERSION}${id}:`;
    sealing.set(id, { algorithm: aesGcm(key), header, aad: utf8.encode(header) });
  }
  // Imported once per key, on first use (importKey is asynchronous).
  const imported = new Map<string, Promise<AesKey>>();
  const cryptoKey = (id: string): Promise<AesKey> => {
    let key = imported.get(id);
    if (key === undefined) {
      key = subtleCrypto().importKey('raw', raw.get(id) as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      imported.set(id, key);
    }
    return key;
  };

  const keyIdOf = (stored: string): string | undefined => {
    if (typeof stored !== 'string' || !stored.startsWith(VERSION)) return undefined;
    const end = stored.indexOf(':', VERSION.length);
    const id = end < 0 ? '' : stored.slice(VERSION.length, end);
    return KEY_ID.test(id) ? id : undefined;
  };

  async function seal(plain: string): Promise<string> {
    const { algorithm, header, aad } = sealing.get(current) as {
      algorithm: string;
      header: string;
      aad: Uint8Array;
    };
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    if (nodeCrypto) {
      const cipher = nodeCrypto.createCipheriv(algorithm, raw.get(current) as Uint8Array, iv);
      cipher.setAAD(aad);
      const body = cipher.update(plain, 'utf8');
      const last = cipher.final();
      return header + toBase64Url(concat([iv, body, last, cipher.getAuthTag()]));
    }
    const sealed = await subtleCrypto().encrypt(
      { name: 'AES-GCM', iv, additionalData: aad },
      await cryptoKey(current),
      utf8.encode(plain),
    );
    const out = new Uint8Array(IV_BYTES + sealed.byteLength);
    out.set(iv);
    out.set(new Uint8Array(sealed), IV_BYTES);
    return header + toBase64Url(out);
  }

  async function open(stored: string): Promise<string> {
    if (typeof stored !== 'string') throw codecError('stored value is not a string');
    const id = keyIdOf(stored);
    if (id === undefined) throw codecError(`stored value is not encrypted (${stored.length} chars)`);
    const under = sealing.get(id);
    if (!under) throw codecError(`stored value names key "${id}", which is not among the keys`);
    const { header, aad } = under;
    const bytes = fromBase64(stored.slice(header.length));
    if (!bytes || bytes.length < IV_BYTES + TAG_BYTES) {
      throw codecError(`encrypted value under key "${id}" is truncated or malformed`);
    }
    let plain: ArrayBuffer | Uint8Array;
    try {
      if (nodeCrypto) {
        const decipher = nodeCrypto.createDecipheriv(
          under.algorithm,
          raw.get(id) as Uint8Array,
          bytes.subarray(0, IV_BYTES),
        );
        decipher.setAAD(aad);
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const body = decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES));
        // GCM's final() authenticates and returns nothing more: no copy in the usual case.
        const last = decipher.final();
        plain = last.length === 0 ? body : concat([body, last]);
      } else
        plain = await subtleCrypto().decrypt(
          { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: aad },
          await cryptoKey(id),
          bytes.subarray(IV_BYTES),
        );
    } catch (error) {
      throw codecError(
        `encrypted value under key "${id}" fails authentication (tampered, or a wrong key)`,
        error,
      );
    }
    try {
      return fromUtf8.decode(plain);
    } catch (error) {
      throw codecError('decrypted value is not UTF-8', error);
    }
  }

  return {
    name: `aes-gcm(${inner.name})`,
    currentKeyId: current,
    keyIdOf,
    async encode(value: T): Promise<string> {
      return seal(inner.encode(value));
    },
    async decode(stored: string): Promise<T> {
      return inner.decode(await open(stored));
    },
    async reencrypt(stored: string): Promise<string> {
      return seal(await open(stored));
    },
  };
}

/**
 * {@link decodeOrMiss} for an {@link AsyncCodec}: a value that cannot be read (wrong key,
 * tampered, truncated, not encrypted) is a miss (`undefined`) reported to `onError`.
 */
export async function decodeOrMissAsync<T>(
  codec: AsyncCodec<T>,
  stored: string,
  onError?: (error: KvError) => void,
): Promise<T | undefined> {
  try {
    return await codec.decode(stored);
  } catch (error) {
    const kvError = error instanceof KvError ? error : codecError(String(error), error);
    onError?.(kvError);
    return undefined;
  }
}
