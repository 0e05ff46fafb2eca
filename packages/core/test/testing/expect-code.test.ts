import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/errors.js';
import { expectCode } from '../../src/testing/conformance.js';

/** `expectCode` asserts without a runner's `expect`, so it must fail on its own in every wrong case. */
describe('expectCode', () => {
  it('passes on a KvError of the code', async () => {
    await expect(
      expectCode(Promise.reject(new KvError('E_WRONG_TYPE', 'x')), 'E_WRONG_TYPE'),
    ).resolves.toBeUndefined();
  });

  it('fails when the promise resolves', async () => {
    await expect(expectCode(Promise.resolve(1), 'E_WRONG_TYPE')).rejects.toThrow(
      /E_WRONG_TYPE, but the promise resolved/,
    );
  });

  it('fails on another error or another code, naming what came', async () => {
    await expect(expectCode(Promise.reject(new TypeError('boom')), 'E_WRONG_TYPE')).rejects.toThrow(
      /got TypeError: boom/,
    );
    await expect(
      expectCode(Promise.reject(new KvError('E_INVALID_ARGUMENT', 'bad')), 'E_WRONG_TYPE'),
    ).rejects.toThrow(/got E_INVALID_ARGUMENT: .*bad/);
  });
});
