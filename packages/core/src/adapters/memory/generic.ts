import type { Reply } from '../../driver.js';
import { arity, fail } from './keyspace.js';
import type { Handler } from './strings.js';
import { intArg, SMALL_MS } from './strings.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** EXPIRE, PEXPIRE, PEXPIREAT (expireGenericCommand, 7.0). */
function expire(unitMs: 1n | 1000n, absolute: boolean): Handler {
  return (ks, argv) => {
    const name = (argv[0] as string).toLowerCase();
    const key = argv[1] as string;
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let i = 3; i < argv.length; i++) {
      const opt = (argv[i] as string).toUpperCase();
      if (opt === 'NX') nx = true;
      else if (opt === 'XX') xx = true;
      else if (opt === 'GT') gt = true;
      else if (opt === 'LT') lt = true;
      else fail(`ERR Unsupported option ${argv[i]}`);
    }
    if (nx && (xx || gt || lt)) fail('ERR NX and XX, GT or LT options at the same time are not compatible');
    if (gt && lt) fail('ERR GT and LT options at the same time are not compatible');
    const raw = argv[2] as string;
    if (argv.length === 3 && unitMs === 1n && SMALL_MS.test(raw)) {
      // The common PEXPIRE/PEXPIREAT without options (rate-limit and queue scripts) needs no
      // BigInt: below 1e15 ms nothing can overflow.
      const at = absolute ? Number(raw) : ks.now + Number(raw);
      if (ks.get(key) === undefined) return 0;
      if (at <= ks.now) {
        ks.delete(key);
        return 1;
      }
      ks.setExpiry(key, at);
      return 1;
    }
    let when = intArg(raw);
    const base = absolute ? 0n : BigInt(ks.now);
    const invalid = `ERR invalid expire time in '${name}' command`;
    if (unitMs === 1000n) {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) fail(invalid);
      when *= 1000n;
    }
    if (when > INT64_MAX - base) fail(invalid);
    when += base;
    if (ks.get(key) === undefined) return 0;
    const current = ks.expiry(key);
    if (nx && current !== undefined) return 0;
    if (xx && current === undefined) return 0;
    if (gt && (current === undefined || when <= BigInt(current))) return 0;
    if (lt && current !== undefined && when >= BigInt(current)) return 0;
    if (when <= BigInt(ks.now)) {
      ks.delete(key);
      return 1;
    }
    ks.setExpiry(key, Number(when));
    return 1;
  };
}

function ttl(ms: boolean): Handler {
  return (ks, argv) => {
    const key = argv[1] as string;
    if (ks.get(key) === undefined) return -2;
    const at = ks.expiry(key);
    if (at === undefined) return -1;
    const left = Math.max(0, at - ks.now);
    return ms ? left : Math.floor((left + 500) / 1000);
  };
}

/** Keyspace and server commands. */
export const GENERIC_COMMANDS: Record<string, Handler> = {
  DEL: (ks, argv) => {
    let n = 0;
    for (let i = 1; i < argv.length; i++)
      if (ks.get(argv[i] as string) !== undefined && ks.delete(argv[i] as string)) n++;
    return n;
  },
  EXISTS: (ks, argv) => {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (ks.get(argv[i] as string) !== undefined) n++;
    return n;
  },
  TYPE: (ks, argv) => ks.get(argv[1] as string)?.type ?? 'none',
  PERSIST: (ks, argv) => {
    const key = argv[1] as string;
    if (ks.get(key) === undefined || ks.expiry(key) === undefined) return 0;
    ks.expires.delete(key);
    return 1;
  },
  EXPIRE: expire(1000n, false),
  PEXPIRE: expire(1n, false),
  PEXPIREAT: expire(1n, true),
  TTL: ttl(false),
  PTTL: ttl(true),
  PING: (_ks, argv): Reply => {
    if (argv.length > 2) arity('ping');
    return argv.length === 2 ? (argv[1] as string) : 'PONG';
  },
  TIME: (ks) => {
    // The command's time: the clock read for this command, or inside a script the script's
    // snapshot, which also decides expiry there. Redis 7.0 reads the live clock for TIME and the
    // snapshot for expiry; a script runs in microseconds, so the two differ only when a
    // millisecond ticks mid-script, and one clock lets a twin write `PX <ttl>` for Lua's
    // `PXAT <now + ttl>` (a 13-digit number-to-string conversion per write, measured at a third
    // of a rate-limit check's time on memory).
    const now = ks.now;
    const seconds = Math.floor(now / 1000);
    const micros = Math.floor((now - seconds * 1000) * 1000);
    return [String(seconds), String(micros)];
  },
};
