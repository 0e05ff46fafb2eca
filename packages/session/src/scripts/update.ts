import { defineScript, type Reply, type Script } from '@raptorflow/core';
import { LUA_LOAD, loadRecord } from './shared.js';

/**
 * Merge data members into a live session, atomically: set some, delete others, keep every other
 * member and the TTL as they are, so parallel updates of different fields all land
 * (express-session #606 lost them with whole-record writes). The merge works on the members'
 * text (`"name":<json>`, separated by `,\n`): no value is parsed, so none is altered.
 *
 * - KEYS[1]: the record.
 * - ARGV: the number of members to set, those members (`"name":<json>`, the name as
 *   JSON.stringify writes it), then the members to delete as `"name":`.
 * - Reply: 1, or 0 when there is no such session (nothing written: no resurrection).
 */
const LUA = `${LUA_LOAD}local v = loadRecord(KEYS[1])
if not v then return 0 end
-- A member's name as JSON text plus its colon: up to the first quote that is not escaped.
local function nameOf(m)
  local i = 2
  while true do
    local j = string.find(m, '["\\\\]', i)
    if not j then return m end
    if string.sub(m, j, j) == '"' then return string.sub(m, 1, j + 1) end
    i = j + 2
  end
end
local head, body = string.match(v, '^([^%z]*%z[^%z]*%z[^%z]*%z){(.*)}$')
local n = tonumber(ARGV[1])
local patch, placed, out = {}, {}, {}
for i = 2, n + 1 do patch[nameOf(ARGV[i])] = ARGV[i] end
for i = n + 2, #ARGV do patch[ARGV[i]] = false end
for m in string.gmatch(body .. ',\\n', '(.-),\\n') do
  if m ~= '' then
    local k = nameOf(m)
    local p = patch[k]
    if p == nil then out[#out + 1] = m
    elseif p then out[#out + 1] = p placed[k] = true end
  end
end
for i = 2, n + 1 do
  if not placed[nameOf(ARGV[i])] then out[#out + 1] = ARGV[i] end
end
redis.call('SET', KEYS[1], head .. '{' .. table.concat(out, ',\\n') .. '}', 'KEEPTTL')
return 1`;

/** The name part (`"name":`) of a member, as the Lua's `nameOf` finds it. */
function nameOf(m: string): string {
  let i = 1;
  for (;;) {
    const q = m.indexOf('"', i);
    const b = m.indexOf('\\', i);
    const j = b >= 0 && (q < 0 || b < q) ? b : q;
    if (j < 0) return m;
    if (m[j] === '"') return m.slice(0, j + 2);
    i = j + 2;
  }
}

/** The update script; see the Lua above and {@link encodeUpdateArgs}. */
export const UPDATE: Script<boolean> = defineScript({
  name: 'session-update',
  keys: 1,
  lua: LUA,
  twin: (ctx, keys, args) => {
    const record = keys[0] as string;
    const v = loadRecord(ctx, record);
    if (v === null) return 0;
    const m = /^([^\0]*\0[^\0]*\0[^\0]*\0)\{([\s\S]*)\}$/.exec(v);
    if (m === null) throw new Error('ERR session record: bad data');
    const n = Number(args[0]);
    const patch = new Map<string, string | false>();
    for (let i = 1; i <= n; i++) patch.set(nameOf(args[i] as string), args[i] as string);
    for (let i = n + 1; i < args.length; i++) patch.set(args[i] as string, false);
    const placed = new Set<string>();
    const out: string[] = [];
    for (const member of `${m[2]},\n`.split(',\n').slice(0, -1)) {
      if (member === '') continue;
      const k = nameOf(member);
      const p = patch.get(k);
      if (p === undefined) out.push(member);
      else if (p !== false) {
        out.push(p);
        placed.add(k);
      }
    }
    for (let i = 1; i <= n; i++) if (!placed.has(nameOf(args[i] as string))) out.push(args[i] as string);
    ctx.call('SET', record, `${m[1]}{${out.join(',\n')}}`, 'KEEPTTL');
    return 1;
  },
  parse: (reply: Reply) => Number(reply) === 1,
});

/** ARGV of {@link UPDATE}: the members to set (`"name":<json>`), then the names to delete (`"name":`). */
export function encodeUpdateArgs(set: readonly string[], remove: readonly string[]): string[] {
  return [String(set.length), ...set, ...remove];
}
