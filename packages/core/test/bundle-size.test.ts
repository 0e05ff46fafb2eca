import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The budget of core's README ("Bundle size"): an edge app on the memory store, the Upstash
 * adapter and ratelimit, minified and gzipped (level 9), every dependency bundled.
 */
const BUDGET_GZIP_BYTES = 80_000;

const RATELIMIT_SRC = fileURLToPath(new URL('../../ratelimit/src/', import.meta.url));

/** A Workers-style handler: memory or Upstash by env, a limiter, its fetch middleware, the client-IP helpers. */
const APP = `
import { memoryAdapter } from '@raptorflow/core';
import { upstashAdapter } from '@raptorflow/core/upstash';
import { clientAddress, createRateLimiter, fetchRateLimit, ipKey } from '@raptorflow/ratelimit';
export default {
  async fetch(request, env) {
    const store = env.URL ? upstashAdapter({ url: env.URL, token: env.TOKEN }) : memoryAdapter();
    const limiter = createRateLimiter({ store, limit: 3, window: '10s' });
    const key = (r) => ipKey(clientAddress({ request: r }) ?? '0.0.0.0');
    return (await fetchRateLimit(limiter, { key })(request)) ?? new Response('ok');
  },
};`;

describe('bundle size', () => {
  it(`memory store + @raptorflow/core/upstash + @raptorflow/ratelimit: at most ${BUDGET_GZIP_BYTES / 1000} kB gzip`, async () => {
    const result = await build({
      stdin: { contents: APP, resolveDir: RATELIMIT_SRC, loader: 'ts' },
      bundle: true,
      minify: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      // Workspace packages from their sources; every third-party dependency bundled for real.
      conditions: ['@raptorflow/source'],
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error('esbuild wrote no output');
    const minified = output.contents.byteLength;
    const gzip = gzipSync(output.contents, { level: 9 }).byteLength;

    // Where the bytes are, for the failure message: minified bytes per package.
    const byPackage: Record<string, number> = {};
    for (const [file, input] of Object.entries(Object.values(result.metafile.outputs)[0]?.inputs ?? {})) {
      const name =
        /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(file)?.[1] ??
        /packages\/([^/]+)\//.exec(file)?.[1] ??
        file;
      byPackage[name] = (byPackage[name] ?? 0) + input.bytesInOutput;
    }
    const breakdown = Object.entries(byPackage)
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => `${name} ${(bytes / 1000).toFixed(1)} kB`)
      .join(', ');
    const report = `${(minified / 1000).toFixed(1)} kB minified, ${(gzip / 1000).toFixed(1)} kB gzip (${breakdown})`;

    // The dependencies really are in the bundle (nothing left external).
    expect(Object.keys(byPackage)).toEqual(
      expect.arrayContaining(['zod', 'lru-cache', 'ipaddr.js', 'sorted-btree']),
    );
    expect(gzip, `over budget: ${report}`).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });
});
