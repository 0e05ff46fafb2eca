import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
/** The CLI from source, as a child process: tsx, with workspace packages read from their sources. */
export const NODE_ARGS: string[] = ['--conditions=@raptorflow/source', '--import', 'tsx', BIN];

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `raptorflow …` to its end. `env` is added to a clean environment (no app variables leak in). */
export function cli(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...NODE_ARGS, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Start `raptorflow …` and hand back the child (for Ctrl-C tests). */
export function startCli(
  args: readonly string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

interface Servers {
  redis: { url: string };
  cluster: { nodes: Array<{ host: string; port: number }> };
  upstash: { url: string; token: string };
}

/** The test servers of the global setup, as the URLs the CLI takes. */
export function servers(): { redis: string; cluster: string; upstash: string; token: string } {
  const s = (inject as (key: string) => unknown)('raptorflow') as Servers;
  return {
    redis: s.redis.url,
    cluster: `redis-cluster://${s.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    upstash: s.upstash.url,
    token: s.upstash.token,
  };
}

/** A random key prefix for one test (the Redis server is shared with other test files). */
export const randomPrefix = (tag: string): string => `cli-${tag}-${Math.random().toString(36).slice(2, 10)}:`;

/**
 * Run the same program in this process (`run(argv, io)`, what bin.ts calls): for the per-command
 * tests, where a child process per call would cost seconds of start-up each. The proofs spawn.
 */
export async function runIn(args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  const { run } = await import('../src/index.js');
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { NODE_ENV: 'test', ...env },
  });
  return { code, stdout: out.map((l) => `${l}\n`).join(''), stderr: err.map((l) => `${l}\n`).join('') };
}
