import { KvError, type KvStore, memoryAdapter } from '@raptorflow/core';
import { expectCode } from '@raptorflow/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createLlmCache } from '../src/index.js';

/*
 * The failure policy, on a memory store whose scripts fail with E_CONNECTION while `down` is
 * set (every view of it too): the semantic tier runs only scripts, so a failed lookup or index
 * write is what `onStoreError` decides about. Plain reads keep working.
 */
let down = false;
function flaky(store: KvStore): KvStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'namespace') return (prefix: string) => flaky(target.namespace(prefix));
      if (prop === 'eval' && down) {
        return async () => {
          throw new KvError('E_CONNECTION', 'injected: connection lost');
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('store failures in the semantic tier', () => {
  const base = memoryAdapter({ sweepIntervalMs: 0 });
  const store = flaky(base);
  afterAll(() => base.close());
  const req = (content: string) => ({ model: 'm', messages: [{ role: 'user', content }] });

  it('fail-open (default): a failed lookup or index write is a miss, the model answers', async () => {
    const llm = createLlmCache({ store, prefix: 'open:' });
    await llm.set(req('How do vaccines work?'), 'stored');
    down = true;
    try {
      let calls = 0;
      const r = await llm.getOrCall(req('Explain how vaccines work in the body.'), () => `fresh ${++calls}`);
      expect(r).toMatchObject({ stage: 'miss', value: 'fresh 1' });
      await r.pending;
      expect(await llm.get(req('Explain how vaccines work.'))).toBeUndefined();
    } finally {
      down = false;
    }
    expect(await llm.get(req('Explain how vaccines work.'))).toMatchObject({
      stage: 'semantic',
      value: 'stored',
    });
    await llm.close();
  });

  it('fail-closed: the store error reaches the caller with its code', async () => {
    const llm = createLlmCache({ store, prefix: 'closed:', onStoreError: 'fail-closed' });
    await llm.set(req('How do vaccines work?'), 'stored');
    down = true;
    try {
      await expectCode(llm.get(req('Explain how vaccines work in the body.')), 'E_CONNECTION');
    } finally {
      down = false;
    }
    await llm.close();
  });
});
