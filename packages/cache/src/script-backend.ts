import type { ScriptArg } from '@raptorflow/core';
import {
  type Backend,
  decodeStored,
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
 * The backend of a store without L1: every call is one script, which checks the generations
 * the keys were built with and reads or writes tag versions beside the entries, so a hit, a
 * miss, a tagged write or a getMany of 100 keys is one round trip.
 */
export function scriptBackend(): Backend {
  return {
    peek: () => undefined,

    async read(ref: NamespaceRef, keys: readonly string[], wantTags: readonly string[]): Promise<ReadResult> {
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
