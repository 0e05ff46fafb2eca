/**
 * The fixed-window counter of research/perf-anchors.md (what redis-benchmark measured as
 * EVALSHA): INCR, and PEXPIRE when the window opens; returns the count. Its own module so the
 * raw ioredis baseline can use the same text without loading @raptorflow/core.
 */
export const FIXED_WINDOW_LUA: string = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c`;

/** Window length passed to the script, ms: long enough that no window ends during a run. */
export const WINDOW_MS = 60_000;
