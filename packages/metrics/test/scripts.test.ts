import { scriptSha } from '@raptorflow/core';
import { runScriptDifferential } from '@raptorflow/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUsageRows, METRICS_SCRIPTS, USAGE_RECORD, type UsageRow } from '../src/index.js';
import { testServers } from './servers.js';

const servers = testServers();
let run = 0;

describe('scripts', () => {
  it('each declares its keys, has a package-scoped name and the SHA of its Lua', () => {
    expect(METRICS_SCRIPTS.length).toBeGreaterThan(0);
    for (const script of METRICS_SCRIPTS) {
      expect(script.name).toMatch(/^metrics-[a-z-]+$/);
      expect(script.keys).toBeTypeOf('number');
      expect(script.sha).toBe(scriptSha(script.lua));
    }
  });

  it('encodes ARGV as strings: two retentions, then rows of six', () => {
    expect(
      encodeUsageRows(1000, 2000, [
        { kind: '', model: 'm', inputTokens: 1, outputTokens: 2, costMicros: 3, calls: 1 },
        { kind: 'saved:', model: '', inputTokens: 0, outputTokens: 0, costMicros: 5, calls: 2 },
      ]),
    ).toEqual(['1000', '2000', '', 'm', '1', '2', '3', '1', 'saved:', '', '0', '0', '5', '2']);
  });
});

const row: fc.Arbitrary<UsageRow> = fc.record({
  kind: fc.constantFrom('' as const, 'saved:' as const),
  model: fc.constantFrom('', 'gpt-4o', 'ft:gpt-4o:org:x', 'claude'),
  inputTokens: fc.integer({ min: 0, max: 100_000 }),
  outputTokens: fc.integer({ min: 0, max: 10_000 }),
  costMicros: fc.integer({ min: 0, max: 5_000_000 }),
  calls: fc.integer({ min: 1, max: 3 }),
});

describe('differential: memory twin vs Lua on redis-server', () => {
  it('USAGE_RECORD: identical replies, hashes and expiry instants step by step', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(row, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        // Retentions are days in use; at least a minute here, so no key expires between a call and its dump.
        fc.integer({ min: 60_000, max: 100_000_000 }),
        async (steps, ttl) => {
          run += 1;
          const tag = `{usagediff-${process.pid}-${run}}`;
          await runScriptDifferential({
            redis: servers.redis,
            script: USAGE_RECORD,
            keys: [`${tag}:d`, `${tag}:m`],
            steps: steps.map((rows) => ({ args: encodeUsageRows(ttl, ttl * 2, rows) })),
            clockOf: (now: number) => now,
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it('refuses a hash field that is not a number the same way on both sides', async () => {
    run += 1;
    const tag = `{usagediff-${process.pid}-${run}}`;
    const { redis } = await runScriptDifferential({
      redis: servers.redis,
      script: USAGE_RECORD,
      keys: [`${tag}:d`, `${tag}:m`],
      setup: async (store) => {
        await store.hset(`${tag}:d`, { in: 'text' });
      },
      steps: [
        {
          args: encodeUsageRows(1000, 1000, [
            { kind: '', model: '', inputTokens: 1, outputTokens: 0, costMicros: 0, calls: 1 },
          ]),
        },
      ],
      clockOf: (now: number) => now,
    });
    expect(redis[0]?.reply).toHaveProperty('error');
  });
});
