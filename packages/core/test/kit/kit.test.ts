import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { isKvError, KvError, memoryAdapter } from '../../src/index.js';
import {
  createDeadlines,
  defineErrorCodes,
  describeValue,
  durationSchema,
  emitOperation,
  featureEvents,
  featureKeyspace,
  isStoreFailure,
  operationStart,
  parseDuration,
  parseOptions,
} from '../../src/kit/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isKvError(error) ? error.code : `not a KvError: ${String(error)}`;
  }
  return undefined;
}

describe('kit: parseOptions', () => {
  const schema = z.strictObject({
    ttl: durationSchema(),
    nested: z.strictObject({ n: z.number() }).optional(),
  });

  it('names the field in one format: <where>: <field>: <problem>', () => {
    expect(() => parseOptions('createThing', schema, { ttl: 'soon' })).toThrow(
      /^\[raptorflow\] createThing: ttl: expected a duration/,
    );
    expect(() => parseOptions('createThing', schema, { ttl: 5, nested: { n: 'x' } })).toThrow(
      /createThing: nested\.n: /,
    );
    expect(() => parseOptions('createThing', schema, { ttl: 5, extra: 1 })).toThrow(
      /createThing: extra: is not an option/,
    );
    expect(() => parseOptions('createThing', schema, 'nope')).toThrow(/createThing: \(options\): /);
    expect(codeOf(() => parseOptions('createThing', schema, { ttl: 'x' }))).toBe('E_INVALID_OPTIONS');
  });

  it('builds its message without throwing for values JSON cannot print', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [10n, Symbol('s'), cyclic, () => 1, Object.create(null)]) {
      expect(codeOf(() => parseOptions('createThing', schema, { ttl: bad }))).toBe('E_INVALID_OPTIONS');
    }
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    expect(describeValue('x'.repeat(500)).length).toBeLessThan(70);
  });

  it('returns the parsed output with defaults for no input', () => {
    const withDefault = z.strictObject({ ttl: durationSchema().default(1000) });
    expect(parseOptions('x', withDefault, undefined)).toEqual({ ttl: 1000 });
  });
});

describe('kit: Duration', () => {
  it.each([
    [250, 250],
    ['250ms', 250],
    ['10s', 10_000],
    ['1.5m', 90_000],
    ['15 m', 900_000],
    [' 2h ', 7_200_000],
    ['1d', 86_400_000],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
    expect(durationSchema().parse(input)).toBe(ms);
  });

  it.each([
    [0],
    [-1],
    [1.5],
    ['1.5ms'],
    ['0.0001s'],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['10'],
    ['10 years'],
    [''],
    [10n],
    [null],
    [{}],
  ])('refuses %s (never rounds)', (input) => {
    expect(codeOf(() => parseDuration(input))).toBe('E_INVALID_ARGUMENT');
    expect(durationSchema().safeParse(input).success).toBe(false);
  });

  it('enforces bounds', () => {
    expect(durationSchema({ min: 0 }).parse(0)).toBe(0);
    expect(durationSchema({ min: 1000 }).safeParse('999ms').success).toBe(false);
    expect(durationSchema({ max: 1000 }).safeParse('2s').success).toBe(false);
  });
});

describe('kit: deadlines (fake clock)', () => {
  it('rejects an overdue call with E_TIMEOUT naming it, and resolves one in time', async () => {
    vi.useFakeTimers();
    try {
      const deadlines = createDeadlines('thing');
      const never = new Promise<never>(() => {});
      let fired = 0;
      const late = deadlines.track(never, 200, 'get', () => fired++);
      const onTime = deadlines.track(Promise.resolve('ok'), 200, 'set');
      const lateResult = late.catch((e: unknown) => e);
      await expect(onTime).resolves.toBe('ok');
      await vi.advanceTimersByTimeAsync(150);
      expect(deadlines.pending).toBe(1);
      await vi.advanceTimersByTimeAsync(80);
      const error = await lateResult;
      expect(isKvError(error, 'E_TIMEOUT')).toBe(true);
      expect((error as Error).message).toContain('thing: get did not complete within 200 ms');
      expect(fired).toBe(1);
      expect(deadlines.pending).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes a rejection through unchanged', async () => {
    const deadlines = createDeadlines('thing');
    const error = new KvError('E_WRONG_TYPE', 'x');
    await expect(deadlines.track(Promise.reject(error), 100, 'get')).rejects.toBe(error);
  });

  it('lets calls end in any order: the ones left time out, the others keep their results', async () => {
    vi.useFakeTimers();
    try {
      const deadlines = createDeadlines('thing');
      // 60 calls; every third never answers, the rest answer in a shuffled order (first, last and
      // middle of the waiting list all leave it).
      const settle: Array<() => void> = [];
      const results = Array.from({ length: 60 }, (_, i) => {
        const answer = new Promise<string>((resolve) => {
          if (i % 3 !== 1) settle.push(() => resolve(`v${i}`));
        });
        return deadlines.track(answer, 200, `call ${i}`).catch((e: unknown) => e);
      });
      expect(deadlines.pending).toBe(60);
      const order = settle.map((_, j) => (j * 17) % settle.length);
      expect(new Set(order).size).toBe(settle.length);
      for (const j of order) (settle[j] as () => void)();
      await vi.advanceTimersByTimeAsync(0);
      expect(deadlines.pending).toBe(20);
      await vi.advanceTimersByTimeAsync(230);
      const out = await Promise.all(results);
      for (let i = 0; i < 60; i++) {
        if (i % 3 === 1) expect(isKvError(out[i], 'E_TIMEOUT')).toBe(true);
        else expect(out[i]).toBe(`v${i}`);
      }
      expect(deadlines.pending).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      // The list is empty and reusable.
      await expect(deadlines.track(Promise.resolve('again'), 200, 'again')).resolves.toBe('again');
      expect(deadlines.pending).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sweeps a shorter deadline soon even when a long one is pending', async () => {
    vi.useFakeTimers();
    try {
      const deadlines = createDeadlines('thing');
      const long = deadlines.track(new Promise(() => {}), 60_000, 'long').catch(() => 'long');
      const short = deadlines.track(new Promise(() => {}), 50, 'short').catch(() => 'short');
      await vi.advanceTimersByTimeAsync(60);
      await expect(short).resolves.toBe('short');
      expect(deadlines.pending).toBe(1);
      await vi.advanceTimersByTimeAsync(60_100);
      await expect(long).resolves.toBe('long');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('kit: failure vocabulary', () => {
  it('treats store failures, and only those, as failures', () => {
    for (const code of ['E_CONNECTION', 'E_TIMEOUT', 'E_CIRCUIT_OPEN'] as const) {
      expect(isStoreFailure(new KvError(code, 'x'))).toBe(true);
    }
    for (const code of ['E_INVALID_ARGUMENT', 'E_WRONG_TYPE', 'E_SCRIPT', 'E_CODEC'] as const) {
      expect(isStoreFailure(new KvError(code, 'x'))).toBe(false);
    }
    expect(isStoreFailure(new Error('E_CONNECTION'))).toBe(false);
  });
});

describe('kit: feature error codes', () => {
  it('declares codes with the feature prefix, accepted by isKvError', () => {
    const errors = defineErrorCodes('QUEUE', { E_QUEUE_JOB_NOT_FOUND: 'no job has this id' });
    const error = errors.error('E_QUEUE_JOB_NOT_FOUND', 'job 7');
    expect(isKvError(error, 'E_QUEUE_JOB_NOT_FOUND')).toBe(true);
    expect(error.code).toBe('E_QUEUE_JOB_NOT_FOUND');
    // Across duplicate installs: a plain object with the name and a well-formed code.
    expect(isKvError({ name: 'KvError', code: 'E_LOCK_NOT_HELD' })).toBe(true);
    expect(isKvError({ name: 'KvError', code: 'not a code' })).toBe(false);
    expect(isKvError({ name: 'Error', code: 'E_TIMEOUT' })).toBe(false);
  });

  it('refuses codes outside the prefix and core codes', () => {
    expect(codeOf(() => defineErrorCodes('QUEUE', { E_LOCK_X: '' } as never))).toBe('E_INVALID_OPTIONS');
    expect(codeOf(() => defineErrorCodes('queue', {}))).toBe('E_INVALID_OPTIONS');
    expect(codeOf(() => defineErrorCodes('LLM_', {}))).toBe('E_INVALID_OPTIONS');
    expect(defineErrorCodes('LLM_CACHE', { E_LLM_CACHE_EMBEDDING: 'x' }).codes.E_LLM_CACHE_EMBEDDING).toBe(
      'x',
    );
    expect(codeOf(() => defineErrorCodes('E', { E_E_: '' } as never))).toBe('E_INVALID_OPTIONS');
  });
});

describe('kit: feature events', () => {
  it('operationStart reads no clock with nobody listening; emitOperation reports the finished call', () => {
    const hub = featureEvents(memoryAdapter());
    expect(operationStart(hub)).toBe(-1);
    emitOperation(hub, { feature: 'locks', operation: 'acquire', started: -1, outcome: 'acquired' });
    const events: unknown[] = [];
    hub.on('operation', (e) => events.push(e));
    // A call that began before anyone listened has no start time: no event.
    emitOperation(hub, { feature: 'locks', operation: 'acquire', started: -1, outcome: 'acquired' });
    expect(events).toEqual([]);
    const started = operationStart(hub);
    expect(started).toBeGreaterThanOrEqual(0);
    emitOperation(hub, {
      feature: 'locks',
      operation: 'acquire',
      started,
      outcome: 'error',
      error: new KvError('E_TIMEOUT', 'slow'),
      tenant: 'acme',
      detail: { attempts: 2 },
    });
    emitOperation(hub, {
      feature: 'locks',
      operation: 'release',
      started,
      outcome: 'error',
      error: new Error('x'),
    });
    expect(events).toMatchObject([
      {
        feature: 'locks',
        operation: 'acquire',
        outcome: 'error',
        error: 'E_TIMEOUT',
        tenant: 'acme',
        detail: { attempts: 2 },
      },
      { feature: 'locks', operation: 'release', outcome: 'error', error: undefined },
    ]);
    expect((events[0] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
  });

  it('has one hub per underlying store, shared by views', () => {
    const store = memoryAdapter();
    const hub = featureEvents(store);
    expect(featureEvents(store.namespace('a:').namespace('b:'))).toBe(hub);
    expect(featureEvents(memoryAdapter())).not.toBe(hub);
    const seen: string[] = [];
    hub.on('operation', (e) => seen.push(`${e.feature}.${e.operation}:${e.outcome}`));
    featureEvents(store.namespace('x:')).emit('operation', {
      feature: 'cache',
      operation: 'get',
      outcome: 'hit',
      durationMs: 0.1,
    });
    expect(seen).toEqual(['cache.get:hit']);
  });
});

describe('kit: key layout', () => {
  it('puts a feature under rf:<feature>: and a group under a hash tag', async () => {
    const store = memoryAdapter();
    const keys = featureKeyspace(store, { feature: 'queue' });
    expect(keys.prefix).toBe('rf:queue:');
    await keys.group('emails').set('jobs', '1');
    expect(await store.get('rf:queue:{emails}:jobs')).toBe('1');
    expect(keys.tag('emails')).toBe('{emails}');
    const custom = featureKeyspace(store, { feature: 'rl', prefix: 'app:rl:' });
    await custom.root.set('k', 'v');
    expect(await store.get('app:rl:k')).toBe('v');
  });

  it('refuses a group or prefix that would break the slot rule', () => {
    const store = memoryAdapter();
    const keys = featureKeyspace(store, { feature: 'lock' });
    expect(codeOf(() => keys.group('a}b'))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => keys.group(''))).toBe('E_INVALID_ARGUMENT');
    expect(codeOf(() => featureKeyspace(store, { feature: 'lock', prefix: '{x}:' }))).toBe(
      'E_INVALID_OPTIONS',
    );
    expect(codeOf(() => featureKeyspace(store, { feature: 'Lock!' }))).toBe('E_INVALID_OPTIONS');
  });
});

describe('kit: resolvePolicy', () => {
  it('takes the option, else the failover layer found through views and layers, else the default', async () => {
    const { instrument, withFailover } = await import('../../src/index.js');
    const { resolvePolicy } = await import('../../src/kit/index.js');
    const plain = memoryAdapter();
    expect(resolvePolicy(plain, undefined, 'fail-closed')).toBe('fail-closed');
    expect(resolvePolicy(plain, 'fail-open', 'fail-closed')).toBe('fail-open');
    const stack = instrument(withFailover(memoryAdapter(), { policy: 'fail-open' })).namespace('x:');
    expect(resolvePolicy(stack, undefined, 'fail-closed')).toBe('fail-open');
    expect(resolvePolicy(stack, 'fallback', 'fail-closed')).toBe('fallback');
  });
});

describe('kit: requireFailClosed', () => {
  it('passes a plain or fail-closed store and refuses fallback or fail-open with E_INVALID_OPTIONS', async () => {
    const { withFailover } = await import('../../src/index.js');
    const { requireFailClosed } = await import('../../src/kit/index.js');
    expect(() => requireFailClosed(memoryAdapter(), 'createX', 'x breaks')).not.toThrow();
    const closed = withFailover(memoryAdapter(), { policy: 'fail-closed' }).namespace('a:');
    expect(() => requireFailClosed(closed, 'createX', 'x breaks')).not.toThrow();
    for (const policy of ['fallback', 'fail-open'] as const) {
      const store = withFailover(memoryAdapter(), { policy });
      expect(() => requireFailClosed(store, 'createX', 'x breaks')).toThrow(
        expect.objectContaining({
          code: 'E_INVALID_OPTIONS',
          message: expect.stringMatching(new RegExp(`createX.*store.*"${policy}".*x breaks`)),
        }),
      );
    }
  });
});

describe('kit: randomToken', () => {
  it('is hex of the asked length and differs between calls', async () => {
    const { randomToken } = await import('../../src/kit/index.js');
    const a = randomToken();
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(randomToken(9)).toMatch(/^[0-9a-f]{18}$/);
    expect(new Set(Array.from({ length: 1000 }, () => randomToken())).size).toBe(1000);
  });
});
