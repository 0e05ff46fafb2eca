import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './ports.js';
import { respCommand } from './resp.js';

const execFileAsync = promisify(execFile);

/** The command a user runs to get `redis-server` on Debian or Ubuntu. */
export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server   (or: brew install redis)';

/** A `redis-server` started by testkit. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Stop this server (SIGTERM, then SIGKILL) and remove its directory. */
  stop(): Promise<void>;
  /** Kill it hard (SIGKILL), keeping port and directory, for fault tests. */
  kill(): Promise<void>;
  /** Start it again on the same port after {@link kill}. */
  restart(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Port to use. @default a free loopback port */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: string[];
  /** Path to the binary. @default `redis-server` on the PATH */
  binary?: string;
  /** Give up waiting for the server after this many ms. @default 10000 */
  startTimeoutMs?: number;
}

/** Resolve the `redis-server` binary or throw an error that says how to install it. */
export async function findRedisServer(binary = 'redis-server'): Promise<string> {
  try {
    const { stdout } = await execFileAsync(binary, ['--version']);
    if (!stdout.includes('Redis server')) throw new Error(stdout);
    return binary;
  } catch {
    throw new Error(`redis-server was not found on the PATH. Install it: ${REDIS_INSTALL_HINT}`);
  }
}

async function waitForPing(
  host: string,
  port: number,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    try {
      if ((await respCommand(host, port, ['PING'], 500)) === 'PONG') return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Start `redis-server` on a loopback port in a fresh temporary directory, with persistence off.
 * Only the process started here is ever stopped, by its PID.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = await findRedisServer(options.binary);
  const host = '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'raptorflow-redis-'));
  let port = options.port ?? (await findFreePort());
  let child: ChildProcess | undefined;

  const launch = async (): Promise<ChildProcess> => {
    const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir];
    args.push('--daemonize', 'no', '--loglevel', 'warning', ...(options.args ?? []));
    const proc = spawn(binary, args, { stdio: 'ignore' });
    proc.unref();
    await waitForPing(host, port, proc, options.startTimeoutMs ?? 10000);
    return proc;
  };

  for (let attempt = 0; ; attempt++) {
    try {
      child = await launch();
      break;
    } catch (error) {
      if (options.port !== undefined || attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      port = await findFreePort();
    }
  }

  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    get pid() {
      return child?.pid ?? -1;
    },
    async stop() {
      if (child) await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      if (!child || child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child?.once('exit', () => resolve());
        child?.kill('SIGKILL');
      });
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) await stopChild(child);
      child = await launch();
    },
  };
}
