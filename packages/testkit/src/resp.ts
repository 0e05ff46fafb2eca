import { type RedisReply, RespConnection } from './resp-connection.js';

/** A RESP2 reply as plain values; an error reply becomes an `Error`. */
export type RespValue = string | number | null | Error | RespValue[];

function toValue(reply: RedisReply): RespValue {
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map(toValue);
  return reply;
}

/**
 * Send one command on a fresh connection and return its reply (an error reply resolves as an
 * `Error`). For launchers and test assertions (INFO commandstats, CLUSTER INFO) with no
 * dependency on ioredis. Rejects when the server cannot be reached or does not answer in time.
 */
export async function respCommand(
  host: string,
  port: number,
  argv: readonly string[],
  timeoutMs = 2000,
): Promise<RespValue> {
  const connection = await RespConnection.connect(host, port, timeoutMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timeout after ${timeoutMs} ms talking to ${host}:${port}`)),
      timeoutMs,
    );
  });
  try {
    const [reply] = await Promise.race([connection.send([argv]), timeout]);
    return toValue(reply ?? null);
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}

/** Parse `INFO commandstats` into calls per command name (lower case). */
export function parseCommandStats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of info.split('\r\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

/** Calls per command on one server, from `INFO commandstats`. */
export async function commandStats(host: string, port: number): Promise<Map<string, number>> {
  const info = await respCommand(host, port, ['INFO', 'commandstats']);
  if (typeof info !== 'string') throw new Error('INFO commandstats did not return a string');
  return parseCommandStats(info);
}

/**
 * Difference of two commandstats snapshots, leaving out the `info` calls that took them,
 * `ping` (the ioredis adapter's subscriber connection sends a heartbeat PING every second or so,
 * which would land in a counted window at random) and `monitor` (a {@link countClientCommands}
 * counting inside the window, whose end marker is a PING).
 */
export function diffCommandStats(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, calls] of after) {
    if (name === 'info' || name === 'ping' || name === 'monitor') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) out.set(name, delta);
  }
  return out;
}

/**
 * Commands Redis ran while `run` ran, by lower-case name (`INFO commandstats` before and after;
 * the INFO calls themselves left out). Count on a server of the test's own: a shared one also
 * sees other files' commands.
 */
export async function countCommands(
  server: { readonly host: string; readonly port: number },
  run: () => Promise<unknown>,
): Promise<Record<string, number>> {
  const before = await commandStats(server.host, server.port);
  await run();
  return Object.fromEntries(diffCommandStats(before, await commandStats(server.host, server.port)));
}

/** Commands whose `INFO commandstats` name includes the subcommand (`script|load`). */
const CONTAINERS = new Set([
  'acl',
  'client',
  'cluster',
  'command',
  'config',
  'function',
  'latency',
  'memory',
  'module',
  'object',
  'pubsub',
  'script',
  'slowlog',
  'xinfo',
  'xgroup',
]);

/** The quoted arguments of one MONITOR line (`<time> [<db> <source>] "a" "b"`), unescaped enough for names. */
function monitorArgs(line: string, from: number): string[] {
  const args: string[] = [];
  const quoted = /"((?:[^"\\]|\\.)*)"/g;
  quoted.lastIndex = from;
  for (let m = quoted.exec(line); m !== null; m = quoted.exec(line)) args.push(m[1] as string);
  return args;
}

/**
 * The commands clients sent while `run` ran, by lower-case name as `INFO commandstats` spells
 * them (`evalsha`, `script|load`), without the ones scripts ran inside themselves: what each
 * call costs in commands on the wire (a pipeline's commands count one each). Read from MONITOR,
 * which marks a script's own calls with the source `lua`; `info` and `ping` (the ioredis
 * subscriber's heartbeat) are left out, as in {@link countCommands}. Decided by an end marker
 * (a PING with an argument) the server shows after everything `run` awaited, never by a timer.
 * Count on a server of the test's own. Rejects if the marker does not come back within
 * `timeoutMs`. Nest it in {@link countCommands} to have both counts of one window.
 */
export async function countClientCommands(
  server: { readonly host: string; readonly port: number },
  run: () => Promise<unknown>,
  timeoutMs = 10_000,
): Promise<Record<string, number>> {
  const monitor = await RespConnection.connect(server.host, server.port, timeoutMs);
  const marker = `raptorflow-count-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const counts: Record<string, number> = {};
  let seenMarker: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    seenMarker = resolve;
  });
  monitor.onPush = (reply) => {
    if (!Buffer.isBuffer(reply)) return;
    const line = reply.toString('utf8');
    if (line.includes(marker)) {
      seenMarker?.();
      return;
    }
    const close = line.indexOf('] ');
    if (close < 0 || / lua\]$/.test(line.slice(0, close + 1))) return;
    const [name, sub] = monitorArgs(line, close + 2).map((a) => a.toLowerCase());
    if (name === undefined || name === 'info' || name === 'ping') return;
    const key = CONTAINERS.has(name) && sub !== undefined ? `${name}|${sub}` : name;
    counts[key] = (counts[key] ?? 0) + 1;
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // MONITOR answers +OK once it is registered: every command after this is seen.
    await monitor.send([['MONITOR']]);
    await run();
    await respCommand(server.host, server.port, ['PING', marker], timeoutMs);
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`MONITOR did not show the end marker within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return counts;
  } finally {
    clearTimeout(timer);
    monitor.close();
  }
}
