import { describe, expect, it } from 'vitest';
import { type BreakerTransition, CircuitBreaker } from '../../src/layers/breaker.js';

function make(threshold = 3, windowMs = 1000, cooldownMs = 500) {
  let now = 0;
  const changes: BreakerTransition[] = [];
  const breaker = new CircuitBreaker(
    { failureThreshold: threshold, windowMs, cooldownMs },
    (t) => changes.push(t),
    () => now,
  );
  return {
    breaker,
    changes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('CircuitBreaker', () => {
  it('opens after N failures within the window, not when they are spread out', () => {
    const { breaker, advance } = make(3, 1000);
    breaker.failed('primary');
    advance(600);
    breaker.failed('primary');
    advance(600);
    breaker.failed('primary'); // the first is 1200 ms old: only 2 in the window
    expect(breaker.state).toBe('closed');
    breaker.failed('primary');
    expect(breaker.state).toBe('open');
  });

  it('blocks while open, lets one probe through after the cool-down, closes on success', () => {
    const { breaker, changes, advance } = make(1, 1000, 500);
    breaker.failed('primary');
    expect(breaker.route()).toBe('blocked');
    advance(499);
    expect(breaker.route()).toBe('blocked');
    advance(1);
    expect(breaker.route()).toBe('probe');
    expect(breaker.state).toBe('half-open');
    expect(breaker.route()).toBe('blocked'); // one probe at a time
    breaker.succeeded('probe');
    expect(breaker.state).toBe('closed');
    expect(breaker.route()).toBe('primary');
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual([
      'closed>open',
      'open>half-open',
      'half-open>closed',
    ]);
  });

  it('goes back to open when the probe fails, with a new cool-down', () => {
    const { breaker, advance } = make(1, 1000, 500);
    breaker.failed('primary');
    advance(500);
    expect(breaker.route()).toBe('probe');
    breaker.failed('probe');
    expect(breaker.state).toBe('open');
    advance(499);
    expect(breaker.route()).toBe('blocked');
    advance(1);
    expect(breaker.route()).toBe('probe');
  });

  it('trip() opens at once', () => {
    const { breaker } = make();
    breaker.trip();
    expect(breaker.state).toBe('open');
  });
});
