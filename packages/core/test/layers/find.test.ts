import { describe, expect, expectTypeOf, it } from 'vitest';
import { memoryAdapter } from '../../src/adapters/memory.js';
import type { Codec } from '../../src/codecs.js';
import { type FailoverControl, withFailover } from '../../src/layers/failover.js';
import { findLayer, rootDriver } from '../../src/layers/find.js';
import { type InstrumentControl, instrument } from '../../src/layers/instrument.js';
import { type L1Cache, l1Of, withL1 } from '../../src/layers/l1.js';
import type { KvStore } from '../../src/types.js';

type Kind = 'l1' | 'failover' | 'instrument';
const WRAP: Record<Kind, (s: KvStore) => KvStore> = {
  l1: (s) => withL1(s),
  failover: (s) => withFailover(s),
  instrument: (s) => instrument(s),
};
const KINDS: Kind[] = ['l1', 'failover', 'instrument'];

/** Every ordered selection of distinct kinds: 3 singles, 6 pairs, 6 triples (all permutations). */
function orders(from: readonly Kind[]): Kind[][] {
  const out: Kind[][] = [];
  for (const k of from) {
    out.push([k]);
    for (const rest of orders(from.filter((x) => x !== k))) out.push([k, ...rest]);
  }
  return out;
}

const RAW: Codec<string> = { name: 'raw', encode: (v) => v, decode: (v) => v };

describe('findLayer through the driver chain', () => {
  const all = orders(KINDS);
  it('covers 15 stacks: every permutation of the three layers and every partial stack', () => {
    expect(all).toHaveLength(15);
    expect(all.filter((o) => o.length === 3)).toHaveLength(6);
  });

  for (const order of all) {
    // order[0] is innermost.
    const label = order.reduce((acc, k) => `${k}(${acc})`, 'memory');
    for (const view of [false, true]) {
      it(`${label}${view ? '.namespace(v:)' : ''}: finds each layer present, none absent`, async () => {
        const base = memoryAdapter();
        const stack = order.reduce((s, k) => WRAP[k](s), base as KvStore);
        const store = view ? stack.namespace('v:') : stack;
        for (const kind of KINDS) {
          const control = findLayer(store, kind);
          if (order.includes(kind)) expect(control, kind).toBeDefined();
          else expect(control, kind).toBeUndefined();
        }
        expect(rootDriver(store)).toBe(base.driver);
        // The same answer from the store's driver, and remembered.
        expect(findLayer(store.driver, 'failover')).toBe(findLayer(store, 'failover'));
        expect(findLayer(store, 'l1')).toBe(findLayer(store, 'l1'));

        const l1 = findLayer(store, 'l1');
        if (l1) {
          await l1.ready;
          // Keys relative to the store it was called on: `k` of the view is `v:k` below.
          await store.set('k', 'value');
          expect(await store.get('k')).toBe('value');
          expect(l1.peekDecoded('k', RAW)).toBe('value');
          expect(await l1.getDecoded('k', RAW)).toBe('value');
          if (view) expect(findLayer(stack, 'l1')?.peekDecoded('v:k', RAW)).toBe('value');
          expect(l1Of(store)).toBe(l1);
        }
        await store.close();
      });
    }
  }

  it('a failover policy view reports its own policy; the events are the instrument layer’s', () => {
    const instrumented = instrument(withFailover(memoryAdapter(), { policy: 'fail-open' }));
    const top = withL1(instrumented);
    expect(findLayer(top, 'failover')?.policy).toBe('fail-open');
    expect(findLayer(top, 'instrument')?.events).toBe(instrumented.events);
    const closed = findLayer(top, 'failover')?.withPolicy('fail-closed');
    expect(closed && findLayer(closed, 'failover')?.policy).toBe('fail-closed');
    expect(findLayer(top.namespace('a:'), 'failover')?.state).toBe('closed');
  });

  it('stacked views apply every prefix, outermost last', async () => {
    const stack = instrument(withL1(memoryAdapter()));
    const view = stack.namespace('a:').namespace('b:');
    await findLayer(view, 'l1')?.ready;
    await view.set('k', 'x');
    await view.get('k');
    expect(findLayer(view, 'l1')?.peekDecoded('k', RAW)).toBe('x');
    expect(findLayer(stack, 'l1')?.peekDecoded('a:b:k', RAW)).toBe('x');
    expect(findLayer(stack.namespace('a:'), 'l1')?.peekDecoded('b:k', RAW)).toBe('x');
    await stack.close();
  });

  it('is typed per kind', () => {
    const store = memoryAdapter();
    expectTypeOf(findLayer(store, 'l1')).toEqualTypeOf<L1Cache | undefined>();
    expectTypeOf(findLayer(store, 'failover')).toEqualTypeOf<FailoverControl | undefined>();
    expectTypeOf(findLayer(store, 'instrument')).toEqualTypeOf<InstrumentControl | undefined>();
  });

  it('the old properties still work: store.l1, store.failover, store.events', () => {
    const l1 = withL1(memoryAdapter());
    const failover = withFailover(memoryAdapter());
    const inst = instrument(memoryAdapter());
    expect(typeof l1.l1.peekDecoded).toBe('function');
    expect(l1.namespace('x:').l1).toBeDefined();
    expect(failover.failover.policy).toBe('fallback');
    expect(inst.events).toBe(findLayer(inst, 'instrument')?.events);
  });
});
