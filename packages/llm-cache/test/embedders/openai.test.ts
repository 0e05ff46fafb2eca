import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryAdapter } from '@raptorflow/core';
import { expectCode } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmCache, hashingEmbedder, openAiEmbedder } from '../../src/index.js';

/*
 * A tiny OpenAI-compatible embeddings server on loopback: it answers with the hashing
 * embedder's vectors (in reverse order, with `index`, as the API allows), or with the failure
 * the test asks for through the model name.
 */
const reference = hashingEmbedder({ dims: 64 });
const seen: { auth: string | undefined; body: { model: string; input: string[]; dimensions?: number } }[] =
  [];
let server: Server;
let baseUrl: string;

const read = async (req: IncomingMessage) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
};

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    seen.push({ auth: req.headers.authorization, body });
    if (req.url !== '/v1/embeddings' || req.method !== 'POST') {
      res.writeHead(404).end('not found');
      return;
    }
    if (body.model === 'fail') {
      res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"message":"rate limited"}}');
      return;
    }
    const vectors = await reference.embed(body.input);
    const data = vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: body.model === 'short' ? Array.from(v).slice(0, 3 + index) : Array.from(v),
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: data.reverse(), model: body.model }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('openAiEmbedder', () => {
  it('posts model, input and dimensions with the key, and orders vectors by index', async () => {
    const embedder = openAiEmbedder({
      model: 'text-embedding-3-small',
      baseUrl,
      apiKey: 'sk-test',
      dimensions: 64,
    });
    expect(embedder.id).toBe('openai:text-embedding-3-small:64');
    const texts = ['How do I center a div?', 'What is the capital of Peru?'];
    const got = await embedder.embed(texts);
    const want = await reference.embed(texts);
    expect(got.map((v) => Array.from(v))).toEqual(want.map((v) => Array.from(v)));
    expect(seen.at(-1)).toEqual({
      auth: 'Bearer sk-test',
      body: { model: 'text-embedding-3-small', input: texts, dimensions: 64 },
    });
  });

  it('turns an HTTP error into E_LLM_CACHE_EMBEDDER with the status', async () => {
    const embedder = openAiEmbedder({ model: 'fail', baseUrl });
    await expect(embedder.embed(['x'])).rejects.toMatchObject({
      code: 'E_LLM_CACHE_EMBEDDER',
      message: expect.stringContaining('429'),
    });
  });

  it('serves the semantic tier of a cache end to end', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const llm = createLlmCache({
      store,
      semantic: { embedder: openAiEmbedder({ model: 'text-embedding-3-small', baseUrl }), threshold: 0.5 },
    });
    const req = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    await llm.set(req('How do I undo the last git commit?'), 'git reset --soft HEAD~1');
    expect(await llm.get(req('How can I undo my last commit in git?'))).toMatchObject({
      stage: 'semantic',
      value: 'git reset --soft HEAD~1',
    });
    await llm.close();
    await store.close();
  });

  it('refuses a bad model name', () => {
    expect(() => openAiEmbedder({ model: '' })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });
});

describe('an embedder that breaks its contract', () => {
  it('fails the call with E_LLM_CACHE_EMBEDDER and writes nothing', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    const llm = createLlmCache({
      store,
      semantic: { embedder: { id: 'broken', embed: async () => [[Number.NaN, 1]] } },
    });
    await expectCode(llm.set({ model: 'm', prompt: 'hello there' }, 'v'), 'E_LLM_CACHE_EMBEDDER');
    const keys: string[] = [];
    for await (const key of store.scan({ match: 'rf:llm-cache:*' })) keys.push(key);
    expect(keys.filter((k) => k.endsWith(':z'))).toEqual([]);
    await llm.close();
    await store.close();
  });

  it('refuses vectors whose length changes between calls', async () => {
    const store = memoryAdapter({ sweepIntervalMs: 0 });
    let length = 4;
    const llm = createLlmCache({
      store,
      semantic: {
        embedder: { id: 'drifting', embed: async (texts) => texts.map(() => Array(length++).fill(1)) },
      },
    });
    await llm.set({ model: 'm', prompt: 'first prompt' }, 'v');
    await expectCode(llm.get({ model: 'm', prompt: 'second prompt' }), 'E_LLM_CACHE_EMBEDDER');
    await llm.close();
    await store.close();
  });
});
