import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Free (global) references that do not exist on edge runtimes; `globalThis.process?.env` is a guarded member access and allowed. */
const FORBIDDEN_GLOBALS = ['process', 'Buffer', 'require', '__dirname', '__filename', 'setImmediate'];
const MARK = '__EDGE_FORBIDDEN_';
const BUILTINS = new Set(builtinModules);

interface Bundle {
  text: string;
  /** Node built-in modules the entry imports, directly or through our own files. */
  builtins: string[];
  /** Packages the entry imports at runtime (left external, checked by name). */
  packages: string[];
}

/**
 * Bundle an entry the way an edge bundler would (platform neutral): our own files are followed,
 * packages stay external and are listed. Forbidden globals are renamed through `define` so any
 * free reference to them shows up in the output.
 */
async function bundle(entry: string): Promise<Bundle> {
  const builtins: string[] = [];
  const packages: string[] = [];
  const record: Plugin = {
    name: 'record-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || args.path.startsWith('.') || args.path.startsWith('/'))
          return undefined;
        const bare = args.path.replace(/^node:/, '').split('/')[0] as string;
        if (args.path.startsWith('node:') || BUILTINS.has(bare)) builtins.push(args.path);
        else packages.push(args.path);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [`${SRC}${entry}`],
    bundle: true,
    write: false,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    // Dead code counts too: a reference tree-shaken here could be live in another bundler's output.
    treeShaking: false,
    plugins: [record],
    define: Object.fromEntries(FORBIDDEN_GLOBALS.map((g) => [g, `${MARK}${g}`])),
  });
  const text = result.outputFiles.map((f) => f.text).join('\n');
  return { text, builtins, packages: [...new Set(packages)] };
}

function forbiddenGlobals(text: string): string[] {
  return [...new Set([...text.matchAll(new RegExp(`${MARK}(\\w+)`, 'g'))].map((m) => m[1] as string))];
}

describe('edge safety: core main entry and @raptorflow/core/upstash bundle for a neutral platform', () => {
  it.each([
    ['index.ts', 'core main entry'],
    ['adapters/upstash.ts', 'upstash adapter'],
    ['kit/index.ts', 'feature kit'],
  ])('%s (%s) imports no node: module and references no Node global', async (entry) => {
    const result = await bundle(entry);
    expect(result.builtins).toEqual([]);
    expect(forbiddenGlobals(result.text)).toEqual([]);
    // The optional client libraries are never loaded at runtime from these entries.
    expect(result.packages).not.toContain('ioredis');
    expect(result.packages).not.toContain('@upstash/redis');
    expect(result.text).not.toMatch(/from ["']ioredis["']/);
  });

  it('keeps the ioredis adapter out of the main bundle (kvFromEnv loads it by a non-literal specifier)', async () => {
    const result = await bundle('index.ts');
    expect(result.text).toContain('@raptorflow/core/ioredis');
    expect(result.text).not.toContain('ioredisAdapter: client: keyPrefix');
  });

  it('detects what it must: a node: import and a bare process reference make the check fail', async () => {
    // The same checks on a deliberately unsafe module prove the test can fail.
    const unsafe = await build({
      stdin: {
        contents:
          "import { createHash } from 'node:crypto'; export const x = [createHash, process.env.X, Buffer.from('a'), globalThis.process?.env];",
        loader: 'ts',
        resolveDir: SRC,
      },
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'esm',
      logLevel: 'silent',
      external: ['node:*'],
      define: Object.fromEntries(FORBIDDEN_GLOBALS.map((g) => [g, `${MARK}${g}`])),
    });
    const text = unsafe.outputFiles.map((f) => f.text).join('\n');
    expect(text).toContain('node:crypto');
    expect(forbiddenGlobals(text).sort()).toEqual(['Buffer', 'process']);
  });
});
