import { describe, expect, it } from 'vitest';
import { InFlightTicks } from '../../src/adapters/node-redis/watch.js';

describe('InFlightTicks (the node-redis reply deadline bookkeeping)', () => {
  it('ages the oldest command in flight, in order, across ring growth', () => {
    const watch = new InFlightTicks();
    expect(watch.oldestAge()).toBe(-1);
    // 1,000 in flight (the ring starts at 256), sent over 10 ticks.
    for (let i = 0; i < 1000; i++) {
      if (i % 100 === 0 && i > 0) watch.tick++;
      expect(watch.sent()).toBe(i);
    }
    watch.tick = 20;
    expect(watch.oldestAge()).toBe(20);
    // Answer the first 550: the oldest left was sent at tick 5.
    for (let i = 0; i < 550; i++) expect(watch.answered()).toBe(i);
    expect(watch.oldestAge()).toBe(15);
    for (let i = 550; i < 1000; i++) watch.answered();
    expect(watch.oldestAge()).toBe(-1);
    expect(watch.sentCount).toBe(1000);
  });
});
