import { describe, expect, inject, it } from 'vitest';
import { defineScript, type ScriptContext } from '../../src/index.js';
import { runScriptDifferential } from '../../src/testing/index.js';

/*
 * The harness itself: it passes a script whose twin agrees with its Lua (including expiry, on
 * the script's clock, and errors), and it fails one whose twin is off by one.
 */

const servers = inject('raptorflow');
let run = 0;
const keysOf = () => {
  run += 1;
  return [`difftest:{${process.pid}-${run}}:a`, `difftest:{${process.pid}-${run}}:b`];
};

// INCRBY KEYS[1] by ARGV[1], expiring ARGV[2] ms after the script's TIME; a ZADD of the count to
// KEYS[2]; replies [now, count]. A non-number increment is a Redis error.
const LUA = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], string.format('%d', now + ARGV[2]))
redis.call('ZADD', KEYS[2], c, 'm' .. c)
return { now, c }
`;

function twin(offset: number) {
  return (ctx: ScriptContext, keys: readonly string[], args: readonly string[]) => {
    const t = ctx.call('TIME') as string[];
    const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
    const c = (ctx.call('INCRBY', keys[0] as string, args[0] as string) as number) + offset;
    ctx.call('PEXPIREAT', keys[0] as string, String(now + Number(args[1])));
    ctx.call('ZADD', keys[1] as string, c, `m${c}`);
    return [now, c];
  };
}

const parse = (reply: unknown) => reply as [number, number];
const good = defineScript({ name: 'difftest-good', lua: LUA, twin: twin(0), parse });
const bad = defineScript({ name: 'difftest-bad', lua: LUA, twin: twin(1), parse });

// The pauses outlast the 5 ms expiries, so some calls find the counter gone.
const steps = [
  { args: ['2', '60000'] },
  { args: ['1', '5'], pauseMs: 3 },
  { args: ['x', '5'] },
  { args: ['1', '5'], pauseMs: 8 },
];

describe('runScriptDifferential', () => {
  it('passes a faithful twin: replies, error codes, values and expiries step by step', async () => {
    const { redis, memory } = await runScriptDifferential({
      redis: servers.redis,
      script: good,
      keys: keysOf(),
      steps,
      clockOf: (reply) => reply[0],
    });
    expect(memory).toEqual(redis);
    expect(redis[2]?.reply).toEqual({ error: 'E_NOT_A_NUMBER' });
    // The counter's expiry is compared as an instant, exactly.
    const [, , at] = Object.values(redis[0]?.dump ?? {})[0] ?? [];
    expect(at).toBe((redis[0]?.now ?? 0) + 60_000);
  });

  it('fails a twin that is off by one', async () => {
    await expect(
      runScriptDifferential({
        redis: servers.redis,
        script: bad,
        keys: keysOf(),
        steps: steps.slice(0, 1),
        clockOf: (reply) => reply[0],
      }),
    ).rejects.toThrow(/step/);
  });
});
