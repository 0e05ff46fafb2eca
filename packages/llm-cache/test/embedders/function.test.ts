import { memoryAdapter } from '@raptorflow/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createLlmCache, functionEmbedder } from '../../src/index.js';

describe('functionEmbedder', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('uses the function for the semantic tier, with its own id and threshold', async () => {
    const calls: string[][] = [];
    // A toy "model": one dimension per topic word, so rewordings on one topic are identical.
    const topics = ['weather', 'python', 'pasta'];
    const embedder = functionEmbedder({
      id: 'toy-topics',
      threshold: 0.9,
      embed: (texts) => {
        calls.push([...texts]);
        return texts.map((t) => topics.map((w) => (t.toLowerCase().includes(w) ? 1 : 0)));
      },
    });
    expect(embedder).toMatchObject({ id: 'toy-topics', threshold: 0.9 });
    const llm = createLlmCache({ store, semantic: { embedder } });
    const req = (prompt: string) => ({ model: 'm', prompt });
    await llm.set(req('Tell me about python decorators'), 'decorators');
    expect(await llm.get(req('python decorators, please explain'))).toMatchObject({
      stage: 'semantic',
      score: 1,
    });
    expect(await llm.get(req('Cook pasta for dinner'))).toBeUndefined();
    expect(calls).toEqual([
      ['Tell me about python decorators'],
      ['python decorators, please explain'],
      ['Cook pasta for dinner'],
    ]);
    await llm.close();
  });

  it('refuses a missing id or function', () => {
    expect(() => functionEmbedder({ id: '', embed: () => [] })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => functionEmbedder({ id: 'x', embed: 1 as never })).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });
});
