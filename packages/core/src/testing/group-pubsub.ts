import { eventually, expectCode, randomPrefix, type SuiteContext } from './context.js';

/** Pub/sub when `capabilities.pubsub`; otherwise E_UNSUPPORTED, never a silent no-op. */
export function pubsubGroup(ctx: SuiteContext): void {
  const { describe, it, expect } = ctx.runner;
  describe('pub/sub', () => {
    it('delivers messages in order to subscribers, and publish counts receivers', async () => {
      const kv = ctx.store();
      const channel = `${randomPrefix()}events`;
      if (!kv.capabilities.pubsub) {
        await expectCode(kv.publish(channel, 'x'), 'E_UNSUPPORTED');
        await expectCode(
          kv.subscribe(channel, () => {}),
          'E_UNSUPPORTED',
        );
        return;
      }
      const received: Array<[string, string]> = [];
      const sub = await kv.subscribe(channel, (message, from) => received.push([message, from]));
      try {
        for (let i = 0; i < 20; i++) expect(await kv.publish(channel, `m${i}`)).toBe(1);
        expect(await eventually(() => received.length === 20)).toBe(true);
        expect(received).toEqual(Array.from({ length: 20 }, (_, i) => [`m${i}`, channel]));
      } finally {
        await sub.unsubscribe();
      }
      expect(await eventually(async () => (await kv.publish(channel, 'late')) === 0)).toBe(true);
      expect(received.length).toBe(20);
    });

    it('a namespace confines channels', async () => {
      const kv = ctx.store();
      if (!kv.capabilities.pubsub) {
        await expectCode(kv.namespace('x:').publish('c', 'm'), 'E_UNSUPPORTED');
        return;
      }
      const tenant = kv.namespace(`${randomPrefix()}t:`);
      const got: string[] = [];
      const sub = await tenant.subscribe(['c'], (message, channel) => got.push(`${channel}=${message}`));
      try {
        expect(await kv.publish('c', 'outside')).toBe(0);
        expect(await tenant.publish('c', 'inside')).toBe(1);
        expect(await eventually(() => got.length === 1)).toBe(true);
        expect(got).toEqual(['c=inside']);
      } finally {
        await sub.unsubscribe();
      }
    });
  });
}
