import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const SRC = `${PACKAGES}core/src/`;
/** Workspace packages resolve to their sources through this export condition (no build needed). */
const SOURCE = '@raptorflow/source';

/** Free (global) references that do not exist on edge runtimes; `globalThis.process?.env` is a guarded member access and allowed. */
const FORBIDDEN_GLOBALS = ['process', 'Buffer', 'require', '__dirname', '__filename', 'setImmediate'];
const MARK = '__EDGE_FORBIDDEN_';
const BUILTINS = new Set(builtinModules);

/**
 * The two ways edge code is bundled, with every dependency followed (nothing external):
 * - browser: esbuild's browser platform (Vercel Edge, Deno Deploy, most Workers setups);
 * - workers: a neutral platform resolving as Cloudflare's bundler does, with the `worker` and
 *   `browser` export conditions and the browser/module/main fields (CommonJS-only dependencies
 *   such as lz-string, ipaddr.js and sorted-btree have only `main`).
 */
const TARGETS = {
  browser: { platform: 'browser', conditions: [SOURCE] },
  workers: {
    platform: 'neutral',
    conditions: ['worker', 'browser', SOURCE],
    mainFields: ['browser', 'module', 'main'],
  },
} satisfies Record<string, BuildOptions>;
type Target = keyof typeof TARGETS;

/** A Workers-style app on every edge-facing entry: memory and Upstash stores, ratelimit, cache. */
const EDGE_APP = `
import { memoryAdapter, jsonCodec, compressedCodec, withL1 } from '@raptorflow/core';
import { upstashAdapter } from '@raptorflow/core/upstash';
import { createRateLimiter, fetchRateLimit, ipKey, clientAddress } from '@raptorflow/ratelimit';
import { createCache } from './index.ts';
export default {
  async fetch(request, env) {
    const store = env.URL ? withL1(upstashAdapter({ url: env.URL, token: env.TOKEN })) : memoryAdapter();
    const limiter = createRateLimiter({ store, limit: 3, window: '10s' });
    const cache = createCache({ store });
    const key = (r) => ipKey(clientAddress({ request: r }) ?? '0.0.0.0');
    const limited = await fetchRateLimit(limiter, { key })(request);
    const body = await cache.getOrSet('k', async () => compressedCodec(jsonCodec()).encode({ a: 1 }));
    return limited ?? new Response(body);
  },
};`;

interface Bundle {
  text: string;
  /** Node built-in modules imported anywhere in the bundle, dependencies included. */
  builtins: string[];
  /** The packages (node_modules) that went into the bundle. */
  packages: string[];
}

type Entry = { file: string } | { app: string; dir: string };

/**
 * Bundle an entry for a target with its real dependencies. Node built-ins are recorded and left
 * external (a browser build would otherwise just fail on the first one); forbidden globals are
 * renamed through `define` so any free reference to them shows up in the output.
 */
async function bundle(entry: Entry, target: BuildOptions, treeShaking = false): Promise<Bundle> {
  const builtins: string[] = [];
  const record: Plugin = {
    name: 'record-builtins',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const bare = args.path.replace(/^node:/, '').split('/')[0] as string;
        if (!args.path.startsWith('node:') && !BUILTINS.has(bare)) return undefined;
        builtins.push(args.path);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.app, resolveDir: entry.dir, loader: 'ts' as const } }),
    ...target,
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    metafile: true,
    // Dead code counts too: a reference tree-shaken here could be live in another bundler's output.
    treeShaking,
    plugins: [record],
    define: Object.fromEntries(FORBIDDEN_GLOBALS.map((g) => [g, `${MARK}${g}`])),
  });
  const text = result.outputFiles.map((f) => f.text).join('\n');
  const packages = Object.keys(result.metafile.inputs)
    .map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined);
  return { text, builtins: [...new Set(builtins)], packages: [...new Set(packages)].sort() };
}

/**
 * Free references to forbidden globals, less the guarded reads: `typeof process`, and the
 * `typeof process == "object" && process ? process : {}` idiom (lru-cache's browser build has it).
 */
function forbiddenGlobals(text: string): string[] {
  const unguarded = text
    .replace(new RegExp(`typeof ${MARK}(\\w+) *[!=]==? *"\\w+" *&& *${MARK}\\1 *\\? *${MARK}\\1\\b`, 'g'), '')
    .replace(new RegExp(`typeof ${MARK}\\w+`, 'g'), '');
  return [...new Set([...unguarded.matchAll(new RegExp(`${MARK}(\\w+)`, 'g'))].map((m) => m[1] as string))];
}

/** `node:` specifiers left in the output, static or dynamic (`import("node:…")`). */
function nodeSpecifiers(text: string): string[] {
  return [...new Set([...text.matchAll(/["'`](node:[\w/]+)["'`]/g)].map((m) => m[1] as string))];
}

const ENTRIES: [string, Entry][] = [
  ['core main entry', { file: `${SRC}index.ts` }],
  ['@raptorflow/core/driver', { file: `${SRC}driver/index.ts` }],
  ['@raptorflow/core/upstash', { file: `${SRC}adapters/upstash.ts` }],
  ['@raptorflow/core/kit', { file: `${SRC}kit/index.ts` }],
  ['@raptorflow/core/codecs (encryptedCodec: Web Crypto)', { file: `${SRC}codecs.ts` }],
  ['@raptorflow/ratelimit', { file: `${PACKAGES}ratelimit/src/index.ts` }],
  ['@raptorflow/cache', { file: `${PACKAGES}cache/src/index.ts` }],
  [
    'a Workers app (memory, upstash, withL1, ratelimit, cache)',
    { app: EDGE_APP, dir: `${PACKAGES}cache/src` },
  ],
];

describe('edge safety: the edge entries bundled with their real dependencies', () => {
  describe.each(Object.keys(TARGETS) as Target[])('target %s', (target) => {
    it.each(ENTRIES)('%s imports no node: module and references no Node global', async (_name, entry) => {
      const result = await bundle(entry, TARGETS[target]);
      expect(result.builtins).toEqual([]);
      expect(nodeSpecifiers(result.text)).toEqual([]);
      expect(forbiddenGlobals(result.text)).toEqual([]);
      // The optional client libraries are never bundled from these entries.
      expect(result.packages).not.toContain('ioredis');
      expect(result.packages).not.toContain('@upstash/redis');
    });
  });

  it('the Workers app really bundles the dependencies (none left external)', async () => {
    const result = await bundle({ app: EDGE_APP, dir: `${PACKAGES}cache/src` }, TARGETS.workers);
    expect(result.packages).toEqual(
      expect.arrayContaining(['@noble/hashes', 'ipaddr.js', 'lru-cache', 'lz-string', 'sorted-btree', 'zod']),
    );
  });

  it('keeps the ioredis adapter out of the main bundle (kvFromEnv loads it by a non-literal specifier)', async () => {
    const result = await bundle({ file: `${SRC}index.ts` }, TARGETS.workers);
    expect(result.text).toContain('@raptorflow/core/ioredis');
    expect(result.text).not.toContain('ioredisAdapter: client: keyPrefix');
  });
});

describe('edge safety: what the checks catch', () => {
  it("lru-cache's default export (no worker/browser condition) holds import('node:diagnostics_channel')", async () => {
    // What a plain `--platform=neutral --main-fields=module,main` build gets: the check must see it.
    const plainNeutral: BuildOptions = {
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: [SOURCE],
    };
    const result = await bundle({ file: `${SRC}index.ts` }, plainNeutral, true);
    expect(result.builtins).toContain('node:diagnostics_channel');
    expect(nodeSpecifiers(result.text)).toContain('node:diagnostics_channel');
  });

  it('plain --platform=neutral (no main fields) cannot resolve the CommonJS-only dependencies', async () => {
    // Why the README asks Workers-style builds for `mainFields` (or the browser platform).
    const error = await bundle(
      { app: EDGE_APP, dir: `${PACKAGES}cache/src` },
      { platform: 'neutral', conditions: ['worker', 'browser', SOURCE] },
    ).then(
      () => undefined,
      (e: unknown) => e as { errors?: { text: string }[] },
    );
    const texts = (error?.errors ?? []).map((e) => e.text).join('\n');
    for (const dep of ['lz-string', 'ipaddr.js', 'sorted-btree'])
      expect(texts).toContain(`Could not resolve "${dep}"`);
  });

  it('a node: import and a bare process reference make the check fail', async () => {
    // The same checks on a deliberately unsafe module prove the test can fail.
    const result = await bundle(
      {
        app: "import { createHash } from 'node:crypto'; export const x = [createHash, process.env.X, Buffer.from('a'), globalThis.process?.env];",
        dir: SRC,
      },
      TARGETS.workers,
    );
    expect(result.builtins).toEqual(['node:crypto']);
    expect(nodeSpecifiers(result.text)).toEqual(['node:crypto']);
    expect(forbiddenGlobals(result.text).sort()).toEqual(['Buffer', 'process']);
    // Guarded reads pass.
    const guarded = await bundle(
      {
        app: "export const p = typeof process === 'object' && process ? process : {}; export const b = typeof Buffer;",
        dir: SRC,
      },
      TARGETS.workers,
    );
    expect(forbiddenGlobals(guarded.text)).toEqual([]);
  });
});
