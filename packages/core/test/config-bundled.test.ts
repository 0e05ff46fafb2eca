import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadIoredisAdapter } from '../src/config.js';
import { isKvError, KvError } from '../src/errors.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const run = promisify(execFile);

describe('kvFromEnv on ioredis when the adapter cannot be loaded', () => {
  it('turns a failed import into E_UNSUPPORTED naming what to install, the cause kept', async () => {
    const missing = Object.assign(new Error("Cannot find package 'ioredis' imported from /app/index.mjs"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await loadIoredisAdapter('REDIS_URL', () => Promise.reject(missing)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KvError);
    expect((error as KvError).code).toBe('E_UNSUPPORTED');
    expect((error as KvError).message).toMatch(
      /kvFromEnv: REDIS_URL: the ioredis adapter could not be loaded: install ioredis and keep @raptorflow\/core\/ioredis resolvable/,
    );
    expect((error as KvError).message).toMatch(/Cause: Cannot find package 'ioredis'/);
    expect((error as KvError).cause).toBe(missing);
  });

  it('returns the module when the import works', async () => {
    const module = { ioredisAdapter: () => undefined };
    await expect(loadIoredisAdapter('REDIS_URL', () => Promise.resolve(module))).resolves.toBe(module);
  });

  it('an app bundled with esbuild (core inlined, no node_modules) gets the KvError, not ERR_MODULE_NOT_FOUND', async () => {
    // The Lambda-style build of the newcomer check: everything inlined into one file, run elsewhere.
    const dir = await mkdtemp(join(tmpdir(), 'raptorflow-bundled-'));
    try {
      const probe = `
import { isKvError, kvFromEnv } from './index.ts';
try {
  await kvFromEnv({ REDIS_URL: process.env.REDIS_URL });
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ kvError: isKvError(error), code: error.code, message: error.message }));
}`;
      await build({
        stdin: { contents: probe, resolveDir: SRC, loader: 'ts' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        conditions: ['@raptorflow/source'],
        outfile: join(dir, 'index.mjs'),
        logLevel: 'silent',
      });
      const { stdout } = await run(process.execPath, [join(dir, 'index.mjs')], {
        cwd: dir,
        env: { PATH: process.env.PATH, REDIS_URL: 'redis://127.0.0.1:1' },
        timeout: 15_000,
      });
      const result = JSON.parse(stdout.trim()) as { kvError?: boolean; code?: string; message?: string };
      expect(result).toMatchObject({ kvError: true, code: 'E_UNSUPPORTED' });
      expect(result.message).toMatch(
        /kvFromEnv: REDIS_URL: the ioredis adapter could not be loaded: install ioredis/,
      );
      expect(result.message).toMatch(/Cause: Cannot find package '@raptorflow\/core'/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('isKvError recognises the error', async () => {
    const error = await loadIoredisAdapter('KV_ADAPTER', () => Promise.reject(new Error('x'))).catch(
      (e: unknown) => e,
    );
    expect(isKvError(error)).toBe(true);
    expect((error as Error).message).toMatch(/kvFromEnv: KV_ADAPTER: /);
  });
});
