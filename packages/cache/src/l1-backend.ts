import { type Codec, findLayer, type KvStore, type L1Cache } from '@raptorflow/core';
import {
  type Backend,
  decodeStored,
  gensKnown,
  gensOf,
  type HotGens,
  type NamespaceRef,
  type ReadResult,
  type StoredEntry,
  setGens,
  storedEntry,
  type WriteItem,
} from './backend.js';
import { tagsField } from './envelope.js';
import { entryKey, nsGenKey, tagKey, WS_GEN_KEY } from './keys.js';
import {
  CORRUPT_VERSION,
  counterVersion,
  hasCorruptVersion,
  repairVersion,
  tagVersion,
} from './tag-versions.js';

const RAW: Codec<string> = { name: 'raw', encode: (v) => v, decode: (v) => v };

/** Bound on the set of counters this process has seeded, so it cannot grow without limit. */
const SEEDED_MAX = 10_000;

/** Bound on the L1 keys remembered for hits, over every namespace of a cache (see `HotGens.keys`). */
const HIT_KEYS_MAX = 10_000;

/**
 * The backend of an L1 stack (core's `withL1`). Reads are plain GET/MGET through L1, so the
 * generation counters and tag versions, read on every call, are L1 hits: a hit costs no round
 * trip, and other processes' clears and tag bumps arrive through L1's pub/sub invalidation.
 * Scripts are writes to L1 (they would evict and publish their keys on every read), so this
 * backend uses none on the read path.
 *
 * Counters that do not exist yet are created as `0` (SET NX), because L1 does not cache
 * missing keys and an absent counter would cost a round trip on every hit.
 */
export function l1Backend(): Backend {
  const seeded = new Set<string>();
  // The maps of remembered L1 keys (`HotGens.keys`, `NamespaceRef.tagKeys`) holding any, and
  // how many keys they hold in all: past the bound every one is emptied (hits then build their
  // keys again until remembered anew).
  const rememberedIn = new Set<Map<string, unknown>>();
  let remembered = 0;

  function remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (remembered >= HIT_KEYS_MAX) {
      for (const m of rememberedIn) m.clear();
      rememberedIn.clear();
      remembered = 0;
    }
    if (map.size === 0) rememberedIn.add(map);
    map.set(key, value);
    remembered++;
  }

  function seed(
    view: KvStore,
    keys: readonly string[],
    values: ReadonlyArray<string | null | undefined>,
  ): void {
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (values[i] == null && !seeded.has(key)) missing.push(key);
    }
    if (missing.length === 0) return;
    if (seeded.size > SEEDED_MAX) seeded.clear();
    const batch = view.batch();
    for (const key of missing) {
      seeded.add(key);
      batch.set(key, '0', { nx: true });
    }
    // Best effort: a failed seed only costs round trips later.
    batch.execSettled().catch(() => {});
  }

  async function tagVersions(view: KvStore, tags: readonly string[]): Promise<string[]> {
    if (tags.length === 0) return [];
    const keys: string[] = [];
    for (const tag of tags) keys.push(tagKey('s', tag), tagKey('h', tag));
    const values = await view.mget(keys);
    seed(view, keys, values);
    return tags.map((_, i) => tagVersion(values[2 * i], values[2 * i + 1]));
  }

  /**
   * Versions for a write: as {@link tagVersions}, but a corrupt counter is reset first (one more
   * round trip, only then), so the entry records a valid version. Scripts do the same in `fixver`.
   */
  async function repairedVersions(view: KvStore, tags: readonly string[]): Promise<string[]> {
    const versions = await tagVersions(view, tags);
    if (!versions.some(hasCorruptVersion)) return versions;
    const keys: string[] = [];
    for (const tag of tags) keys.push(tagKey('s', tag), tagKey('h', tag));
    const values = await view.mget(keys);
    const batch = view.batch();
    const fixed = values.map((v, i) => {
      const version = counterVersion(v);
      if (version !== CORRUPT_VERSION) return version;
      const repaired = repairVersion(Date.now());
      batch.set(keys[i] as string, repaired);
      return repaired;
    });
    await batch.exec();
    return tags.map((_, i) => `${fixed[2 * i]}.${fixed[2 * i + 1]}`);
  }

  /** The current versions of `tags` (`s.h,...`) from L1, or `undefined` when one is not there. */
  function peekVersions(l1: L1Cache, ref: NamespaceRef, tags: readonly string[]): string | undefined {
    let out = '';
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i] as string;
      // A tag's counters have the same keys in every generation: resolved once, kept while found.
      const known = ref.tagKeys.get(tag);
      const keys = known ?? { s: l1.key(tagKey('s', tag)), h: l1.key(tagKey('h', tag)) };
      const s = l1.peekDecoded(keys.s, RAW);
      if (s === undefined) return undefined;
      const h = l1.peekDecoded(keys.h, RAW);
      if (h === undefined) return undefined;
      if (known === undefined) remember(ref.tagKeys, tag, keys);
      out += `${i ? ',' : ''}${tagVersion(s, h)}`;
    }
    return out;
  }

  /** Read the generations from L1 (counted as hits) and keep them in `ref.hot`. */
  function hotGens(l1: L1Cache, ref: NamespaceRef): HotGens | undefined {
    // The epoch before the lookups: a change during them makes the next call look again.
    const epoch = l1.epoch;
    const ws = l1.peekDecodedUntil(WS_GEN_KEY, RAW);
    if (ws === undefined) return undefined;
    const ns = l1.peekDecodedUntil(ref.nsGenKey, RAW);
    if (ns === undefined) return undefined;
    const entryPrefix = entryKey(ref.ns, ws.value, ns.value, '');
    const last = ref.hot;
    // Same generations (the epoch moved for another key): the keys remembered still name the same entries.
    const same = last !== undefined && last.entryPrefix === entryPrefix;
    const hot: HotGens = {
      epoch,
      until: Math.min(ws.until, ns.until),
      ws: ws.value,
      ns: ns.value,
      entryPrefix: same ? last.entryPrefix : entryPrefix,
      keys: same ? last.keys : new Map(),
    };
    ref.hot = hot;
    return hot;
  }

  /**
   * Entry `key` from L1 under `hot`'s generations (`notAfter`: see `peekDecoded`), its L1 key
   * remembered on a hit.
   */
  function peekEntry(
    l1: L1Cache,
    ref: NamespaceRef,
    hot: HotGens,
    key: string,
    notAfter: number | undefined,
  ): StoredEntry['envelope'] | undefined | null {
    const known = hot.keys.get(key);
    const l1Key = known ?? l1.key(hot.entryPrefix + key);
    const envelope =
      notAfter === undefined ? l1.peekDecoded(l1Key, ref.codec) : l1.peekDecoded(l1Key, ref.codec, notAfter);
    if (known === undefined && envelope != null) remember(hot.keys, key, l1Key);
    return envelope;
  }

  return {
    shared: true,
    peek(ref: NamespaceRef, key: string): StoredEntry | undefined {
      // Found through the driver chain (any layer order, any view), keys relative to the view;
      // core remembers the answer per view, so this is a map lookup on the hit path.
      let l1 = ref.l1;
      if (l1 === undefined) {
        l1 = findLayer(ref.view, 'l1') ?? null;
        ref.l1 = l1;
      }
      if (!l1) return undefined;
      // The generations: while L1's epoch stands still (no entry left or was replaced, here or
      // by another process's invalidation) and their copies have not expired, they are the ones
      // read last time, baked into `hot.entryPrefix`: the hit is one lookup. The expiry is
      // checked by L1 on the same clock reading as the entry's (`null`: look them up again).
      let hot = ref.hot;
      let envelope: StoredEntry['envelope'] | undefined | null = null;
      try {
        if (hot !== undefined && hot.epoch === l1.epoch) envelope = peekEntry(l1, ref, hot, key, hot.until);
        if (envelope === null) {
          hot = hotGens(l1, ref);
          if (hot === undefined) return undefined;
          // Without `notAfter` the answer is never `null`.
          envelope = peekEntry(l1, ref, hot, key, undefined) ?? undefined;
        }
      } catch (error) {
        ref.onDecodeError(error as never);
        return undefined;
      }
      setGens(ref, (hot as HotGens).ws, (hot as HotGens).ns);
      if (envelope === undefined) return undefined;
      const current = envelope.tags.length === 0 ? '' : peekVersions(l1, ref, envelope.tags);
      // A corrupt counter: the read path reports it.
      if (current === undefined || hasCorruptVersion(current)) return undefined;
      return { envelope, current, tier: 'l1' };
    },

    async read(ref: NamespaceRef, keys: readonly string[], wantTags: readonly string[]): Promise<ReadResult> {
      const view = ref.view;
      const genKeys = [WS_GEN_KEY, nsGenKey(ref.ns)];
      let g = gensOf(ref);
      let entryKeys = keys.map((k) => entryKey(ref.ns, g.ws, g.ns, k));
      const first = await view.mget([...genKeys, ...entryKeys]);
      seed(view, genKeys, first);
      let raws = first.slice(2);
      const ws = first[0] ?? '0';
      const ns = first[1] ?? '0';
      if (ws !== g.ws || ns !== g.ns) {
        // Another process cleared meanwhile: the keys we read belong to an old generation.
        setGens(ref, ws, ns);
        g = { ws, ns };
        entryKeys = keys.map((k) => entryKey(ref.ns, ws, ns, k));
        raws = await view.mget(entryKeys);
      }
      const l1 = findLayer(view, 'l1');
      const envelopes = raws.map((raw, i) => {
        if (typeof raw !== 'string') return undefined;
        try {
          // The decoded copy L1 keeps, when L1 took the value; else decode this reply.
          const kept = l1?.peekDecoded(entryKeys[i] as string, ref.codec);
          if (kept !== undefined) return kept;
        } catch {
          // Reported below by decodeStored.
        }
        return decodeStored(ref, raw);
      });
      const allTags = new Set<string>(wantTags);
      for (const e of envelopes) if (e) for (const t of e.tags) allTags.add(t);
      const tagList = [...allTags];
      const versions = await tagVersions(view, tagList);
      const byTag = new Map<string, string>();
      for (let i = 0; i < tagList.length; i++) byTag.set(tagList[i] as string, versions[i] as string);
      const entries = envelopes.map((envelope): StoredEntry | undefined =>
        envelope
          ? storedEntry(ref, envelope, envelope.tags.map((t) => byTag.get(t)).join(','), 'l2')
          : undefined,
      );
      return { entries, wanted: wantTags.map((t) => byTag.get(t) as string) };
    },

    async write(ref: NamespaceRef, items: readonly WriteItem[]): Promise<void> {
      const view = ref.view;
      const need = new Set<string>();
      for (const item of items) if (!item.versions) for (const t of item.tags) need.add(t);
      const tagList = [...need];
      const versions = await repairedVersions(view, tagList);
      const byTag = new Map<string, string>();
      for (let i = 0; i < tagList.length; i++) byTag.set(tagList[i] as string, versions[i] as string);
      if (!gensKnown(ref)) {
        // A fresh process writing before any read: learn the generations first (L1 serves them next time).
        const [ws, ns] = await view.mget([WS_GEN_KEY, nsGenKey(ref.ns)]);
        setGens(ref, ws ?? '0', ns ?? '0');
      }
      const g = gensOf(ref);
      const text = (item: WriteItem): string =>
        `${item.header}${tagsField(item.tags, item.versions ?? item.tags.map((t) => byTag.get(t) as string))}\n${item.payload}`;
      if (items.length === 1) {
        const item = items[0] as WriteItem;
        await view.set(entryKey(ref.ns, g.ws, g.ns, item.key), text(item), { ttl: item.px });
        return;
      }
      const batch = view.batch();
      for (const item of items)
        batch.set(entryKey(ref.ns, g.ws, g.ns, item.key), text(item), { ttl: item.px });
      await batch.exec();
    },

    async remove(ref: NamespaceRef, keys: readonly string[]): Promise<number> {
      const view = ref.view;
      const [ws, ns] = await view.mget([WS_GEN_KEY, nsGenKey(ref.ns)]);
      setGens(ref, ws ?? '0', ns ?? '0');
      const g = gensOf(ref);
      return view.del(keys.map((k) => entryKey(ref.ns, g.ws, g.ns, k)));
    },
  };
}
