/// <reference path="./cluster-key-slot.d.ts" />
import calculateSlot from 'cluster-key-slot';
import { COMMAND_TRAITS } from '../../commands.js';
import type { Command, Reply } from '../../driver.js';

/** One slot's share of a split command: its argv and which original key positions it carries. */
export interface SlotPart {
  readonly argv: string[];
  /** Index (0-based, in key order) of each key of this part in the original command. */
  readonly order: number[];
}

/** The hash slot of a key (0..16383), honouring `{hash tags}`. */
export const slotOf: (key: string) => number = calculateSlot;

/**
 * Split a multi-key command into one command per slot, or return `undefined` when it need not
 * (or must not) be split: one slot only, or a command whose keys must stay together (LMOVE).
 * Each key carries its arguments up to the next key (MSET's value), so the split is generic.
 */
export function splitBySlot(command: Command): SlotPart[] | undefined {
  const { argv, keys } = command;
  const name = argv[0] as string;
  if (COMMAND_TRAITS[name]?.split === undefined) return undefined;
  const first = slotOf(argv[keys[0] as number] as string);
  let spans = false;
  for (let i = 1; i < keys.length; i++) {
    if (slotOf(argv[keys[i] as number] as string) !== first) {
      spans = true;
      break;
    }
  }
  if (!spans) return undefined;
  const parts = new Map<number, SlotPart>();
  for (let i = 0; i < keys.length; i++) {
    const at = keys[i] as number;
    const end = i + 1 < keys.length ? (keys[i + 1] as number) : argv.length;
    const slot = slotOf(argv[at] as string);
    let part = parts.get(slot);
    if (!part) {
      part = { argv: [name], order: [] };
      parts.set(slot, part);
    }
    for (let j = at; j < end; j++) part.argv.push(argv[j] as string);
    part.order.push(i);
  }
  return [...parts.values()];
}

/** Merge the replies of the parts of a split command into the reply the whole command would give. */
export function mergeParts(name: string, parts: readonly SlotPart[], replies: readonly Reply[]): Reply {
  const merge = COMMAND_TRAITS[name]?.split;
  if (merge === 'sum') {
    let total = 0;
    for (const r of replies) total += r as number;
    return total;
  }
  if (merge === 'ok') return 'OK';
  let size = 0;
  for (const p of parts) size += p.order.length;
  const out: Reply[] = new Array(size);
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as SlotPart;
    const values = replies[p] as Reply[];
    for (let i = 0; i < part.order.length; i++) out[part.order[i] as number] = values[i] as Reply;
  }
  return out;
}

/** True when all keys map to one slot (a script on a Cluster needs this). */
export function sameSlot(keys: readonly string[]): boolean {
  if (keys.length < 2) return true;
  const first = slotOf(keys[0] as string);
  for (let i = 1; i < keys.length; i++) if (slotOf(keys[i] as string) !== first) return false;
  return true;
}
