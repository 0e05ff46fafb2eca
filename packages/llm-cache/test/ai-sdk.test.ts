import { memoryAdapter } from '@raptorflow/core';
import { generateText, simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, describe, expect, it } from 'vitest';
import { createLlmCache, llmCacheMiddleware } from '../src/index.js';

/* The AI SDK 6's own mock model (ai/test), wrapped with the middleware by its `wrapLanguageModel`. */

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

describe('llmCacheMiddleware with the AI SDK', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  const llm = createLlmCache({ store });
  afterAll(async () => {
    await llm.close();
    await store.close();
  });

  it('answers generateText from the cache: exact, then by meaning', async () => {
    let calls = 0;
    const mock = new MockLanguageModelV3({
      modelId: 'mock-gen',
      doGenerate: async () => {
        calls += 1;
        return {
          content: [{ type: 'text', text: `Canberra (${calls})` }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: usage(12, 3),
          warnings: [],
          response: { id: 'r1', modelId: 'mock-gen', timestamp: new Date(0) },
        };
      },
    });
    const model = wrapLanguageModel({ model: mock, middleware: llmCacheMiddleware({ cache: llm }) });
    const first = await generateText({ model, prompt: 'What is the capital of Australia?', temperature: 0 });
    const second = await generateText({ model, prompt: 'What is the capital of Australia?', temperature: 0 });
    const reworded = await generateText({
      model,
      prompt: "What's the capital city of Australia?",
      temperature: 0,
    });
    expect([first.text, second.text, reworded.text]).toEqual([
      'Canberra (1)',
      'Canberra (1)',
      'Canberra (1)',
    ]);
    expect(calls).toBe(1);
    expect(second.usage.inputTokens).toBe(12);
    expect(second.response.timestamp).toEqual(new Date(0));
    // Another temperature is another request.
    await generateText({ model, prompt: 'What is the capital of Australia?', temperature: 0.2 });
    expect(calls).toBe(2);
  });

  it('records a finished stream and replays its parts', async () => {
    let calls = 0;
    const chunks = [
      { type: 'stream-start' as const, warnings: [] },
      { type: 'text-start' as const, id: 't' },
      { type: 'text-delta' as const, id: 't', delta: 'Hello' },
      { type: 'text-delta' as const, id: 't', delta: ', world' },
      { type: 'text-end' as const, id: 't' },
      {
        type: 'finish' as const,
        finishReason: { unified: 'stop' as const, raw: 'stop' },
        usage: usage(5, 2),
      },
    ];
    const mock = new MockLanguageModelV3({
      modelId: 'mock-stream',
      doStream: async () => {
        calls += 1;
        return { stream: simulateReadableStream({ chunks }) };
      },
    });
    const model = wrapLanguageModel({ model: mock, middleware: llmCacheMiddleware({ cache: llm }) });
    const run = async () => {
      const result = streamText({ model, prompt: 'Say hello to the world.' });
      const deltas: string[] = [];
      for await (const delta of result.textStream) deltas.push(delta);
      return deltas;
    };
    expect(await run()).toEqual(['Hello', ', world']);
    // The recorder writes in its flush, which the stream waits for before it closes: by the end
    // of the first read the entry is stored, and the second read is a replay.
    expect(await run()).toEqual(['Hello', ', world']);
    expect(calls).toBe(1);
  });

  it('never writes a stream that ended with an error part', async () => {
    let calls = 0;
    const mock = new MockLanguageModelV3({
      modelId: 'mock-broken',
      doStream: async () => {
        calls += 1;
        return {
          stream: simulateReadableStream({
            chunks: [
              { type: 'text-start' as const, id: 't' },
              { type: 'text-delta' as const, id: 't', delta: 'partial' },
              { type: 'error' as const, error: new Error('upstream reset') },
            ],
          }),
        };
      },
    });
    const model = wrapLanguageModel({ model: mock, middleware: llmCacheMiddleware({ cache: llm }) });
    for (let i = 0; i < 2; i++) {
      const result = streamText({ model, prompt: 'Tell me a long story.', onError: () => undefined });
      for await (const _ of result.textStream) {
        // drain
      }
    }
    expect(calls).toBe(2);
  });
});
