import type { Reply } from '../../driver.js';
import { ERR, fail, type Keyspace } from './keyspace.js';
import { clampRange } from './lists.js';
import { formatDouble, parseDouble, parseInt64 } from './numbers.js';
import { type Handler, intArg } from './strings.js';
import { type Bound, SortedSet, type ZEntry } from './zset.js';

function scoreArg(s: string): number {
  const n = parseDouble(s, true);
  if (n === null) fail(ERR.notFloat);
  return n;
}

/** zslParseRange: `(` for exclusive, then strtod over the rest (overflow allowed, NaN not). */
function boundArg(s: string): Bound {
  const exclusive = s.startsWith('(');
  const text = exclusive ? s.slice(1) : s;
  // strtod consumes nothing on an empty string and yields 0: Redis accepts `(` as `(0`.
  const value = text === '' ? 0 : parseDouble(text, false);
  if (value === null || Number.isNaN(value)) fail(ERR.minMax);
  return { value, exclusive };
}

function zsetForWrite(ks: Keyspace, key: string): SortedSet {
  return (ks.typed(key, 'zset') ?? ks.create(key, { type: 'zset', value: new SortedSet() })).value;
}

function flatten(entries: readonly ZEntry[], withScores: boolean): Reply[] {
  const out: Reply[] = [];
  for (const e of entries) {
    out.push(e.member);
    if (withScores) out.push(formatDouble(e.score));
  }
  return out;
}

/** ZADD and ZINCRBY (zaddGenericCommand, 7.0). */
function zadd(ks: Keyspace, argv: readonly string[], incrCommand: boolean): Reply {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let i = 2;
  for (; !incrCommand && i < argv.length; i++) {
    const opt = (argv[i] as string).toUpperCase();
    if (opt === 'NX') nx = true;
    else if (opt === 'XX') xx = true;
    else if (opt === 'GT') gt = true;
    else if (opt === 'LT') lt = true;
    else if (opt === 'CH') ch = true;
    else if (opt === 'INCR') incr = true;
    else break;
  }
  const pairs = argv.length - i;
  if (pairs % 2 !== 0 || pairs === 0) fail(ERR.syntax);
  if (nx && xx) fail('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt))
    fail('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && pairs > 2) fail('ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) scores.push(scoreArg(argv[j] as string));
  const key = argv[1] as string;
  const existing = ks.typed(key, 'zset');
  if (!existing && xx) return incr ? null : 0;
  const zset = existing?.value ?? zsetForWrite(ks, key);
  let added = 0;
  let updated = 0;
  let result: number | null = null;
  for (let j = 0; j < scores.length; j++) {
    const member = argv[i + 2 * j + 1] as string;
    let score = scores[j] as number;
    const current = zset.scores.get(member);
    if (current !== undefined) {
      if (nx) continue;
      if (incr) {
        score += current;
        if (Number.isNaN(score)) {
          ks.deleteIfEmpty(key, { type: 'zset', value: zset });
          fail('ERR resulting score is not a number (NaN)');
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      result = score;
      if (score !== current) {
        zset.set(member, score);
        updated++;
      }
    } else if (!xx) {
      zset.set(member, score);
      added++;
      result = score;
    }
  }
  ks.deleteIfEmpty(key, { type: 'zset', value: zset });
  if (incr) return result === null ? null : formatDouble(result);
  return ch ? added + updated : added;
}

type RangeType = 'auto' | 'rank' | 'score';
type Direction = 'auto' | 'forward' | 'reverse';

/**
 * ZRANGE, ZREVRANGE, ZRANGEBYSCORE and ZREVRANGEBYSCORE (zrangeGenericCommand, 7.0): options
 * first (a syntax error or a bad LIMIT before anything else), then the conflicts, then the
 * range, then the key. BYLEX is not emulated.
 */
function zrange(fixedType: RangeType, fixedDirection: Direction): Handler {
  return (ks, argv) => {
    let type = fixedType;
    let direction = fixedDirection;
    let withScores = false;
    let offset = 0;
    let limit = -1;
    for (let i = 4; i < argv.length; i++) {
      const opt = (argv[i] as string).toUpperCase();
      const left = argv.length - i - 1;
      if (opt === 'WITHSCORES') withScores = true;
      else if (opt === 'LIMIT' && left >= 2) {
        offset = Number(intArg(argv[i + 1] as string));
        limit = Number(intArg(argv[i + 2] as string));
        i += 2;
      } else if (direction === 'auto' && opt === 'REV') direction = 'reverse';
      else if (type === 'auto' && opt === 'BYSCORE') type = 'score';
      else if (type === 'auto' && opt === 'BYLEX') fail('ERR BYLEX is not supported by the memory emulation');
      else fail(ERR.syntax);
    }
    const reverse = direction === 'reverse';
    if (type === 'auto') type = 'rank';
    if (limit !== -1 && type === 'rank')
      fail('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    const key = argv[1] as string;
    if (type === 'rank') {
      intArg(argv[2] as string);
      intArg(argv[3] as string);
      const zset = ks.typed(key, 'zset')?.value;
      if (!zset) return [];
      const range = clampRange(argv[2] as string, argv[3] as string, zset.size);
      return range ? flatten(zset.slice(range[0], range[1], reverse), withScores) : [];
    }
    // Reversed score ranges are given as max, min.
    const first = boundArg(argv[reverse ? 3 : 2] as string);
    const second = boundArg(argv[reverse ? 2 : 3] as string);
    const zset = ks.typed(key, 'zset')?.value;
    if (!zset || offset < 0 || limit === 0 || (offset > 0 && offset >= zset.size)) return [];
    const out: ZEntry[] = [];
    let skipped = 0;
    for (const entry of reverse ? zset.rangeReversed(first, second) : zset.range(first, second)) {
      if (skipped++ < offset) continue;
      out.push(entry);
      if (limit > 0 && out.length >= limit) break;
    }
    return flatten(out, withScores);
  };
}

function popCount(argv: readonly string[]): number | undefined {
  if (argv.length > 3) fail(ERR.syntax);
  if (argv.length < 3) return undefined;
  const s = argv[2] as string;
  const n = parseInt64(s);
  if (n === null || n < 0n) fail(ERR.notPositive);
  return Number(n);
}

function pop(max: boolean): Handler {
  return (ks, argv) => {
    const count = popCount(argv) ?? 1;
    const key = argv[1] as string;
    const entry = ks.typed(key, 'zset');
    if (!entry || count === 0) return [];
    const out: ZEntry[] = [];
    while (out.length < count) {
      const e = max ? entry.value.popMax() : entry.value.popMin();
      if (!e) break;
      out.push(e);
    }
    ks.deleteIfEmpty(key, entry);
    return flatten(out, true);
  };
}

/** Sorted-set commands. */
export const ZSET_COMMANDS: Record<string, Handler> = {
  ZADD: (ks, argv) => zadd(ks, argv, false),
  ZINCRBY: (ks, argv) => zadd(ks, ['ZINCRBY', argv[1] as string, argv[2] as string, argv[3] as string], true),
  ZREM: (ks, argv) => {
    const key = argv[1] as string;
    const entry = ks.typed(key, 'zset');
    if (!entry) return 0;
    let n = 0;
    for (let i = 2; i < argv.length; i++) if (entry.value.delete(argv[i] as string)) n++;
    ks.deleteIfEmpty(key, entry);
    return n;
  },
  ZSCORE: (ks, argv) => {
    const score = ks.typed(argv[1] as string, 'zset')?.value.scores.get(argv[2] as string);
    return score === undefined ? null : formatDouble(score);
  },
  ZCARD: (ks, argv) => ks.typed(argv[1] as string, 'zset')?.value.size ?? 0,
  ZCOUNT: (ks, argv) => {
    const min = boundArg(argv[2] as string);
    const max = boundArg(argv[3] as string);
    const zset = ks.typed(argv[1] as string, 'zset')?.value;
    let n = 0;
    if (zset) for (const _ of zset.range(min, max)) n++;
    return n;
  },
  ZRANK: (ks, argv) => ks.typed(argv[1] as string, 'zset')?.value.rank(argv[2] as string, false) ?? null,
  ZREVRANK: (ks, argv) => ks.typed(argv[1] as string, 'zset')?.value.rank(argv[2] as string, true) ?? null,
  ZRANGE: zrange('auto', 'auto'),
  ZREVRANGE: zrange('rank', 'reverse'),
  ZRANGEBYSCORE: zrange('score', 'forward'),
  ZREVRANGEBYSCORE: zrange('score', 'reverse'),
  ZREMRANGEBYSCORE: (ks, argv) => {
    const min = boundArg(argv[2] as string);
    const max = boundArg(argv[3] as string);
    const key = argv[1] as string;
    const entry = ks.typed(key, 'zset');
    if (!entry) return 0;
    const doomed = [...entry.value.range(min, max)];
    for (const e of doomed) entry.value.delete(e.member);
    ks.deleteIfEmpty(key, entry);
    return doomed.length;
  },
  ZPOPMIN: pop(false),
  ZPOPMAX: pop(true),
};
