import { memoryAdapter } from '@raptorflow/core';
import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  fetchRateLimit,
  getRateLimitResult,
  nodeRateLimit,
  type RateLimitResult,
  rateLimitHeaders,
  withRateLimitHeaders,
} from '../src/index.js';

const store = memoryAdapter({ sweepIntervalMs: 0 });

describe('rateLimitHeaders', () => {
  it('writes draft-10 RateLimit-Policy / RateLimit lists, legacy headers and Retry-After', async () => {
    const rl = createRateLimiter({
      store,
      algorithm: 'fixed-window',
      limits: [
        { name: 'burst', limit: 2, window: '10s' },
        { name: 'day', limit: 100, window: '1d' },
      ],
    });
    await rl.limit('h');
    const ok = await rl.limit('h');
    const h = rateLimitHeaders(ok);
    expect(h['RateLimit-Policy']).toBe('"burst";q=2;w=10, "day";q=100;w=86400');
    expect(h.RateLimit).toBe('"burst";r=0;t=10, "day";r=98;t=86400');
    expect(h['X-RateLimit-Limit']).toBe('2');
    expect(h['X-RateLimit-Remaining']).toBe('0');
    expect(Number(h['X-RateLimit-Reset'])).toBe(Math.ceil((ok.now + ok.resetAfter) / 1000));
    expect(h['Retry-After']).toBeUndefined();
    const rejected = await rl.limit('h');
    const r = rateLimitHeaders(rejected, { legacy: false });
    expect(r['Retry-After']).toBe(String(Math.ceil(rejected.retryAfter / 1000)));
    expect(r['X-RateLimit-Limit']).toBeUndefined();
    expect(rateLimitHeaders(rejected, { standard: false }).RateLimit).toBeUndefined();
  });

  it('omits w for sub-second windows', async () => {
    const rl = createRateLimiter({ store, limit: 5, window: '250ms' });
    const h = rateLimitHeaders(await rl.limit('sub'));
    expect(h['RateLimit-Policy']).toBe('"w250";q=5');
  });
});

describe('fetchRateLimit', () => {
  it('passes allowed requests and answers 429 problem+json with headers', async () => {
    const rl = createRateLimiter({ store, limit: 1, window: '1m' });
    const mw = fetchRateLimit(rl, { key: (req) => req.headers.get('x-api-key') ?? 'anon' });
    const req = new Request('http://localhost/x', { headers: { 'x-api-key': 'k1' } });
    expect(await mw(req)).toBeUndefined();
    const result = getRateLimitResult(req) as RateLimitResult;
    expect(result.allowed).toBe(true);
    const decorated = withRateLimitHeaders(new Response('hi'), result);
    expect(decorated.headers.get('RateLimit')).toBe('"w60000";r=0;t=60');
    expect(await decorated.text()).toBe('hi');
    const res = (await mw(new Request('http://localhost/x', { headers: { 'x-api-key': 'k1' } }))) as Response;
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await res.json();
    expect(body).toMatchObject({
      type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
      status: 429,
      'violated-policies': ['w60000'],
    });
  });
});

describe('nodeRateLimit', () => {
  it('sets headers, calls next, then ends with 429', async () => {
    const rl = createRateLimiter({ store, limit: 1, window: '1m', prefix: 'rf:rl:node:' });
    const mw = nodeRateLimit<{ ip: string }>(rl, { key: (req) => req.ip });
    const fake = () => {
      const res = {
        statusCode: 200,
        headers: {} as Record<string, string>,
        body: undefined as string | undefined,
        setHeader(n: string, v: string) {
          res.headers[n] = v;
        },
        end(b?: string) {
          res.body = b;
        },
      };
      return res;
    };
    let nexts = 0;
    const a = fake();
    await mw({ ip: '192.0.2.1' }, a, () => {
      nexts += 1;
    });
    expect(nexts).toBe(1);
    expect(a.headers['X-RateLimit-Remaining']).toBe('0');
    const b = fake();
    await mw({ ip: '192.0.2.1' }, b, () => {
      nexts += 1;
    });
    expect(nexts).toBe(1);
    expect(b.statusCode).toBe(429);
    expect(JSON.parse(b.body as string).status).toBe(429);
    expect(b.headers['Retry-After']).toBeDefined();
  });
});
