import {
  type Backend,
  decodeStored,
  gensKnown,
  gensOf,
  type NamespaceRef,
  type ReadResult,
  type StoredEntry,
  setGens,
  storedEntry,
  type WriteItem,
} from './backend.js';
import { tagsField } from './envelope.js';
import { entryKey, nsGenKey, WS_GEN_KEY } from './keys.js';
import {
  DELETE_SCRIPT,
  deleteScriptKeys,
  encodeDeleteArgs,
  encodeReadArgs,
  encodeWriteArgs,
  parseReadRest,
  READ_SCRIPT,
  readScriptKeys,
  WRITE_SCRIPT,
  writeScriptKeys,
} from './scripts/index.js';

/** Attempts when another process bumps a generation between our reads: then it is a miss. */
const ATTEMPTS = 3;
/** Shared empty tag list (never mutated). */
const NO_TAGS: readonly string[] = Object.freeze([]);

/**
 * Read with one MGET of the generations and the entries: the cheapest read Redis serves. When
 * an entry has tags, whose versions need the script, it marks the namespace and reads again
 * with the script. Chained with `then` rather than `async`: this is every L2 hit's path, and
 * each async layer costs promise hops.
 */
function plainRead(ref: NamespaceRef, keys: readonly string[], attempt: number): Promise<ReadResult> {
  const gws = ref.gens.ws;
  const gns = ref.gens.ns.get(ref.ns) ?? '0';
  const mgetKeys = [WS_GEN_KEY, nsGenKey(ref.ns)];
  for (const k of keys) mgetKeys.push(entryKey(ref.ns, gws, gns, k));
  return ref.view.mget(mgetKeys).then((values): ReadResult | Promise<ReadResult> => {
    const ws = values[0] ?? '0';
    const ns = values[1] ?? '0';
    setGens(ref, ws, ns);
    if (ws !== gws || ns !== gns) {
      // Another process bumped a generation between our reads: after that many, a miss.
      return attempt + 1 < ATTEMPTS
        ? plainRead(ref, keys, attempt + 1)
        : { entries: new Array(keys.length), wanted: [] };
    }
    return plainEntries(ref, keys, values.slice(2));
  });
}

/**
 * Most gets one MGET carries: several MGETs in flight keep the client decoding one reply while
 * Redis serves the next (one MGET of every waiting get made each turn wait for the slowest).
 */
const COMBINE_MAX = 16;

/** A `get` waiting for the combined read of its namespace. */
interface Waiting {
  readonly key: string;
  readonly resolve: (result: ReadResult | Promise<ReadResult>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs `flush` after the calls made in this run of microtasks. Not `setImmediate`: node-redis
 * writes its socket in a `setImmediate` of its own, which would then wait a whole turn of the
 * event loop; a closed loop of callers re-issues its gets within the microtasks of one reply.
 */
const later = (flush: () => void): void => queueMicrotask(flush);

/**
 * Combines the single-key plain reads (`get`) made in one run of microtasks into one MGET
 * per namespace of a workspace (its keys share the workspace's hash tag, so one Cluster slot):
 * the generations once, then every entry. Each call keeps its own promise, its own decoding,
 * its own retry when a generation moved, and its own timeout (the caller's `guard`). Before any
 * other command the cache sends, {@link flush} sends what is waiting, so a caller's later write,
 * clear or lease never overtakes its earlier read.
 */
class ReadCombiner {
  #waiting = new Map<NamespaceRef, Waiting[]>();
  #scheduled = false;
  readonly #run = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  read(ref: NamespaceRef, key: string): Promise<ReadResult> {
    return new Promise<ReadResult>((resolve, reject) => {
      let list = this.#waiting.get(ref);
      if (list === undefined) {
        list = [];
        this.#waiting.set(ref, list);
      }
      list.push({ key, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        later(this.#run);
      }
    });
  }

  /** Send every waiting read now (one MGET per namespace). */
  flush(): void {
    if (this.#waiting.size === 0) return;
    const all = this.#waiting;
    this.#waiting = new Map();
    for (const [ref, list] of all) {
      if (list.length <= COMBINE_MAX) sendCombined(ref, list);
      else
        for (let i = 0; i < list.length; i += COMBINE_MAX) sendCombined(ref, list.slice(i, i + COMBINE_MAX));
    }
  }
}

/** One MGET for `list`'s keys; each waiting call gets its own result (or retry, or error). */
function sendCombined(ref: NamespaceRef, list: readonly Waiting[]): void {
  if (list.length === 1) {
    const only = list[0] as Waiting;
    plainRead(ref, [only.key], 0).then(only.resolve, only.reject);
    return;
  }
  const gws = ref.gens.ws;
  const gns = ref.gens.ns.get(ref.ns) ?? '0';
  const mgetKeys = [WS_GEN_KEY, nsGenKey(ref.ns)];
  for (const w of list) mgetKeys.push(entryKey(ref.ns, gws, gns, w.key));
  let sent: Promise<Array<string | null>>;
  try {
    sent = ref.view.mget(mgetKeys);
  } catch (error) {
    for (const w of list) w.reject(error);
    return;
  }
  sent.then(
    (values) => {
      const ws = values[0] ?? '0';
      const ns = values[1] ?? '0';
      setGens(ref, ws, ns);
      const moved = ws !== gws || ns !== gns;
      for (let i = 0; i < list.length; i++) {
        const w = list[i] as Waiting;
        // Another process bumped a generation between our reads: each call reads again alone.
        if (moved) w.resolve(plainRead(ref, [w.key], 1));
        else {
          try {
            w.resolve(plainEntries(ref, [w.key], [values[i + 2] ?? null]));
          } catch (error) {
            w.reject(error);
          }
        }
      }
    },
    (error: unknown) => {
      for (const w of list) w.reject(error);
    },
  );
}

/** Decode the plain read of `keys`; an entry with tags switches the namespace to the script. */
function plainEntries(
  ref: NamespaceRef,
  keys: readonly string[],
  stored: ReadonlyArray<string | null | undefined>,
): ReadResult | Promise<ReadResult> {
  const entries: Array<StoredEntry | undefined> = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const raw = stored[i];
    if (typeof raw !== 'string') continue;
    const envelope = decodeStored(ref, raw);
    if (!envelope) continue;
    if (envelope.tags.length > 0) {
      ref.tags.seen = true;
      return scriptRead(ref, keys, NO_TAGS);
    }
    entries[i] = { envelope, current: '', tier: 'l2' };
  }
  return { entries, wanted: NO_TAGS };
}

/** Read with the script, which also returns the versions of each entry's tags and of `wantTags`. */
async function scriptRead(
  ref: NamespaceRef,
  keys: readonly string[],
  wantTags: readonly string[],
): Promise<ReadResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const g = gensOf(ref);
    const reply = await ref.view.eval(
      READ_SCRIPT,
      readScriptKeys(ref.ns, g, keys),
      encodeReadArgs(g, wantTags),
    );
    setGens(ref, reply.ws, reply.ns);
    if (!reply.rest) continue;
    const { wanted, slots } = parseReadRest(reply.rest, keys.length);
    const entries: Array<StoredEntry | undefined> = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const slot = slots[i];
      if (!slot) continue;
      const envelope = decodeStored(ref, slot.stored);
      if (envelope) entries[i] = storedEntry(ref, envelope, slot.current, 'l2');
    }
    return { entries, wanted };
  }
  return { entries: new Array(keys.length), wanted: wantTags.map(() => '0.0') };
}

const noop = (): void => {};

/** The stored text of an item whose tag versions are known (or that has no tags). */
function entryText(item: WriteItem): string {
  return `${item.header}${item.versions ? tagsField(item.tags, item.versions) : ''}\n${item.payload}`;
}

/** Write through the script, which checks the generations and fills in the tag versions. */
async function scriptWrite(ref: NamespaceRef, items: readonly WriteItem[]): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const g = gensOf(ref);
    const reply = await ref.view.eval(
      WRITE_SCRIPT,
      writeScriptKeys(ref.ns, g, items),
      encodeWriteArgs(g, items),
    );
    setGens(ref, reply.ws, reply.ns);
    if (reply.rest) return;
  }
}

/**
 * The backend of a store without L1. Every call is one round trip:
 * - reads are one MGET of the generations and the entries, until this process meets a tagged
 *   entry in the namespace; from then on (and when getOrSet wants tag versions) one script
 *   that also reads the versions of each entry's tags;
 * - writes of untagged entries (or of entries whose tag versions were read before the factory)
 *   are plain SETs once the generations are known; others go through a script that checks the
 *   generations and fills in the tag versions;
 * - deletes go through a script that checks the generations, so a delete is never lost to a
 *   clear made by another process.
 * A plain SET under generations another process has since bumped lands on an unreachable key:
 * a lost write, never a stale read, since every read checks the generations.
 */
export function scriptBackend(): Backend {
  const combiner = new ReadCombiner();
  return {
    shared: false,
    peek: () => undefined,
    flush: () => combiner.flush(),

    read(ref: NamespaceRef, keys: readonly string[], wantTags: readonly string[]): Promise<ReadResult> {
      if (!ref.tags.seen && wantTags.length === 0) {
        return keys.length === 1 ? combiner.read(ref, keys[0] as string) : plainRead(ref, keys, 0);
      }
      return scriptRead(ref, keys, wantTags);
    },

    write(ref: NamespaceRef, items: readonly WriteItem[]): Promise<void> {
      let plain = gensKnown(ref);
      for (const item of items) {
        if (item.tags.length === 0) continue;
        ref.tags.seen = true;
        if (!item.versions) plain = false;
      }
      if (!plain) return scriptWrite(ref, items);
      const g = gensOf(ref);
      if (items.length === 1) {
        const item = items[0] as WriteItem;
        return ref.view
          .set(entryKey(ref.ns, g.ws, g.ns, item.key), entryText(item), { ttl: item.px })
          .then(noop);
      }
      const batch = ref.view.batch();
      for (const item of items)
        batch.set(entryKey(ref.ns, g.ws, g.ns, item.key), entryText(item), { ttl: item.px });
      return batch.exec().then(noop);
    },

    async remove(ref: NamespaceRef, keys: readonly string[]): Promise<number> {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const g = gensOf(ref);
        const reply = await ref.view.eval(
          DELETE_SCRIPT,
          deleteScriptKeys(ref.ns, g, keys),
          encodeDeleteArgs(g),
        );
        setGens(ref, reply.ws, reply.ns);
        if (reply.rest) return Number(reply.rest[0]);
      }
      return 0;
    },
  };
}
