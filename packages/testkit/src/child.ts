import { type ChildProcess, spawn } from 'node:child_process';

/** Options of {@link runTsChild}. */
export interface RunTsChildOptions {
  /** Kill the child (by its PID) after this many ms and reject. @default 30000 */
  timeoutMs?: number;
  /** Working directory; `tsx` is resolved from here. @default process.cwd() */
  cwd?: string;
}

const running = new Set<ChildProcess>();

/**
 * Run a TypeScript file in a child Node process, reading workspace packages from source (tsx and
 * the `@raptorflow/source` condition), with `input` as its one JSON argument. Resolves to what the
 * child printed on stdout, parsed as JSON, when it exits 0; rejects with its stderr otherwise.
 * For tests that need several processes on one Redis (stampedes, rate limits, L1 invalidation).
 */
export function runTsChild<T>(file: string, input: unknown, options: RunTsChildOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@raptorflow/source', '--import', 'tsx', file, JSON.stringify(input)],
      { cwd: options.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.pid && process.kill(child.pid), options.timeoutMs ?? 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code !== 0) {
        reject(new Error(`${file} exited ${code ?? signal}: ${err.slice(0, 2000)}`));
        return;
      }
      try {
        resolve(JSON.parse(out.trim()) as T);
      } catch (error) {
        reject(new Error(`${file} printed no JSON: ${out.slice(0, 500)}`, { cause: error }));
      }
    });
  });
}

/** Kill every child {@link runTsChild} started that is still running (call it in `afterAll`). */
export function stopTsChildren(): void {
  for (const child of running) if (child.exitCode === null && child.pid) process.kill(child.pid);
  running.clear();
}
