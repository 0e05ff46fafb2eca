import type { Reply } from '../../driver.js';
import { ERR, fail, type Keyspace } from './keyspace.js';
import {
  addLongDouble,
  formatLongDouble,
  inInt64,
  isInfinite,
  parseInt64,
  parseLongDouble,
} from './numbers.js';

/** A command implementation: the keyspace and the full argv (name first), the RESP2 reply out. */
export type Handler = (ks: Keyspace, argv: readonly string[]) => Reply;

const INT64_MAX = 2n ** 63n - 1n;
/** A positive whole number of ms below 1e15: no overflow is possible, so no BigInt is needed. */
export const SMALL_MS: RegExp = /^[1-9][0-9]{0,14}$/;

/** Parse an integer argument or raise Redis's error. */
export function intArg(s: string): bigint {
  const n = parseInt64(s);
  if (n === null) fail(ERR.notInteger);
  return n;
}

function getString(ks: Keyspace, key: string): string | null {
  const v = ks.typed(key, 'string');
  return v === undefined ? null : v.value;
}

function incrBy(ks: Keyspace, key: string, by: bigint): Reply {
  const current = getString(ks, key);
  const value = current === null ? 0n : parseInt64(current);
  if (value === null) fail(ERR.notInteger);
  const next = value + by;
  if (!inInt64(next)) fail(ERR.overflow);
  ks.set(key, { type: 'string', value: next.toString() }, true);
  return Number(next);
}

/** Parse SET's options, then run it (setGenericCommand, 7.0). */
const set: Handler = (ks, argv) => {
  const key = argv[1] as string;
  const value = argv[2] as string;
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let unit: 'EX' | 'PX' | 'EXAT' | 'PXAT' | undefined;
  let expire: string | undefined;
  for (let i = 3; i < argv.length; i++) {
    const opt = (argv[i] as string).toUpperCase();
    const hasNext = i + 1 < argv.length;
    if (opt === 'NX' && !xx) nx = true;
    else if (opt === 'XX' && !nx) xx = true;
    else if (opt === 'GET') get = true;
    else if (opt === 'KEEPTTL' && unit === undefined) keepTtl = true;
    else if (
      (opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') &&
      !keepTtl &&
      (unit === undefined || unit === opt) &&
      hasNext
    ) {
      unit = opt;
      expire = argv[++i] as string;
    } else fail(ERR.syntax);
  }
  let at: number | undefined;
  if ((unit === 'PX' || unit === 'PXAT') && SMALL_MS.test(expire as string)) {
    // The common `PX <ms>` and `PXAT <unix ms>` (scripts write expiries on their own clock)
    // need no BigInt: below 1e15 nothing can overflow.
    at = unit === 'PX' ? ks.now + Number(expire) : Number(expire);
  } else if (unit !== undefined) {
    let ms = intArg(expire as string);
    const seconds = unit === 'EX' || unit === 'EXAT';
    if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) fail("ERR invalid expire time in 'set' command");
    if (seconds) ms *= 1000n;
    const relative = unit === 'EX' || unit === 'PX';
    if (relative && ms > INT64_MAX - BigInt(ks.now)) fail("ERR invalid expire time in 'set' command");
    at = relative ? ks.now + Number(ms) : Number(ms);
  }
  const old = get ? getString(ks, key) : null;
  // A plain SET overwrites whatever is there: the lookup (and its lazy expiry) only matters for
  // NX/XX, and for KEEPTTL, which must not keep the TTL of an expired key.
  if (nx || xx || keepTtl) {
    const found = ks.get(key) !== undefined;
    if ((nx && found) || (xx && !found)) return get ? old : null;
  }
  ks.set(key, { type: 'string', value }, keepTtl);
  if (at !== undefined) ks.setExpiry(key, at);
  return get ? old : 'OK';
};

const incrByFloat: Handler = (ks, argv) => {
  const key = argv[1] as string;
  const current = getString(ks, key);
  const value = parseLongDouble(current ?? '0');
  const by = parseLongDouble(argv[2] as string);
  if (value === null || by === null || (current !== null && /^\s/.test(current))) fail(ERR.notFloat);
  if (/^\s/.test(argv[2] as string)) fail(ERR.notFloat);
  const next = addLongDouble(value, by);
  if (isInfinite(next)) fail('ERR increment would produce NaN or Infinity');
  const text = formatLongDouble(next);
  ks.set(key, { type: 'string', value: text }, true);
  return text;
};

/** String commands. */
export const STRING_COMMANDS: Record<string, Handler> = {
  GET: (ks, argv) => getString(ks, argv[1] as string),
  SET: set,
  SETNX: (ks, argv) => {
    if (ks.get(argv[1] as string) !== undefined) return 0;
    ks.set(argv[1] as string, { type: 'string', value: argv[2] as string });
    return 1;
  },
  GETDEL: (ks, argv) => {
    const value = getString(ks, argv[1] as string);
    if (value !== null) ks.delete(argv[1] as string);
    return value;
  },
  MGET: (ks, argv) => {
    const out: Reply[] = [];
    for (let i = 1; i < argv.length; i++) {
      const v = ks.get(argv[i] as string);
      out.push(v?.type === 'string' ? v.value : null);
    }
    return out;
  },
  MSET: (ks, argv) => {
    if (argv.length % 2 === 0) fail("ERR wrong number of arguments for 'mset' command");
    for (let i = 1; i < argv.length; i += 2) {
      ks.set(argv[i] as string, { type: 'string', value: argv[i + 1] as string });
    }
    return 'OK';
  },
  INCR: (ks, argv) => incrBy(ks, argv[1] as string, 1n),
  DECR: (ks, argv) => incrBy(ks, argv[1] as string, -1n),
  INCRBY: (ks, argv) => incrBy(ks, argv[1] as string, intArg(argv[2] as string)),
  DECRBY: (ks, argv) => {
    const by = intArg(argv[2] as string);
    if (by === -(2n ** 63n)) fail('ERR decrement would overflow');
    return incrBy(ks, argv[1] as string, -by);
  },
  INCRBYFLOAT: incrByFloat,
};
