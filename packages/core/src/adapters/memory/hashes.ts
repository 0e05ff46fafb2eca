import type { Reply } from '../../driver.js';
import { ERR, fail, type Keyspace } from './keyspace.js';
import { inInt64, parseInt64 } from './numbers.js';
import { type Handler, intArg } from './strings.js';

function hashForWrite(ks: Keyspace, key: string): Map<string, string> {
  return (ks.typed(key, 'hash') ?? ks.create(key, { type: 'hash', value: new Map() })).value;
}

/** Hash commands. */
export const HASH_COMMANDS: Record<string, Handler> = {
  HGET: (ks, argv) => ks.typed(argv[1] as string, 'hash')?.value.get(argv[2] as string) ?? null,
  HSET: (ks, argv) => {
    if (argv.length % 2 === 1) fail("ERR wrong number of arguments for 'hset' command");
    const hash = hashForWrite(ks, argv[1] as string);
    let added = 0;
    for (let i = 2; i < argv.length; i += 2) {
      if (!hash.has(argv[i] as string)) added++;
      hash.set(argv[i] as string, argv[i + 1] as string);
    }
    return added;
  },
  HSETNX: (ks, argv) => {
    const existing = ks.typed(argv[1] as string, 'hash');
    if (existing?.value.has(argv[2] as string)) return 0;
    hashForWrite(ks, argv[1] as string).set(argv[2] as string, argv[3] as string);
    return 1;
  },
  HMGET: (ks, argv) => {
    const hash = ks.typed(argv[1] as string, 'hash')?.value;
    const out: Reply[] = [];
    for (let i = 2; i < argv.length; i++) out.push(hash?.get(argv[i] as string) ?? null);
    return out;
  },
  HGETALL: (ks, argv) => {
    const hash = ks.typed(argv[1] as string, 'hash')?.value;
    const out: Reply[] = [];
    if (hash) for (const [f, v] of hash) out.push(f, v);
    return out;
  },
  HDEL: (ks, argv) => {
    const key = argv[1] as string;
    const entry = ks.typed(key, 'hash');
    if (!entry) return 0;
    let n = 0;
    for (let i = 2; i < argv.length; i++) if (entry.value.delete(argv[i] as string)) n++;
    ks.deleteIfEmpty(key, entry);
    return n;
  },
  HINCRBY: (ks, argv) => {
    const by = intArg(argv[3] as string);
    const hash = hashForWrite(ks, argv[1] as string);
    const field = argv[2] as string;
    const current = hash.get(field);
    const value = current === undefined ? 0n : parseInt64(current);
    if (value === null) fail('ERR hash value is not an integer');
    const next = value + by;
    if (!inInt64(next)) fail(ERR.overflow);
    hash.set(field, next.toString());
    return Number(next);
  },
  HLEN: (ks, argv) => ks.typed(argv[1] as string, 'hash')?.value.size ?? 0,
  HEXISTS: (ks, argv) => (ks.typed(argv[1] as string, 'hash')?.value.has(argv[2] as string) ? 1 : 0),
};
