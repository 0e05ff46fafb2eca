import type { Codec, KvError, KvStore, L1Cache, L1Key } from '@raptorflow/core';
import type { Envelope } from './envelope.js';
import { corruptVersionError, hasCorruptVersion } from './tag-versions.js';

/** The generations one process last saw for a workspace and its namespaces. */
export interface WorkspaceGens {
  ws: string;
  readonly ns: Map<string, string>;
}

/** What a backend needs to address one namespace of one workspace. */
export interface NamespaceRef {
  /** The workspace view: every key below is relative to it. */
  readonly view: KvStore;
  readonly ns: string;
  /** `nsGenKey(ns)`, built once: the L1-hit path reads it on every call. */
  readonly nsGenKey: string;
  /** The view's L1 once looked up (`null`: none); the L1-hit path skips the lookup after. */
  l1?: L1Cache | null | undefined;
  /**
   * The generations L1 held when last looked up, kept while L1's `epoch` stands still: an L1 hit
   * then costs one lookup (the entry) instead of three. Written by the L1 backend only.
   */
  hot?: HotGens | undefined;
  /**
   * L1 keys of the soft and hard version counters of tags met on L1 hits, by tag (the same in
   * every generation). Written by the L1 backend only, which bounds them.
   */
  readonly tagKeys: Map<string, { readonly s: L1Key; readonly h: L1Key }>;
  readonly gens: WorkspaceGens;
  /** Decodes stored entries (header + value codec + schema). */
  readonly codec: Codec<Envelope>;
  /** Called for a stored entry that cannot be decoded or fails its schema: it reads as a miss. */
  readonly onDecodeError: (error: KvError) => void;
  /** Set once this process has seen a tagged entry in this namespace: reads then use the script. */
  readonly tags: { seen: boolean };
}

/** Generations read from L1 at `epoch`, valid until `until` (a `performance.now()` reading). */
export interface HotGens {
  readonly epoch: number;
  readonly until: number;
  readonly ws: string;
  readonly ns: string;
  /** `entryKey(ns, ws, nsGen, '')`: the entry key of `k` is this plus `k`. */
  readonly entryPrefix: string;
  /**
   * L1 keys of entries under `entryPrefix` that were L1 hits, by stored user key: a hit then
   * builds no key string. Carried over while `entryPrefix` stays the same; bounded by the backend.
   */
  readonly keys: Map<string, L1Key>;
}

/** A stored entry as read, with the current versions of its tags (`s.h,...`). */
export interface StoredEntry {
  readonly envelope: Envelope;
  readonly current: string;
  readonly tier: 'l1' | 'l2';
}

/** Result of a read: one slot per key, plus the versions of the tags the caller asked for. */
export interface ReadResult {
  readonly entries: Array<StoredEntry | undefined>;
  /** `s.h` per wanted tag, in the order asked. */
  readonly wanted: readonly string[];
}

/** One entry to write. */
export interface WriteItem {
  /** The stored form of the user key. */
  readonly key: string;
  /** Header up to (not including) the tags field. */
  readonly header: string;
  readonly payload: string;
  /** Physical TTL in ms (logical TTL + grace). */
  readonly px: number;
  readonly tags: readonly string[];
  /** Tag versions read before the value was computed; when absent they are read at write time. */
  readonly versions?: readonly string[] | undefined;
}

/** How the cache talks to the store: scripts on a plain store, L1-served reads on an L1 stack. */
export interface Backend {
  /** True when the entries it returns are kept by L1 and shared by later reads. */
  readonly shared: boolean;
  /** Entries served by L1 without a round trip, or `undefined` (then call {@link read}). */
  peek(ref: NamespaceRef, key: string): StoredEntry | undefined;
  read(ref: NamespaceRef, keys: readonly string[], wantTags: readonly string[]): Promise<ReadResult>;
  write(ref: NamespaceRef, items: readonly WriteItem[]): Promise<void>;
  /** Delete entries; resolves to how many existed. */
  remove(ref: NamespaceRef, keys: readonly string[]): Promise<number>;
  /**
   * Send reads it holds back to combine them (see the script backend), before any other command
   * of the cache: the workspace views of a backend that has it call it first (see {@link orderedView}).
   */
  flush?(): void;
}

/**
 * `view`, whose every method first calls `flush`: a read the backend holds back to combine with
 * others is sent before any later command of the same cache (a write, clear, lease or purge), so
 * a caller's commands reach the store in the order it made them.
 */
export function orderedView(view: KvStore, flush: () => void): KvStore {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(view, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      let fn = wrapped.get(prop);
      if (fn === undefined) {
        fn = (...args: unknown[]): unknown => {
          flush();
          return (Reflect.get(target, prop, target) as (...a: unknown[]) => unknown).apply(target, args);
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/** Current generations of `ref`. */
export function gensOf(ref: NamespaceRef): { ws: string; ns: string } {
  return { ws: ref.gens.ws, ns: ref.gens.ns.get(ref.ns) ?? '0' };
}

/** True once this process has read the namespace's generations from the store (or cleared it). */
export function gensKnown(ref: NamespaceRef): boolean {
  return ref.gens.ns.has(ref.ns);
}

/** Record generations seen in the store. */
export function setGens(ref: NamespaceRef, ws: string, ns: string): void {
  ref.gens.ws = ws;
  // Unchanged on nearly every call (each L1 hit passes here): skip the map write then.
  const gens = ref.gens.ns;
  if (gens.get(ref.ns) !== ns) gens.set(ref.ns, ns);
}

/** Decode a stored entry, turning a failure into a miss reported to `ref.onDecodeError`. */
export function decodeStored(ref: NamespaceRef, stored: string): Envelope | undefined {
  try {
    return ref.codec.decode(stored);
  } catch (error) {
    ref.onDecodeError(error as KvError);
    return undefined;
  }
}

/**
 * A read entry with its tags' current versions, or `undefined` (a miss reported to
 * `ref.onDecodeError`) when one of those tag counters is corrupt.
 */
export function storedEntry(
  ref: NamespaceRef,
  envelope: Envelope,
  current: string,
  tier: StoredEntry['tier'],
): StoredEntry | undefined {
  if (current !== '' && hasCorruptVersion(current)) {
    ref.onDecodeError(corruptVersionError());
    return undefined;
  }
  return { envelope, current, tier };
}

/** Versions read before a factory ran, or `undefined` when one is corrupt (the write then reads and repairs them). */
export function usableVersions(versions: readonly string[] | undefined): readonly string[] | undefined {
  if (!versions) return undefined;
  for (const v of versions) if (hasCorruptVersion(v)) return undefined;
  return versions;
}
