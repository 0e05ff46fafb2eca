import { readFile } from 'node:fs/promises';
import { memoryAdapter } from '@raptorflow/core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { type CacheClient, cached, createCache } from '../src/index.js';

type Define = (
  c: typeof cached,
  cache: CacheClient,
) => new () => { loads: number; find(ws: string, id: string): Promise<string> };

/** The fixture compiled as TypeScript 5.9 compiles standard decorators for ES2022. */
async function loadFixture(): Promise<Define> {
  const source = await readFile(new URL('./fixtures/decorated.ts', import.meta.url), 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  const mod = (await import(`data:text/javascript,${encodeURIComponent(out.outputText)}`)) as {
    defineRepository: Define;
  };
  return mod.defineRepository;
}

describe('@cached decorator', () => {
  it('caches a method per workspace and arguments, and refuses non-methods', async () => {
    const cache = createCache({ store: memoryAdapter(), prefix: 'dec:' });
    const Campaigns = (await loadFixture())(cached, cache);
    const repo = new Campaigns();
    expect(await repo.find('acme', 'c1')).toBe('acme/c1:1');
    expect(await repo.find('acme', 'c1')).toBe('acme/c1:1');
    expect(await repo.find('acme', 'c2')).toBe('acme/c2:2');
    expect(await repo.find('other', 'c1')).toBe('other/c1:3');
    expect(repo.loads).toBe(3);
    await cache.workspace('acme').clearNamespace('campaigns');
    expect(await repo.find('acme', 'c1')).toBe('acme/c1:4');
    const decorator = cached({ cache, namespace: 'x', workspace: 'acme' });
    expect(() => decorator(async () => 1, { kind: 'getter' } as never)).toThrowError(/decorate methods only/);
    expect(() => cached({ cache, namespace: 'x' } as never)).toThrowError(/cached: workspace/);
    expect(() => cached({ cache, namespace: 'a:b', workspace: 'w' })).toThrowError(/cached: namespace/);
    expect(() => cached({ cache: 42 as never, namespace: 'a', workspace: 'w' })).toThrowError(
      /cached: cache/,
    );
    try {
      cached(async () => 1, { cache, namespace: 'a', workspace: 'w', key: 'k' as never });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_INVALID_OPTIONS' });
    }
  });
});
