import type { KvStore } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { dataText, encodeData } from '../src/data.js';
import { encodeUpdateArgs, formatRecord, parseRecord, UPDATE } from '../src/index.js';

/*
 * The in-script merge of `update` on random data: any field names (quotes, backslashes, control
 * characters, non-BMP text) and any JSON values. On redis-server and on the memory twin (the
 * differential asserts they agree step by step), the record's data after the patches equals the
 * object merge, value for value: nothing is lost or altered by merging JSON text.
 */

const servers = inject('raptorflow');
const HOUR = 3_600_000;
const name = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 8 })
  .filter((s) => s.isWellFormed() && !s.includes('\0'));
const record = fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 });
const patch = fc.dictionary(name, fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), {
  maxKeys: 5,
});

describe('update merges JSON members losslessly (random data, Lua and twin)', () => {
  it('the merged data equals the object merge', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(record, fc.array(patch, { minLength: 1, maxLength: 3 }), async (start, patches) => {
        run += 1;
        const key = `sessmerge:{${process.pid}-${run}}:s:${'a'.repeat(64)}`;
        const base = Date.now();
        const head = {
          t: String(base),
          e: String(base + HOUR),
          x: String(base + HOUR),
          i: String(HOUR),
          c: String(base),
          h: 'c'.repeat(64),
          f: '',
        };
        const { redis } = await runScriptDifferential({
          redis: servers.redis,
          script: UPDATE,
          keys: [key],
          compareExpiry: false,
          steps: patches.map((p) => {
            const { set, remove } = encodeData('update', p);
            return { args: encodeUpdateArgs(set, remove) };
          }),
          setup: async (store: KvStore) => {
            await store.set(key, formatRecord(head, '', 'u', dataText(encodeData('create', start).set)));
          },
        });
        const expected: Record<string, unknown> = JSON.parse(JSON.stringify(start));
        for (const p of patches) {
          for (const [k, v] of Object.entries(p)) {
            if (v === undefined) delete expected[k];
            else expected[k] = JSON.parse(JSON.stringify(v));
          }
        }
        const last = redis[redis.length - 1]?.dump[key];
        const stored = String(Array.isArray(last) ? last[1] : last);
        expect(JSON.parse(parseRecord('test', stored).data)).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});
