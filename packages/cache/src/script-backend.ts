import type { ScriptArg } from '@raptorflow/core';
import {
  type Backend,
  decodeStored,
  gensKnown,
  gensOf,
  type NamespaceRef,
  type ReadResult,
  type StoredEntry,
  setGens,
  type WriteItem,
} from './backend.js';
import { tagsField } from './envelope.js';
import { entryKey, nsGenKey, TAG_PREFIX, WS_GEN_KEY } from './keys.js';
import { DELETE_SCRIPT, READ_SCRIPT, WRITE_SCRIPT } from './scripts.js';

/** Attempts when another process bumps a generation between our reads: then it is a miss. */
const ATTEMPTS = 3;

/**
 * Read with one MGET of the generations and the entries: the cheapest read Redis serves. It
 * gives up (`undefined`) when an entry has tags, whose versions need the script.
 */
async function plainRead(ref: NamespaceRef, keys: readonly string[]): Promise<ReadResult | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const g = gensOf(ref);
    const mgetKeys = [WS_GEN_KEY, nsGenKey(ref.ns)];
    for (const k of keys) mgetKeys.push(entryKey(ref.ns, g.ws, g.ns, k));
    const values = await ref.view.mget(mgetKeys);
    const ws = values[0] ?? '0';
    const ns = values[1] ?? '0';
    setGens(ref, ws, ns);
    if (ws !== g.ws || ns !== g.ns) continue;
    const entries: Array<StoredEntry | undefined> = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const stored = values[i + 2];
      if (typeof stored !== 'string') continue;
      const envelope = decodeStored(ref, stored);
      if (!envelope) continue;
      if (envelope.tags.length > 0) return undefined;
      entries[i] = { envelope, current: '', tier: 'l2' };
    }
    return { entries, wanted: [] };
  }
  return { entries: new Array(keys.length), wanted: [] };
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
  return {
    peek: () => undefined,

    async read(ref: NamespaceRef, keys: readonly string[], wantTags: readonly string[]): Promise<ReadResult> {
      if (!ref.tags.seen && wantTags.length === 0) {
        const plain = await plainRead(ref, keys);
        if (plain) return plain;
        ref.tags.seen = true;
      }
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const g = gensOf(ref);
        const scriptKeys = [WS_GEN_KEY, nsGenKey(ref.ns), TAG_PREFIX];
        for (const k of keys) scriptKeys.push(entryKey(ref.ns, g.ws, g.ns, k));
        const reply = await ref.view.eval(READ_SCRIPT, scriptKeys, [g.ws, g.ns, ...wantTags]);
        setGens(ref, reply.ws, reply.ns);
        const rest = reply.rest;
        if (!rest) continue;
        const wantedField = String(rest[0] ?? '');
        const entries: Array<StoredEntry | undefined> = new Array(keys.length);
        for (let i = 0; i < keys.length; i++) {
          const stored = rest[1 + 2 * i];
          if (typeof stored !== 'string' || stored === '') continue;
          const envelope = decodeStored(ref, stored);
          if (envelope) entries[i] = { envelope, current: String(rest[2 + 2 * i] ?? ''), tier: 'l2' };
        }
        return { entries, wanted: wantedField === '' ? [] : wantedField.split(',') };
      }
      return { entries: new Array(keys.length), wanted: wantTags.map(() => '0.0') };
    },

    async write(ref: NamespaceRef, items: readonly WriteItem[]): Promise<void> {
      let plain = gensKnown(ref);
      for (const item of items) {
        if (item.tags.length === 0) continue;
        ref.tags.seen = true;
        if (!item.versions) plain = false;
      }
      if (plain) {
        const g = gensOf(ref);
        const text = (item: WriteItem): string =>
          `${item.header}${item.versions ? tagsField(item.tags, item.versions) : ''}\n${item.payload}`;
        if (items.length === 1) {
          const item = items[0] as WriteItem;
          await ref.view.set(entryKey(ref.ns, g.ws, g.ns, item.key), text(item), { ttl: item.px });
          return;
        }
        const batch = ref.view.batch();
        for (const item of items)
          batch.set(entryKey(ref.ns, g.ws, g.ns, item.key), text(item), { ttl: item.px });
        await batch.exec();
        return;
      }
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const g = gensOf(ref);
        const keys = [WS_GEN_KEY, nsGenKey(ref.ns), TAG_PREFIX];
        const args: ScriptArg[] = [g.ws, g.ns];
        for (const item of items) {
          keys.push(entryKey(ref.ns, g.ws, g.ns, item.key));
          if (item.versions) {
            args.push(item.header + tagsField(item.tags, item.versions), item.payload, item.px, 0);
          } else {
            args.push(item.header, item.payload, item.px, item.tags.length, ...item.tags);
          }
        }
        const reply = await ref.view.eval(WRITE_SCRIPT, keys, args);
        setGens(ref, reply.ws, reply.ns);
        if (reply.rest) return;
      }
    },

    async remove(ref: NamespaceRef, keys: readonly string[]): Promise<number> {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const g = gensOf(ref);
        const scriptKeys = [WS_GEN_KEY, nsGenKey(ref.ns)];
        for (const k of keys) scriptKeys.push(entryKey(ref.ns, g.ws, g.ns, k));
        const reply = await ref.view.eval(DELETE_SCRIPT, scriptKeys, [g.ws, g.ns]);
        setGens(ref, reply.ws, reply.ns);
        if (reply.rest) return Number(reply.rest[0]);
      }
      return 0;
    },
  };
}
