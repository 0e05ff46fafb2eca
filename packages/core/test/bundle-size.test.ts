import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { type Options as TsupOptions, build as tsup } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The budget of core's README ("Edge bundles and bundle size"): an edge app on the memory store,
 * the Upstash adapter and ratelimit, minified and gzipped (level 9), every dependency bundled.
 */
const BUDGET_GZIP_BYTES = 80_000;

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

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

interface Manifest {
  sideEffects?: boolean;
  exports: Record<string, string | { default?: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

let out: string;

/**
 * Build a package as `pnpm build` does (its own tsup config: entries, chunks, externals) into a
 * temp dir, so the size is that of the published `dist`, not of the sources.
 */
async function buildPackage(name: 'core' | 'ratelimit'): Promise<Manifest> {
  const dir = `${PACKAGES}${name}/`;
  const manifest = JSON.parse(await readFile(`${dir}package.json`, 'utf8')) as Manifest;
  const config = ((await import(pathToFileURL(`${dir}tsup.config.ts`).href)) as { default: TsupOptions })
    .default;
  const entry = Object.fromEntries(
    Object.entries(config.entry as Record<string, string>).map(([k, file]) => [k, `${dir}${file}`]),
  );
  await tsup({
    ...config,
    config: false,
    entry,
    outDir: join(out, name),
    sourcemap: false,
    silent: true,
    // tsup takes dependencies and peers from the package.json of the working directory: name them.
    external: [
      ...(config.external ?? []),
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ],
  });
  // The built files sit beside their package.json, as in node_modules: a bundler reads its
  // `sideEffects: false` and drops the chunks an app does not use (and their imports: lz-string).
  await writeFile(join(out, name, 'package.json'), JSON.stringify(manifest));
  return manifest;
}

/** `@raptorflow/<pkg>[/sub]` to the built file its exports map names; third-party packages resolve normally. */
function builtPackages(manifests: Record<string, Manifest>): Plugin {
  return {
    name: 'built-workspace-packages',
    setup(b) {
      b.onResolve({ filter: /^@raptorflow\// }, (args) => {
        const [, name, sub] = /^@raptorflow\/([^/]+)(\/.*)?$/.exec(args.path) ?? [];
        const target = manifests[name as string]?.exports[`.${sub ?? ''}`];
        const file = typeof target === 'string' ? target : target?.default;
        if (!file) return { errors: [{ text: `no export for ${args.path}` }] };
        return { path: join(out, name as string, file.replace(/^\.\/dist\//, '')) };
      });
    },
  };
}

describe('bundle size', () => {
  let manifests: Record<string, Manifest>;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'raptorflow-bundle-size-'));
    manifests = { core: await buildPackage('core'), ratelimit: await buildPackage('ratelimit') };
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it(`memory store + @raptorflow/core/upstash + @raptorflow/ratelimit: at most ${BUDGET_GZIP_BYTES / 1000} kB gzip`, async () => {
    const result = await build({
      stdin: { contents: APP, resolveDir: out, loader: 'ts' },
      bundle: true,
      minify: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      plugins: [builtPackages(manifests)],
      // The built files sit in a temp dir: their dependencies resolve from the packages' node_modules.
      nodePaths: [`${PACKAGES}core/node_modules`, `${PACKAGES}ratelimit/node_modules`],
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
        /raptorflow-bundle-size-[^/]+\/([^/]+)\//.exec(file)?.[1] ??
        file;
      byPackage[name] = (byPackage[name] ?? 0) + input.bytesInOutput;
    }
    const breakdown = Object.entries(byPackage)
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => `${name} ${(bytes / 1000).toFixed(1)} kB`)
      .join(', ');
    const report = `${(minified / 1000).toFixed(1)} kB minified, ${(gzip / 1000).toFixed(1)} kB gzip (${breakdown})`;

    // The built packages and the dependencies really are in the bundle (nothing left external).
    expect(Object.keys(byPackage)).toEqual(
      expect.arrayContaining(['core', 'ratelimit', 'zod', '@noble/hashes', 'ipaddr.js', 'sorted-btree']),
    );
    // Ratelimit's block cache is a bounded Map of its own: lru-cache is not in an edge app that
    // does not ask for it (core's L1 layer, which uses it, is not imported here).
    expect(Object.keys(byPackage)).not.toContain('lru-cache');
    console.log(`bundle size: ${report}`);
    expect(gzip, `over budget: ${report}`).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });
});
