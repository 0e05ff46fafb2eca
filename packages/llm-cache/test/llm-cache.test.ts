import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmCache, type LlmRequest } from '../src/index.js';

const chat = (content: string, model = 'gpt-4o-mini', params?: Record<string, unknown>): LlmRequest => ({
  model,
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content },
  ],
  params: { temperature: 0, ...params },
});

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
describe.each(storeMatrix())('$name', ({ create }) => {
  let store: KvStore;
  beforeAll(async () => {
    // A random namespace per file and store: the Redis entries share one server with other files.
    store = (await create()).namespace(randomPrefix());
  });

  it('serves the same request exactly and a rewording by meaning, with score and savings', async () => {
    const llm = createLlmCache({ store });
    const usage = { inputTokens: 1000, outputTokens: 500 };
    await llm.set(chat('How do I reverse a string in Python?'), { text: 's[::-1]' }, { usage });
    const exact = await llm.get(chat('How do I reverse a string in Python?'));
    expect(exact).toMatchObject({ value: { text: 's[::-1]' }, stage: 'exact', score: 1, usage });
    // gpt-4o-mini at the default table's 0.15 / 0.60 per million tokens.
    expect(exact?.saved).toEqual({
      model: 'gpt-4o-mini',
      tokens: 1500,
      inputTokens: 1000,
      outputTokens: 500,
      cost: 0.00045,
      currency: 'USD',
      priceDate: '2025-06-01',
    });
    const near = await llm.get(chat('What is the way to reverse a Python string?'));
    expect(near?.stage).toBe('semantic');
    expect(near?.value).toEqual({ text: 's[::-1]' });
    expect(near?.score).toBeGreaterThan(0.5);
    expect(near?.score).toBeLessThan(1);
    await llm.close();
  });

  it('refuses near misses the guards catch, and other models, parameters and contexts', async () => {
    const llm = createLlmCache({ store, namespaces: { guards: {} } });
    const ns = { namespace: 'guards' };
    await llm.set(chat('Give me 5 ideas for a blog post about travel.'), 'five', ns);
    await llm.set(chat('How do I enable two-factor authentication?'), 'enable', ns);
    expect(await llm.get(chat('Give me five ideas for a blog post about travel.'), ns)).toMatchObject({
      value: 'five',
    });
    expect(await llm.get(chat('Give me 10 ideas for a blog post about travel.'), ns)).toBeUndefined();
    expect(await llm.get(chat('How do I disable two-factor authentication?'), ns)).toBeUndefined();
    expect(
      await llm.get(chat('Give me 5 ideas for a blog post about travel.', 'gpt-4o'), ns),
    ).toBeUndefined();
    expect(
      await llm.get(
        chat('Give me 5 ideas for a blog post about travel.', 'gpt-4o-mini', { max_tokens: 50 }),
        ns,
      ),
    ).toBeUndefined();
    // The same last message after another conversation is another question.
    const followUp: LlmRequest = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Plan a trip to Peru.' },
        { role: 'assistant', content: 'Here is a plan…' },
        { role: 'user', content: 'Give me 5 ideas for a blog post about travel.' },
      ],
      params: { temperature: 0 },
    };
    expect(await llm.get(followUp, ns)).toBeUndefined();
    await llm.close();
  });

  it('getOrCall: one model call for a burst of the same prompt, then exact and semantic hits', async () => {
    const llm = createLlmCache({ store, namespaces: { burst: {} } });
    let calls = 0;
    const model = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return { text: 'Canberra' };
    };
    const opts = { namespace: 'burst', usage: () => ({ inputTokens: 10, outputTokens: 5 }) };
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => llm.getOrCall(chat('What is the capital of Australia?'), model, opts)),
    );
    expect(calls).toBe(1);
    expect(burst.map((r) => r.value.text)).toEqual(Array(10).fill('Canberra'));
    expect(burst.filter((r) => r.stage === 'miss')).toHaveLength(1);
    expect(burst.filter((r) => r.stage === 'dedup')).toHaveLength(9);
    await Promise.all(burst.map((r) => r.pending));
    const again = await llm.getOrCall(chat('What is the capital of Australia?'), model, opts);
    expect(again).toMatchObject({ stage: 'exact', score: 1, saved: { tokens: 15 } });
    const reworded = await llm.getOrCall(chat("What's the capital city of Australia?"), model, opts);
    expect(reworded.stage).toBe('semantic');
    expect(reworded.value.text).toBe('Canberra');
    expect(calls).toBe(1);
    // The default embedder is local: the rewording is found by meaning again, in the same one
    // script as an exact probe would be (nothing is copied under the rewording's exact key).
    const repeat = await llm.getOrCall(chat("What's the capital city of Australia?"), model, opts);
    expect(repeat).toMatchObject({ stage: 'semantic', score: reworded.score });
    expect(calls).toBe(1);
    await llm.close();
  });

  it('keeps tenants apart, by exact and by semantic match', async () => {
    const llm = createLlmCache({ store, namespaces: { tenants: {} } });
    await llm.set(chat('Summarize the plot of Hamlet.'), 'secret-of-a', {
      tenant: 'ws-a',
      namespace: 'tenants',
    });
    const b = { tenant: 'ws-b', namespace: 'tenants' };
    expect(await llm.get(chat('Summarize the plot of Hamlet.'), b)).toBeUndefined();
    expect(await llm.get(chat('Give me a summary of the plot of Hamlet.'), b)).toBeUndefined();
    let calls = 0;
    const r = await llm.getOrCall(chat('Summarize the plot of Hamlet.'), () => `answer-${++calls}`, b);
    expect(r).toMatchObject({ stage: 'miss', value: 'answer-1' });
    await r.pending;
    const a = { tenant: 'ws-a', namespace: 'tenants' };
    expect(await llm.get(chat('Give me a summary of the plot of Hamlet.'), a)).toMatchObject({
      value: 'secret-of-a',
    });
    expect(await llm.get(chat('Give me a summary of the plot of Hamlet.'), b)).toMatchObject({
      value: 'answer-1',
    });
    await llm.close();
  });

  it('does not cache above maxTemperature unless asked, nor with bypass', async () => {
    const llm = createLlmCache({ store, maxTemperature: 0.5, namespaces: { temp: {} } });
    const hot = chat('Write a haiku about the ocean.', 'gpt-4o-mini', { temperature: 0.9 });
    let calls = 0;
    const fn = () => `poem-${++calls}`;
    expect((await llm.getOrCall(hot, fn, { namespace: 'temp' })).stage).toBe('bypass');
    expect((await llm.getOrCall(hot, fn, { namespace: 'temp' })).stage).toBe('bypass');
    expect(calls).toBe(2);
    await llm.set(hot, 'ignored', { namespace: 'temp' });
    expect(await llm.get(hot, { namespace: 'temp', anyTemperature: true })).toBeUndefined();
    const forced = await llm.getOrCall(hot, fn, { namespace: 'temp', anyTemperature: true });
    expect(forced.stage).toBe('miss');
    expect((await llm.getOrCall(hot, fn, { namespace: 'temp', anyTemperature: true })).stage).toBe('exact');
    expect(
      (await llm.getOrCall(hot, fn, { namespace: 'temp', anyTemperature: true, bypass: true })).stage,
    ).toBe('bypass');
    expect(calls).toBe(4);
    await llm.close();
  });

  it('invalidates one model of a tenant, then the whole tenant', async () => {
    const llm = createLlmCache({ store, namespaces: { inval: {} } });
    const at = (tenant: string) => ({ tenant, namespace: 'inval' });
    await llm.set(chat('Explain what Docker containers are.', 'gpt-4o'), 'big', at('t1'));
    await llm.set(chat('Explain what Docker containers are.', 'gpt-4o-mini'), 'small', at('t1'));
    await llm.set(chat('Explain what Docker containers are.', 'gpt-4o'), 'other-tenant', at('t2'));
    await llm.invalidate({ tenant: 't1', model: 'gpt-4o' });
    expect(await llm.get(chat('Explain what Docker containers are.', 'gpt-4o'), at('t1'))).toBeUndefined();
    expect(await llm.get(chat('What are Docker containers?', 'gpt-4o'), at('t1'))).toBeUndefined();
    expect(await llm.get(chat('What are Docker containers?', 'gpt-4o-mini'), at('t1'))).toMatchObject({
      value: 'small',
    });
    expect(await llm.get(chat('What are Docker containers?', 'gpt-4o'), at('t2'))).toMatchObject({
      value: 'other-tenant',
    });
    await llm.invalidate({ tenant: 't1' });
    expect(
      await llm.get(chat('Explain what Docker containers are.', 'gpt-4o-mini'), at('t1')),
    ).toBeUndefined();
    expect(await llm.get(chat('What are Docker containers?', 'gpt-4o-mini'), at('t1'))).toBeUndefined();
    expect(await llm.get(chat('Explain what Docker containers are.', 'gpt-4o'), at('t2'))).toMatchObject({
      value: 'other-tenant',
    });
    await llm.close();
  });

  it('refuses bad input with E_INVALID_ARGUMENT before any write', async () => {
    const llm = createLlmCache({ store });
    const good = chat('hello');
    for (const tenant of ['', 'a{b}', 'x y', 'é'])
      await expectCode(llm.get(good, { tenant }), 'E_INVALID_ARGUMENT');
    await expectCode(llm.get(good, { namespace: 'undeclared' }), 'E_INVALID_ARGUMENT');
    await expectCode(llm.set({ model: 'm' } as LlmRequest, 'v'), 'E_INVALID_ARGUMENT');
    await expectCode(
      llm.set({ model: 'm', prompt: 'p', messages: [{ role: 'user', content: 'p' }] }, 'v'),
      'E_INVALID_ARGUMENT',
    );
    await expectCode(llm.set({ model: '', prompt: 'p' }, 'v'), 'E_INVALID_ARGUMENT');
    await expectCode(
      llm.set({ model: 'm', prompt: 'p', params: { temperature: -1 } }, 'v'),
      'E_INVALID_ARGUMENT',
    );
    await expectCode(
      llm.set({ model: 'm', prompt: 'p', params: { n: Number.NaN } }, 'v'),
      'E_INVALID_ARGUMENT',
    );
    await expectCode(llm.getOrCall(good, 'not a function' as never), 'E_INVALID_ARGUMENT');
    await expectCode(llm.invalidate({ tenant: '' }), 'E_INVALID_ARGUMENT');
    expect(await llm.get({ model: 'm', prompt: 'p' })).toBeUndefined();
    await llm.close();
  });

  it('setMany: checks every entry before writing any, then serves them exactly and by meaning, per tenant', async () => {
    const llm = createLlmCache({ store, namespaces: { bulk: {} } });
    const A = [
      'glaciers',
      'tides',
      'volcanoes',
      'bees',
      'comets',
      'coral',
      'deserts',
      'forests',
      'rivers',
      'storms',
    ];
    const B = [
      'bread',
      'cheese',
      'violins',
      'bridges',
      'lanterns',
      'sails',
      'kites',
      'mirrors',
      'clocks',
      'maps',
    ];
    const C = ['history', 'physics', 'poetry'];
    const topic = (i: number) =>
      `${A[i % 10]} and ${B[Math.floor(i / 10) % 10]} in ${C[Math.floor(i / 100)]}`;
    const entries = Array.from({ length: 230 }, (_, i) => ({
      request: chat(`Explain the link between ${topic(i)}.`),
      value: `answer ${i}`,
      namespace: 'bulk',
      tenant: i % 2 === 0 ? 'even' : 'odd',
    }));
    await expectCode(
      llm.setMany([...entries, { request: { model: '' } as LlmRequest, value: 'x', namespace: 'bulk' }]),
      'E_INVALID_ARGUMENT',
    );
    await expectCode(llm.setMany('nope' as never), 'E_INVALID_ARGUMENT');
    expect(
      await llm.get(entries[0]?.request as LlmRequest, { namespace: 'bulk', tenant: 'even' }),
    ).toBeUndefined();
    await llm.setMany(entries);
    const last = entries[229] as (typeof entries)[number];
    expect(await llm.get(last.request, { namespace: 'bulk', tenant: 'odd' })).toMatchObject({
      stage: 'exact',
      value: 'answer 229',
    });
    const rewording = chat(`Can you explain how ${topic(229)} are linked?`);
    const reworded = await llm.get(rewording, { namespace: 'bulk', tenant: 'odd' });
    expect(reworded).toMatchObject({ stage: 'semantic', value: 'answer 229' });
    // Entry 229 belongs to tenant "odd": never served to another, by exact or by semantic match
    // ("even" has entries of its own: a near one of its own may answer, never 229).
    for (const tenant of ['even', 'none']) {
      expect((await llm.get(last.request, { namespace: 'bulk', tenant }))?.value).not.toBe('answer 229');
      expect((await llm.get(rewording, { namespace: 'bulk', tenant }))?.value).not.toBe('answer 229');
    }
    expect(await llm.get(rewording, { namespace: 'bulk', tenant: 'none' })).toBeUndefined();
    await llm.close();
  });

  it('reports each call with its savings on the feature-event hub', async () => {
    const llm = createLlmCache({ store, namespaces: { events: {} } });
    const seen: FeatureEvent[] = [];
    const off = featureEvents(store).on('operation', (e) => {
      if (e.feature === 'llm-cache') seen.push(e);
    });
    try {
      const o = { namespace: 'events', tenant: 'ev' };
      await llm.set(chat('What is a black hole?', 'gpt-4o'), 'answer', {
        ...o,
        usage: { inputTokens: 100, outputTokens: 200 },
      });
      await llm.get(chat('What is a black hole?', 'gpt-4o'), o);
      await llm.get(chat('Can you tell me what a black hole is?', 'gpt-4o'), o);
      await llm.get(chat('What is a white dwarf?', 'gpt-4o'), o);
      await llm.set(chat('How do I enable two-factor authentication?', 'gpt-4o'), 'enable', o);
      await llm.get(chat('How do I disable two-factor authentication?', 'gpt-4o'), o);
    } finally {
      off();
    }
    expect(seen.map((e) => [e.operation, e.outcome, e.tenant])).toEqual([
      ['set', 'ok', 'ev'],
      ['get', 'exact-hit', 'ev'],
      ['get', 'semantic-hit', 'ev'],
      ['get', 'miss', 'ev'],
      ['set', 'ok', 'ev'],
      ['get', 'miss', 'ev'],
    ]);
    // A miss says why a candidate above the threshold was not served: here the antonym guard.
    expect(seen[3]?.detail).not.toHaveProperty('refused');
    expect(seen[5]?.detail).toMatchObject({ refused: ['antonym'], ambiguous: false });
    // gpt-4o: 100 × 2.5 + 200 × 10 per million.
    expect(seen[1]?.detail).toMatchObject({
      model: 'gpt-4o',
      savedTokens: 300,
      savedInputTokens: 100,
      savedOutputTokens: 200,
      savedCost: 0.00225,
      currency: 'USD',
      priceDate: '2025-06-01',
    });
    expect(seen[2]?.detail).toMatchObject({
      model: 'gpt-4o',
      savedTokens: 300,
      savedInputTokens: 100,
      savedOutputTokens: 200,
    });
    expect(seen[2]?.detail?.score).toBeGreaterThan(0.5);
    await llm.close();
  });
});

describe('on the memory store’s clock', () => {
  let now = 1_700_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('serves an answer for its namespace TTL, by exact and semantic match, then not', async () => {
    const llm = createLlmCache({ store, ttl: '1h', namespaces: { short: { ttl: '10s' } } });
    await llm.set(chat('What is machine learning?'), 'long');
    await llm.set(chat('What is machine learning?'), 'short', { namespace: 'short' });
    now += 9_000;
    expect(await llm.get(chat('Define machine learning.'), { namespace: 'short' })).toMatchObject({
      value: 'short',
    });
    now += 1_001;
    expect(await llm.get(chat('What is machine learning?'), { namespace: 'short' })).toBeUndefined();
    expect(await llm.get(chat('Define machine learning.'), { namespace: 'short' })).toBeUndefined();
    expect(await llm.get(chat('Define machine learning.'))).toMatchObject({ value: 'long' });
    await llm.close();
  });

  it('bounds a partition: past maxEntries the entries that expire first are evicted', async () => {
    const llm = createLlmCache({ store, semantic: { maxEntries: 3 } });
    const prompts = [
      'How do I bake sourdough bread?',
      'How do I grow tomatoes?',
      'What causes earthquakes?',
      'How do vaccines work?',
      'What is the stock market?',
    ];
    for (const p of prompts) {
      await llm.set(chat(p), p);
      now += 1;
    }
    const indexes: string[] = [];
    for await (const key of store.scan({ match: 'rf:llm-cache:*:z' })) indexes.push(key);
    expect(indexes).toHaveLength(1);
    expect(await store.zcard(indexes[0] as string)).toBe(3);
    // The two oldest are gone from the semantic tier (their exact entries remain).
    expect(await llm.get(chat('How can I bake sourdough bread?'))).toBeUndefined();
    expect(await llm.get(chat('How does the stock market work?'))).toMatchObject({
      value: 'What is the stock market?',
    });
    await llm.close();
  });
});

describe('requests the semantic tier stays out of', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('a last message with an image part is cached exactly, never matched by meaning', async () => {
    const llm = createLlmCache({ store });
    const withImage = (text: string): LlmRequest => ({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text },
            { type: 'image_url', image_url: { url: 'https://example.invalid/cat.png' } },
          ],
        },
      ],
    });
    await llm.set(withImage('What animal is in this picture?'), 'a cat');
    expect(await llm.get(withImage('What animal is in this picture?'))).toMatchObject({ stage: 'exact' });
    expect(await llm.get(withImage('Which animal is in this picture?'))).toBeUndefined();
    const text: LlmRequest = {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What animal is a puma?' }] }],
    };
    await llm.set(text, 'a big cat');
    expect(
      await llm.get({ ...text, messages: [{ role: 'user', content: 'Which animal is a puma?' }] }),
    ).toMatchObject({
      stage: 'semantic',
    });
    await llm.close();
  });
});

describe('options', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('names the bad field in E_INVALID_OPTIONS', () => {
    const bad: Array<[unknown, string]> = [
      [{}, 'createLlmCache: store: expected a RaptorFlow KV store'],
      [{ store, ttl: 0 }, 'createLlmCache: ttl'],
      [{ store, semantic: { threshold: 2 } }, 'createLlmCache: semantic'],
      [{ store, semantic: { embedder: {} } }, 'createLlmCache: semantic'],
      [{ store, namespaces: { 'bad name': {} } }, 'createLlmCache: namespaces'],
      [{ store, maxTemperature: -1 }, 'createLlmCache: maxTemperature'],
      [{ store, tll: '1m' }, 'createLlmCache: tll: is not an option'],
    ];
    for (const [options, message] of bad) {
      expect(() => createLlmCache(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
  });
});
