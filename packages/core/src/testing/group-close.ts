import { expectCode, type SuiteContext } from './context.js';
import { SCRIPT_TIME } from './scripts.js';

/** Close: later calls fail with E_CLOSED; closing twice is harmless. */
export function closeGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('close', () => {
    it('later calls reject with E_CLOSED', async () => {
      const store = await ctx.create();
      await store.ping();
      expect(typeof (await store.time())).toBe('number');
      await store.close();
      await expectCode(store.get('k'), 'E_CLOSED');
      await expectCode(store.set('k', 'v'), 'E_CLOSED');
      await expectCode(store.batch().get('k').exec(), 'E_CLOSED');
      await store.close();
    });

    it('every kind of call rejects with E_CLOSED, on the store and its views, even what a layer holds', async () => {
      const store = await ctx.create();
      const key = `close:${Math.random().toString(36).slice(2)}`;
      // Left behind on a shared server, so it expires by itself.
      await store.set(key, 'v', { ttl: 60_000 });
      // A read that an L1 layer would now answer from its copy.
      expect(await store.get(key)).toBe('v');
      const view = store.namespace('close-view:');
      const closing = store.close();
      // Issued while the close runs: already refused, the L1 copy included.
      const during = Promise.allSettled([store.get(key), view.get(key), store.close()]);
      await closing;
      const [get, viewGet, secondClose] = await during;
      await expectCode(
        get.status === 'rejected' ? Promise.reject(get.reason) : Promise.resolve(),
        'E_CLOSED',
      );
      await expectCode(
        viewGet.status === 'rejected' ? Promise.reject(viewGet.reason) : Promise.resolve(),
        'E_CLOSED',
      );
      expect(secondClose.status).toBe('fulfilled');
      await store.close();
      await expectCode(store.get(key), 'E_CLOSED');
      await expectCode(view.get(key), 'E_CLOSED');
      await expectCode(store.ping(), 'E_CLOSED');
      await expectCode(store.eval(SCRIPT_TIME, []), 'E_CLOSED');
      await expectCode(store.batch().eval(SCRIPT_TIME, []).exec(), 'E_CLOSED');
      await expectCode(view.batch().set(key, 'v').exec(), 'E_CLOSED');
      await expectCode(
        (async () => {
          for await (const _ of store.scan({ match: 'close:*' })) break;
        })(),
        'E_CLOSED',
      );
      if (store.capabilities.pubsub) {
        await expectCode(store.publish('close-channel', 'm'), 'E_CLOSED');
        await expectCode(
          store.subscribe('close-channel', () => {}),
          'E_CLOSED',
        );
      }
    });
  });
}
