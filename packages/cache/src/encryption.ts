import { type Codec, KvError } from '@raptorflow/core';
import { type EncryptedCodec, type EncryptionOptions, encryptedCodec } from '@raptorflow/core/codecs';
import { optionError } from '@raptorflow/core/kit';
import type { Backend, NamespaceRef, ReadResult, StoredEntry } from './backend.js';
import type { Envelope } from './envelope.js';

/** A namespace's encryption, resolved once per namespace. */
export interface NamespaceEncryption {
  /** AES-GCM over the bound plaintext (core's `encryptedCodec` of a string). */
  readonly codec: EncryptedCodec<string>;
  /** Decodes the value once decrypted: the value codec (decompression) and the schema. */
  readonly read: Codec<unknown>;
}

const TEXT: Codec<string> = { name: 'text', encode: (v) => v, decode: (v) => v };

/** Build a namespace's encryption; a bad key or id is `E_INVALID_OPTIONS` naming the field at `path`. */
export function namespaceEncryption(
  options: EncryptionOptions,
  read: Codec<unknown>,
  path: string,
): NamespaceEncryption {
  for (const field of Object.keys(options)) {
    if (field !== 'current' && field !== 'keys')
      throw optionError(
        'createCache',
        `${path}.encryption.${field}`,
        'unknown option (use current and keys)',
      );
  }
  try {
    return { codec: encryptedCodec(TEXT, options), read };
  } catch (error) {
    // encryptedCodec names the field (`encryptedCodec: keys.k1: …`); keep that, under the cache's path.
    const message = error instanceof Error ? error.message : String(error);
    const at = message.indexOf(': ');
    const rest = at < 0 ? message : message.slice(at + 2);
    const colon = rest.indexOf(': ');
    throw optionError(
      'createCache',
      `${path}.encryption.${colon < 0 ? '' : rest.slice(0, colon)}`,
      colon < 0 ? rest : rest.slice(colon + 2),
    );
  }
}

/**
 * An encrypted payload as the entry codec leaves it: the header is read synchronously (scripts
 * and freshness need it), the value only once decrypted, which is asynchronous (Web Crypto).
 * L1 keeps the decoded envelope, so it keeps this holder too: the value decrypted once is kept
 * here, in a private field that the freeze of L1's copy does not reach, and later L1 hits
 * never decrypt again.
 */
export class Sealed {
  /** The stored payload, `~e1:<keyId>:<base64url>`. */
  readonly text: string;
  #opening: Promise<unknown> | undefined;
  #open = false;
  #value: unknown;

  constructor(text: string) {
    this.text = text;
  }

  /** True once the value is decrypted and kept. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** The kept value (only when {@link isOpen}). */
  get value(): unknown {
    return this.#value;
  }

  /** Decrypt once: concurrent readers share the run; a failure is not kept (each read reports it). */
  open(run: (text: string) => Promise<unknown>): Promise<unknown> {
    if (this.#opening) return this.#opening;
    const opening = run(this.text).then(
      (value) => {
        this.#value = value;
        this.#open = true;
        return value;
      },
      (error: unknown) => {
        this.#opening = undefined;
        throw error;
      },
    );
    this.#opening = opening;
    return opening;
  }
}

/** The value codec of an encrypted namespace's entry codec: it leaves the payload sealed. */
export const SEALED_CODEC: Codec<unknown> = {
  name: 'sealed',
  encode(): string {
    throw new KvError('E_UNSUPPORTED', 'sealed payloads are written by the cache');
  },
  decode: (stored) => new Sealed(stored),
};

/**
 * What the ciphertext is bound to, written in front of the value inside it: the workspace,
 * namespace and key, and the entry's flags and times. A ciphertext moved to another key (or
 * workspace), or given other times in its plain header, no longer opens: `E_CODEC`, a miss.
 */
export function bindingOf(
  workspace: string,
  ns: string,
  key: string,
  flags: string,
  createdAt: number,
  freshUntil: number,
  staleUntil: number,
): string {
  return `${workspace}\n${ns}\n${key.length}:${key}\n${flags}|${createdAt}|${freshUntil}|${staleUntil}\n`;
}

function bindingOfEntry(workspace: string, ns: string, key: string, e: Envelope): string {
  return bindingOf(workspace, ns, key, e.negative ? 'n' : '', e.createdAt, e.freshUntil, e.staleUntil);
}

/** Deep-freeze a value L1 shares between hits, as L1 does with the values it decodes. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  if (ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
}

function withValue(entry: StoredEntry, value: unknown): StoredEntry {
  return { envelope: { ...entry.envelope, value }, current: entry.current, tier: entry.tier };
}

/**
 * The backend of an encrypted namespace: `inner`'s entries come with their payload sealed; this
 * opens them. An L1 hit whose value was decrypted before is served synchronously (`peek`); one
 * not yet decrypted is left to `read`, which L1 serves without a round trip too. A value that
 * does not open (wrong or unknown key, tampered, truncated, not encrypted, moved from another
 * key) is an `E_CODEC` reported as a `decode-error` and a miss.
 */
export function encryptedBackend(inner: Backend, enc: NamespaceEncryption, workspace: string): Backend {
  async function decrypt(ref: NamespaceRef, key: string, envelope: Envelope, text: string): Promise<unknown> {
    const plain = await enc.codec.decode(text);
    const binding = bindingOfEntry(workspace, ref.ns, key, envelope);
    if (!plain.startsWith(binding)) {
      throw new KvError(
        'E_CODEC',
        'encrypted cache value was written for another key, workspace or header (moved or replayed)',
      );
    }
    return enc.read.decode(plain.slice(binding.length));
  }

  async function open(
    ref: NamespaceRef,
    key: string,
    entry: StoredEntry | undefined,
  ): Promise<StoredEntry | undefined> {
    if (!entry) return undefined;
    const envelope = entry.envelope;
    const sealed = envelope.value;
    // A stored `undefined` has no payload to seal.
    if (sealed === undefined) return entry;
    try {
      if (sealed instanceof Sealed) {
        if (sealed.isOpen) return withValue(entry, sealed.value);
        const value = await sealed.open(async (text) => {
          const opened = await decrypt(ref, key, envelope, text);
          // Kept for later hits: shared, so frozen as L1 freezes what it keeps.
          if (inner.shared) deepFreeze(opened);
          return opened;
        });
        return withValue(entry, value);
      }
      // L1 with `protect: 'clone'` hands out a copy of its envelope: the holder is a plain
      // object then, and the value is decrypted for this read only (a fresh copy, as cloned).
      const text = (sealed as { text?: unknown }).text;
      if (typeof text !== 'string') throw new KvError('E_CODEC', 'encrypted cache value: no payload');
      return withValue(entry, await decrypt(ref, key, envelope, text));
    } catch (error) {
      ref.onDecodeError(
        error instanceof KvError ? error : new KvError('E_CODEC', String(error), { cause: error }),
      );
      return undefined;
    }
  }

  return {
    shared: inner.shared,
    peek(ref: NamespaceRef, key: string): StoredEntry | undefined {
      const entry = inner.peek(ref, key);
      if (!entry) return undefined;
      const sealed = entry.envelope.value;
      if (sealed === undefined) return entry;
      if (sealed instanceof Sealed && sealed.isOpen) return withValue(entry, sealed.value);
      return undefined;
    },
    read(ref: NamespaceRef, keys: readonly string[], wantTags: readonly string[]): Promise<ReadResult> {
      return inner.read(ref, keys, wantTags).then(async (result) => {
        const entries = await Promise.all(result.entries.map((e, i) => open(ref, keys[i] as string, e)));
        return { entries, wanted: result.wanted };
      });
    },
    write: (ref, items) => inner.write(ref, items),
    remove: (ref, keys) => inner.remove(ref, keys),
  };
}

/**
 * The sealed payload of a value: the binding and the encoded value (compressed when the
 * namespace compresses: compress, then encrypt), encrypted under the current key.
 */
export function sealPayload(enc: NamespaceEncryption, binding: string, encoded: string): Promise<string> {
  return enc.codec.encode(binding + encoded);
}
