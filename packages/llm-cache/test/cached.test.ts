import { memoryAdapter } from '@raptorflow/core';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedLlm, createLlmCache, type LlmResult } from '../src/index.js';

interface Completion {
  text: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

describe('cachedLlm', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  const llm = createLlmCache({ store });
  afterAll(async () => {
    await llm.close();
    await store.close();
  });

  it('wraps a client call: one call per request and tenant, hits report their savings', async () => {
    const sent: string[] = [];
    const client = async (workspace: string, question: string): Promise<Completion> => {
      sent.push(`${workspace}:${question}`);
      return { text: `answer to ${question}`, usage: { prompt_tokens: 40, completion_tokens: 60 } };
    };
    const results: LlmResult<Completion>[] = [];
    const ask = cachedLlm(client, {
      cache: llm,
      request: (_ws, question) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: question }] }),
      call: (ws) => ({ tenant: ws }),
      usage: (r) => ({ inputTokens: r.usage.prompt_tokens, outputTokens: r.usage.completion_tokens }),
      onResult: (r) => results.push(r),
    });
    expect((await ask('acme', 'How do vaccines work?')).text).toBe('answer to How do vaccines work?');
    await results[0]?.pending;
    expect((await ask('acme', 'How do vaccines work?')).text).toBe('answer to How do vaccines work?');
    expect((await ask('acme', 'Explain how vaccines work in the body.')).text).toBe(
      'answer to How do vaccines work?',
    );
    expect((await ask('globex', 'How do vaccines work?')).text).toBe('answer to How do vaccines work?');
    expect(sent).toEqual(['acme:How do vaccines work?', 'globex:How do vaccines work?']);
    expect(results.map((r) => r.stage)).toEqual(['miss', 'exact', 'semantic', 'miss']);
    // gpt-4o: 40 × 2.5 + 60 × 10 per million tokens.
    expect(results[1]?.saved).toMatchObject({ tokens: 100, cost: 0.0007 });
  });

  it('refuses a bad wrapper setup', () => {
    expect(() =>
      cachedLlm('x' as never, { cache: llm, request: () => ({ model: 'm', prompt: 'p' }) }),
    ).toThrowError(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() =>
      cachedLlm(async () => 1, { cache: {} as never, request: () => ({ model: 'm', prompt: 'p' }) }),
    ).toThrowError(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
