import type { Reply } from '../../driver.js';
import { ERR, fail } from './keyspace.js';
import { parseInt64 } from './numbers.js';
import { type Handler, intArg } from './strings.js';

function push(left: boolean): Handler {
  return (ks, argv) => {
    const key = argv[1] as string;
    const list = (ks.typed(key, 'list') ?? ks.create(key, { type: 'list', value: [] })).value;
    const values = argv.slice(2);
    if (left) list.unshift(...values.reverse());
    else list.push(...values);
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
    if (count === undefined) {
      const value = (left ? entry.value.shift() : entry.value.pop()) as string;
      ks.deleteIfEmpty(key, entry);
      return value;
    }
    if (count === 0) return [];
    const n = Math.min(count, entry.value.length);
    const out = left ? entry.value.splice(0, n) : entry.value.splice(entry.value.length - n, n).reverse();
    ks.deleteIfEmpty(key, entry);
    return out;
  };
}

function side(s: string): 'LEFT' | 'RIGHT' {
  const up = s.toUpperCase();
  if (up !== 'LEFT' && up !== 'RIGHT') fail(ERR.syntax);
  return up;
}

/** LRANGE-style clamping of start/stop (listTypeRange). */
function clamp(start: number, stop: number, length: number): [number, number] | null {
  let s = start < 0 ? length + start : start;
  let e = stop < 0 ? length + stop : stop;
  if (s < 0) s = 0;
  if (s > e || s >= length) return null;
  if (e >= length) e = length - 1;
  return [s, e];
}

/** Shared by LRANGE and the sorted-set index ranges. */
export function clampRange(startArg: string, stopArg: string, length: number): [number, number] | null {
  const start = Number(intArg(startArg));
  const stop = Number(intArg(stopArg));
  return clamp(start, stop, length);
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
    return range ? list.slice(range[0], range[1] + 1) : [];
  },
  LLEN: (ks, argv) => ks.typed(argv[1] as string, 'list')?.value.length ?? 0,
  LREM: (ks, argv): Reply => {
    const count = Number(intArg(argv[2] as string));
    const key = argv[1] as string;
    const entry = ks.typed(key, 'list');
    if (!entry) return 0;
    const list = entry.value;
    const value = argv[3] as string;
    let removed = 0;
    if (count >= 0) {
      for (let i = 0; i < list.length && (count === 0 || removed < count); ) {
        if (list[i] === value) {
          list.splice(i, 1);
          removed++;
        } else i++;
      }
    } else {
      for (let i = list.length - 1; i >= 0 && removed < -count; i--) {
        if (list[i] === value) {
          list.splice(i, 1);
          removed++;
        }
      }
    }
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
    const value = (from === 'LEFT' ? src.value.shift() : src.value.pop()) as string;
    ks.deleteIfEmpty(source, src);
    const dst = (ks.typed(destination, 'list') ?? ks.create(destination, { type: 'list', value: [] })).value;
    if (to === 'LEFT') dst.unshift(value);
    else dst.push(value);
    return value;
  },
};
