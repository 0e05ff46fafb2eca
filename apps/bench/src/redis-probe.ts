import { connect, type Socket } from 'node:net';
import { diffCommandStats, parseCommandStats } from '@raptorflow/testkit';
import type { BenchRedis } from './types.js';

/**
 * A side connection to the bench's Redis for measurements (INFO, MONITOR), separate from the
 * client under test. It speaks just enough RESP2 for AUTH, INFO and ECHO, and supports
 * credentials in `REDIS_URL` (redis://user:pass@host:port), which testkit's one-shot client does not.
 */
interface ProbeConnection {
  send(argv: readonly string[]): Promise<string | number | null>;
  close(): void;
}

const TIMEOUT_MS = 5000;

function encode(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** Parse one status, error, integer or bulk reply; undefined when more bytes are needed. */
function parseReply(buf: Buffer): { value: string | number | null | Error; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n');
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[0] as number);
  const line = buf.toString('utf8', 1, lineEnd);
  if (type === '+') return { value: line, end: lineEnd + 2 };
  if (type === '-') return { value: new Error(line), end: lineEnd + 2 };
  if (type === ':') return { value: Number(line), end: lineEnd + 2 };
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return { value: null, end: lineEnd + 2 };
    if (buf.length < lineEnd + 2 + len + 2) return undefined;
    return { value: buf.toString('utf8', lineEnd + 2, lineEnd + 2 + len), end: lineEnd + 4 + len };
  }
  throw new Error(`redis probe: unexpected reply type ${JSON.stringify(type)}`);
}

function openSocket(redis: BenchRedis): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: redis.host, port: redis.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis probe: no connection to ${redis.host}:${redis.port} in ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function authArgv(redis: BenchRedis): string[] | undefined {
  const url = new URL(redis.url);
  if (!url.password) return undefined;
  const password = decodeURIComponent(url.password);
  return url.username ? ['AUTH', decodeURIComponent(url.username), password] : ['AUTH', password];
}

async function openProbe(redis: BenchRedis): Promise<ProbeConnection> {
  const socket = await openSocket(redis);
  let buf = Buffer.alloc(0);
  let waiter: ((value: string | number | null | Error) => void) | undefined;
  socket.on('data', (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const parsed = parseReply(buf);
    if (!parsed || !waiter) return;
    buf = buf.subarray(parsed.end);
    const w = waiter;
    waiter = undefined;
    w(parsed.value);
  });
  const probe: ProbeConnection = {
    send(argv) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis probe: ${argv[0]} timed out`)), TIMEOUT_MS);
        waiter = (value) => {
          clearTimeout(timer);
          if (value instanceof Error) reject(value);
          else resolve(value);
        };
        socket.write(encode(argv));
      });
    },
    close() {
      socket.destroy();
    },
  };
  const auth = authArgv(redis);
  if (auth) await probe.send(auth);
  return probe;
}

/** Run one command on a fresh probe connection; the reply must be a string. */
export async function probeCommand(redis: BenchRedis, argv: readonly string[]): Promise<string> {
  const probe = await openProbe(redis);
  try {
    const reply = await probe.send(argv);
    if (typeof reply !== 'string') throw new Error(`redis probe: ${argv[0]} did not return a string`);
    return reply;
  } finally {
    probe.close();
  }
}

/** Read one `field:value` line of an INFO text. */
export function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return m?.[1]?.trim();
}

/** Counters read before and after a measured period. */
export interface RedisSnapshot {
  /** Calls per command name (lower case), script-internal calls included. */
  readonly commands: Map<string, number>;
  /** Server CPU used so far (user + sys), seconds. */
  readonly cpuSeconds: number;
}

/** Take one snapshot with a single `INFO cpu commandstats`. */
export async function snapshot(redis: BenchRedis): Promise<RedisSnapshot> {
  const info = await probeCommand(redis, ['INFO', 'cpu', 'commandstats']);
  const user = Number(infoField(info, 'used_cpu_user') ?? 0);
  const sys = Number(infoField(info, 'used_cpu_sys') ?? 0);
  return { commands: parseCommandStats(info), cpuSeconds: user + sys };
}

/** What happened on the server between two snapshots. */
export interface RedisDelta {
  /** Calls per command name, script-internal calls included, the probe's INFO and AUTH left out. */
  readonly commands: Map<string, number>;
  /** Server CPU used, seconds. */
  readonly cpuSeconds: number;
}

/** Difference of two {@link snapshot}s. */
export function diffSnapshots(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const commands = diffCommandStats(before.commands, after.commands);
  // The probe's own AUTH (credentials in REDIS_URL) is not part of the workload, like its INFO.
  commands.delete('auth');
  return { commands, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}

/** Commands seen through MONITOR, split by origin. */
export interface MonitorCount {
  /** Commands sent by clients, per name (lower case). */
  readonly client: Map<string, number>;
  /** Commands run by scripts (`redis.call` inside Lua), per name. */
  readonly script: Map<string, number>;
}

/**
 * Run `work` while a MONITOR connection watches, and count what it saw. MONITOR tags each
 * command with its origin (`[0 lua]` for `redis.call` inside a script), which INFO commandstats
 * cannot tell apart. It slows Redis down, so it runs outside the measured period.
 * A marker `ECHO` sent after `work` tells when the stream has caught up.
 */
export async function countWithMonitor(redis: BenchRedis, work: () => Promise<void>): Promise<MonitorCount> {
  const marker = `rf-bench-monitor-end-${process.pid}-${Date.now()}`;
  const client = new Map<string, number>();
  const script = new Map<string, number>();
  const auth = authArgv(redis);
  // AUTH (when credentials are set) and MONITOR each answer +OK before the stream starts.
  let oksLeft = auth ? 2 : 1;
  let pending = '';
  let ready: () => void = () => {};
  let caughtUp: () => void = () => {};
  let failed: (error: Error) => void = () => {};
  const readyP = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const caughtUpP = new Promise<void>((resolve) => {
    caughtUp = resolve;
  });
  const raw = await openSocket(redis);
  const echo = await openProbe(redis);
  try {
    raw.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      for (let nl = pending.indexOf('\r\n'); nl >= 0; nl = pending.indexOf('\r\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        if (oksLeft > 0) {
          if (line.startsWith('-')) failed(new Error(`redis probe: MONITOR refused: ${line.slice(1)}`));
          else if (--oksLeft === 0) ready();
          continue;
        }
        if (line.includes(marker)) {
          caughtUp();
          continue;
        }
        const m = /^\+[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
        if (!m) continue;
        const name = (m[2] as string).toLowerCase();
        const into = m[1] === 'lua' ? script : client;
        into.set(name, (into.get(name) ?? 0) + 1);
      }
    });
    if (auth) raw.write(encode(auth));
    raw.write(encode(['MONITOR']));
    await withTimeout(readyP, 'MONITOR');
    await work();
    await echo.send(['ECHO', marker]);
    await withTimeout(caughtUpP, 'MONITOR marker');
  } finally {
    raw.destroy();
    echo.close();
  }
  return { client, script };
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis probe: ${what} timed out`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
