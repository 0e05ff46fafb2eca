import type { Reply } from '../../driver.js';
import { Deque } from './deque.js';
import { ERR, fail, type Keyspace } from './keyspace.js';
import { parseInt64 } from './numbers.js';
import { type Handler, intArg } from './strings.js';

function listForWrite(ks: Keyspace, key: string): Deque {
  return (ks.typed(key, 'list') ?? ks.create(key, { type: 'list', value: new Deque() })).value;
}

function push(left: boolean): Handler {
  return (ks, argv) => {
    const list = listForWrite(ks, argv[1] as string);
    for (let i = 2; i < argv.length; i++) {
      if (left) list.pushFront(argv[i] as string);
      else list.pushBack(argv[i] as string);
    }
    return list.length;
  };
}

function positiveCount(s: string): number {
  const n = parseInt64(s);
  if (n === null || n < 0n) fail(ERR.notPositive);
  return Number(n);
}

function pop(left: boolean): Handler {
  return (ks, argv) => {
    if (argv.length > 3)
      fail(`ERR wrong number of arguments for '${(argv[0] as string).toLowerCase()}' command`);
    const key = argv[1] as string;
    const count = argv.length === 3 ? positiveCount(argv[2] as string) : undefined;
    const entry = ks.typed(key, 'list');
    if (!entry) return null;
    const list = entry.value;
    if (count === undefined) {
      const value = (left ? list.popFront() : list.popBack()) as string;
      ks.deleteIfEmpty(key, entry);
      return value;
    }
    if (count === 0) return [];
    const out: string[] = [];
    while (out.length < count && list.length > 0)
      out.push((left ? list.popFront() : list.popBack()) as string);
    ks.deleteIfEmpty(key, entry);
    return out;
  };
}

function side(s: string): 'LEFT' | 'RIGHT' {
  const up = s.toUpperCase();
  if (up !== 'LEFT' && up !== 'RIGHT') fail(ERR.syntax);
  return up;
}

/** LRANGE-style clamping of start/stop (listTypeRange), shared with sorted-set index ranges. */
export function clampRange(startArg: string, stopArg: string, length: number): [number, number] | null {
  const start = Number(intArg(startArg));
  const stop = Number(intArg(stopArg));
  let s = start < 0 ? length + start : start;
  let e = stop < 0 ? length + stop : stop;
  if (s < 0) s = 0;
  if (s > e || s >= length) return null;
  if (e >= length) e = length - 1;
  return [s, e];
}

/** List commands. */
export const LIST_COMMANDS: Record<string, Handler> = {
  LPUSH: push(true),
  RPUSH: push(false),
  LPOP: pop(true),
  RPOP: pop(false),
  LRANGE: (ks, argv) => {
    const start = argv[2] as string;
    const stop = argv[3] as string;
    intArg(start);
    intArg(stop);
    const list = ks.typed(argv[1] as string, 'list')?.value;
    if (!list) return [];
    const range = clampRange(start, stop, list.length);
    return range ? list.slice(range[0], range[1]) : [];
  },
  LLEN: (ks, argv) => ks.typed(argv[1] as string, 'list')?.value.length ?? 0,
  LREM: (ks, argv): Reply => {
    const count = Number(intArg(argv[2] as string));
    const key = argv[1] as string;
    const entry = ks.typed(key, 'list');
    if (!entry) return 0;
    const values = entry.value.toArray();
    const value = argv[3] as string;
    const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
    let removed = 0;
    const kept: Array<string | undefined> = values.slice();
    if (count >= 0) {
      for (let i = 0; i < values.length && removed < limit; i++) {
        if (values[i] === value) {
          kept[i] = undefined;
          removed++;
        }
      }
    } else {
      for (let i = values.length - 1; i >= 0 && removed < limit; i--) {
        if (values[i] === value) {
          kept[i] = undefined;
          removed++;
        }
      }
    }
    if (removed > 0) entry.value.rebuild(kept.filter((v): v is string => v !== undefined));
    ks.deleteIfEmpty(key, entry);
    return removed;
  },
  LMOVE: (ks, argv) => {
    const from = side(argv[3] as string);
    const to = side(argv[4] as string);
    const source = argv[1] as string;
    const destination = argv[2] as string;
    const src = ks.typed(source, 'list');
    if (!src) return null;
    ks.typed(destination, 'list');
    const value = (from === 'LEFT' ? src.value.popFront() : src.value.popBack()) as string;
    // Onto the same list, Redis pushes before it checks for emptiness: a one-element list that
    // rotates onto itself is never deleted and keeps its TTL (found by the differential test).
    if (source === destination) {
      if (to === 'LEFT') src.value.pushFront(value);
      else src.value.pushBack(value);
      return value;
    }
    ks.deleteIfEmpty(source, src);
    const dst = listForWrite(ks, destination);
    if (to === 'LEFT') dst.pushFront(value);
    else dst.pushBack(value);
    return value;
  },
};
