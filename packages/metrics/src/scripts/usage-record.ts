import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { asInteger } from '@raptorflow/core/driver';

/** Fields of one usage row in ARGV, after the two TTLs. */
const ROW = 6;

/**
 * Add usage rows to a workspace's day hash and month hash, and push both expiries out.
 *
 * - KEYS[1]: the day hash, KEYS[2]: the month hash (one hash tag: the workspace).
 * - ARGV[1], ARGV[2]: retention of the day and month hash, ms (each expires that long after its
 *   last write, on the store's clock).
 * - Then rows of 6: kind (`''` for usage, `'saved:'` for savings), model (`''` for none), input
 *   tokens, output tokens, cost in micro-units, calls: whole numbers {@link encodeUsageRows} checked.
 * - Each row adds to `<kind>in`, `<kind>out`, `<kind>cost`, `<kind>calls`, and with a model to
 *   `model:<model>:<kind>in` ... (`HINCRBY`: exact under any number of concurrent writers).
 * - Reply: the store's time, ms.
 */
const LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fields = { 'in', 'out', 'cost', 'calls' }
for k = 1, 2 do
  local key = KEYS[k]
  for b = 3, #ARGV, ${ROW} do
    local kind = ARGV[b]
    local model = ARGV[b + 1]
    for f = 1, 4 do
      local by = ARGV[b + 1 + f]
      if by ~= '0' then
        redis.call('HINCRBY', key, kind .. fields[f], by)
        if model ~= '' then redis.call('HINCRBY', key, 'model:' .. model .. ':' .. kind .. fields[f], by) end
      end
    end
  end
  redis.call('PEXPIREAT', key, now + tonumber(ARGV[k]))
end
return now`;

const FIELDS = ['in', 'out', 'cost', 'calls'] as const;

/** The usage script; see the Lua above. */
export const USAGE_RECORD: Script<number> = defineScript({
  name: 'metrics-usage-record',
  keys: 2,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const time = ctx.call('TIME') as string[];
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    for (let k = 0; k < 2; k++) {
      const key = keys[k] as string;
      for (let b = 2; b < args.length; b += ROW) {
        const kind = args[b] as string;
        const model = args[b + 1] as string;
        for (let f = 0; f < 4; f++) {
          const by = args[b + 2 + f] as string;
          if (by === '0') continue;
          ctx.call('HINCRBY', key, kind + FIELDS[f], by);
          if (model !== '') ctx.call('HINCRBY', key, `model:${model}:${kind}${FIELDS[f]}`, by);
        }
      }
      ctx.call('PEXPIREAT', key, String(now + Number(args[k])));
    }
    return now;
  },
  parse: parseUsageRecordReply,
});

/** One aggregated row of {@link USAGE_RECORD}. */
export interface UsageRow {
  /** `''` for usage, `'saved:'` for savings. */
  readonly kind: '' | 'saved:';
  /** The model, `''` for none. */
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Cost in micro-units (1e-6 of the currency). */
  readonly costMicros: number;
  readonly calls: number;
}

/** ARGV of {@link USAGE_RECORD}: the two retentions (ms), then the rows. */
export function encodeUsageRows(dayTtlMs: number, monthTtlMs: number, rows: readonly UsageRow[]): string[] {
  const out = [String(dayTtlMs), String(monthTtlMs)];
  for (const r of rows) {
    out.push(
      r.kind,
      r.model,
      String(r.inputTokens),
      String(r.outputTokens),
      String(r.costMicros),
      String(r.calls),
    );
  }
  return out;
}

/** The reply of {@link USAGE_RECORD}: the store's time, ms. */
export function parseUsageRecordReply(reply: Reply): number {
  return asInteger(reply);
}
