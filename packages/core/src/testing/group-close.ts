import { expectCode, type SuiteContext } from './context.js';

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
  });
}
