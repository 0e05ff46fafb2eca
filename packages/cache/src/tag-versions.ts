import { KvError } from '@raptorflow/core';

/**
 * Tag versions: a tag is two counters, soft and hard (`t:s:<tag>`, `t:h:<tag>`), made by INCRBY,
 * so a version is a whole number; an absent counter is `0`. An entry records `<soft>.<hard>` per
 * tag. This is the one place (with its Lua twin {@link LUA_TAG_VERSION}) that reads a counter,
 * for the store backend's scripts and for the L1 backend's plain reads alike.
 *
 * A counter that holds anything else (`"x,y"`, planted by hand or by a foreign writer) reads as
 * {@link CORRUPT_VERSION}: every entry tagged with it is a miss reported as a `decode-error`,
 * and the next write that fills in the tag's versions repairs the counter (see {@link repairVersion}).
 * Left as it was, `"x,y"` split the versions field at its comma and every tagged entry became a
 * silent miss after a successful set.
 */
export const CORRUPT_VERSION: string = '?';

const COUNTER = /^[0-9]{1,19}$/;

/** One counter's version: its value when it is a whole number, `0` when absent, else {@link CORRUPT_VERSION}. */
export function counterVersion(value: string | null | undefined): string {
  if (value == null) return '0';
  return COUNTER.test(value) ? value : CORRUPT_VERSION;
}

/** The `<soft>.<hard>` version of a tag from its two counters' stored values. */
export function tagVersion(soft: string | null | undefined, hard: string | null | undefined): string {
  return `${counterVersion(soft)}.${counterVersion(hard)}`;
}

/** True when a version (or a `,`-joined list of them) holds a corrupt counter. */
export function hasCorruptVersion(versions: string): boolean {
  return versions.includes(CORRUPT_VERSION);
}

/**
 * The value a corrupt counter is reset to: microseconds since the epoch, a whole number no
 * INCRBY-made counter reaches (1.7e15, below INCRBY's 9.2e18 limit), so no entry recorded under
 * an older version is ever served again by the repair. Two processes repairing at once may set
 * different values: entries written under the loser's read as misses and are computed again.
 */
export function repairVersion(nowMs: number): string {
  return String(Math.floor(nowMs) * 1000 + Math.floor(Math.random() * 1000));
}

/** The error a read reports (as a `decode-error` event) for an entry whose tag counter is corrupt. */
export function corruptVersionError(): KvError {
  return new KvError(
    'E_CODEC',
    'cache tag version: a tag counter is not a whole number; the entry is a miss',
  );
}

/**
 * Lua twin of {@link counterVersion} and {@link tagVersion}, spliced into the scripts: `ver(tag)`
 * reads, `fixver(tag)` reads and resets a corrupt counter to the store's time in microseconds
 * (the write path, so the entry it writes records a valid version).
 */
export const LUA_TAG_VERSION: string = `
local function counter(v)
  if not v then return '0' end
  if string.match(v, '^%d+$') and #v <= 19 then return v end
  return '${CORRUPT_VERSION}'
end
local function ver(tag)
  return counter(redis.call('GET', KEYS[3] .. 's:' .. tag)) .. '.' .. counter(redis.call('GET', KEYS[3] .. 'h:' .. tag))
end
local function fixone(key)
  local v = counter(redis.call('GET', key))
  if v ~= '${CORRUPT_VERSION}' then return v end
  local t = redis.call('TIME')
  v = t[1] .. string.format('%06d', tonumber(t[2]))
  redis.call('SET', key, v)
  return v
end
local function fixver(tag)
  return fixone(KEYS[3] .. 's:' .. tag) .. '.' .. fixone(KEYS[3] .. 'h:' .. tag)
end
`;
