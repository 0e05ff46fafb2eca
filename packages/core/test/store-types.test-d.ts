// Type-level tests: checked by `tsc` (the package typecheck), never run.
import { expectTypeOf } from 'vitest';
import type { KvBatch, KvStore, ScoredMember, Settled } from '../src/index.js';
import { defineScript } from '../src/index.js';

declare const store: KvStore;

const counter = defineScript<number>({
  name: 'counter',
  keys: 1,
  lua: "return redis.call('INCR', KEYS[1])",
  twin: (redis, keys) => redis.call('INCR', keys[0] as string),
  parse: (reply) => reply as number,
});

const batch = store.batch().get('a').incrBy('b', 1).zpopmin('z').eval(counter, ['c']);
expectTypeOf(batch).toEqualTypeOf<KvBatch<[string | null, number, ScoredMember[], number]>>();
expectTypeOf(batch.exec()).resolves.toEqualTypeOf<[string | null, number, ScoredMember[], number]>();
expectTypeOf(batch.execSettled()).resolves.toEqualTypeOf<
  [Settled<string | null>, Settled<number>, Settled<ScoredMember[]>, Settled<number>]
>();

expectTypeOf(store.eval(counter, ['k'])).resolves.toEqualTypeOf<number>();
expectTypeOf(store.get('k')).resolves.toEqualTypeOf<string | null>();
expectTypeOf(store.set('k', 'v', { ttl: 1000, nx: true })).resolves.toEqualTypeOf<boolean>();
expectTypeOf(store.namespace('x:')).toEqualTypeOf<KvStore>();
// @ts-expect-error values are strings: objects go through a codec
store.set('k', { a: 1 });
