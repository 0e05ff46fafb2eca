import { describe, expect, it } from 'vitest';
import { plainGet } from '../src/plain-get.js';
import { formatRecord } from '../src/scripts/shared.js';

/*
 * When a plain GET may stand in for the get script (src/plain-get.ts), on exact instants: the
 * local clock is passed in, the store's clock is what `learn` was told.
 */
const MIN = 60_000;
const T = 1_700_000_000_000;
const times = (t: number, e: number, x: number, i: number) => ({
  touchedAt: t,
  expiresAt: e,
  absoluteExpiresAt: x,
  idleMs: i,
});
const record = (t: number, e: number, x: number, i: number) =>
  formatRecord({ t: `${t}`, e: `${e}`, x: `${x}`, i: `${i}`, c: `${T}`, h: 'h', f: '' }, '', 'u', '{}');

describe('plainGet', () => {
  it('answers until the touch is due (less the margin), on the store clock learnt from a script reply', () => {
    const p = plainGet(5 * MIN);
    // No estimate yet: no hint, the script.
    p.remember('a', times(T, T + 30 * MIN, T + 60 * MIN, 30 * MIN));
    expect(p.hint('a', 0)).toBeUndefined();
    // The store is 1,000,000 ms ahead of the local clock.
    const local = T - 1_000_000;
    p.learn(T, local);
    expect(p.offset).toBe(1_000_000);
    expect(p.hint('a', local)).toBe(T + 5 * MIN);
    const v = record(T, T + 30 * MIN, T + 60 * MIN, 30 * MIN);
    expect(p.read('a', v, local + 5 * MIN - p.margin - 1)).toMatchObject({ touchedAt: T });
    expect(p.read('a', v, local + 5 * MIN - p.margin)).toBeUndefined();
    // An estimate a minute old is not used: the script relearns it.
    expect(p.hint('a', local + MIN)).toBeUndefined();
    expect(p.hint('a', local + MIN - 1)).toBe(T + 5 * MIN);
  });

  it('a session at its cap is never touched again: a GET answers until its expiry', () => {
    const p = plainGet(5 * MIN);
    p.learn(T, T);
    p.remember('a', times(T - 50 * MIN, T + 10 * MIN, T + 10 * MIN, 30 * MIN));
    expect(p.hint('a', T)).toBe(T + 10 * MIN);
  });

  it('after a long extend the touch waits until it would add: expiry - idle + 1', () => {
    const p = plainGet(5 * MIN);
    p.learn(T, T);
    p.remember('a', times(T, T + 120 * MIN, T + 600 * MIN, 30 * MIN));
    expect(p.hint('a', T)).toBe(T + 90 * MIN + 1);
  });

  it('not a format-2 record, or a bad one: the script decides', () => {
    const p = plainGet(5 * MIN);
    p.learn(T, T);
    expect(p.read('a', 'legacy', T)).toBeUndefined();
    expect(p.read('a', 's2,x,y', T)).toBeUndefined();
  });

  it('keeps at most 10,000 hints, the oldest going first', () => {
    const p = plainGet(5 * MIN);
    p.learn(T, T);
    for (let i = 0; i <= 10_000; i++) p.remember(`s${i}`, times(T, T + 30 * MIN, T + 60 * MIN, 30 * MIN));
    expect(p.hint('s0', T)).toBeUndefined();
    expect(p.hint('s1', T)).toBe(T + 5 * MIN);
    expect(p.hint('s10000', T)).toBe(T + 5 * MIN);
  });
});
