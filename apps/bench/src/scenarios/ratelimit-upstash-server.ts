import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A local Upstash-compatible REST server in its own process (so its CPU is not the bench's). */
export interface LocalUpstash {
  readonly url: string;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * Start testkit's `raptorflow-upstash-local` in front of `redisUrl`, on a free port, in a child
 * process (run from source through tsx). Resolves once it prints its address; the process is
 * stopped by its PID.
 */
export function startLocalUpstash(redisUrl: string): Promise<LocalUpstash> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('@raptorflow/testkit/package.json')), 'src/upstash/cli.ts');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--conditions=@raptorflow/source',
      '--import',
      'tsx',
      cli,
      '--redis',
      redisUrl,
      '--port',
      '0',
      '--token',
      'bench',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid);
      reject(new Error('the local Upstash server did not start within 20 s'));
    }, 20_000);
    child.on('exit', (code) => reject(new Error(`the local Upstash server exited (${code})`)));
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const m = /UPSTASH_REDIS_REST_URL=(\S+) UPSTASH_REDIS_REST_TOKEN=(\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1] as string,
        token: m[2] as string,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || !child.pid) return done();
            child.removeAllListeners('exit');
            child.on('exit', () => done());
            process.kill(child.pid);
          }),
      });
    });
  });
}
