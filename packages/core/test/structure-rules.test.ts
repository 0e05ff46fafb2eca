import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  publishMetadataProblems,
  REPOSITORY,
  readRegistry,
  registryProblems,
  registryReadmeProblems,
  undeclaredImports,
} from '../../../scripts/structure-rules.mjs';
import { KV_ADAPTERS } from '../src/driver/index.js';

const CORE = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, CORE), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** The real inputs of the rule, as scripts/check-structure.mjs reads them. */
function repository() {
  const modules = readdirSync(new URL('src/adapters/', CORE))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
  const tests: Record<string, string> = {};
  for (const name of modules) {
    try {
      tests[name] = read(`test/adapters/${name}.test.ts`);
    } catch {}
  }
  return { modules, registrySource: read('src/adapters/registry.ts'), exports: pkg.exports, tests };
}

describe('check-structure: the adapter registry rule', () => {
  it('reads the same adapters and subpaths from the registry source as the registry holds', () => {
    expect(readRegistry(read('src/adapters/registry.ts'))).toEqual(
      KV_ADAPTERS.map((a) => ({ name: a.name, subpath: a.subpath })),
    );
  });

  it('passes on the repository', () => {
    expect(registryProblems(repository())).toEqual([]);
  });

  it('fails on an adapter module that is not registered, has no export and no conformance test', () => {
    const repo = repository();
    expect(registryProblems({ ...repo, modules: [...repo.modules, 'glide'] })).toEqual([
      'adapter glide: src/adapters/glide.ts has no entry in src/adapters/registry.ts',
      'adapter glide: packages/core/test/adapters/glide.test.ts is missing',
    ]);
    const registered = repo.registrySource.replace(
      'const upstash = {',
      "const glide = {\n  name: 'glide',\n  subpath: '@raptorflow/core/glide',\n};\n\nconst upstash = {",
    );
    expect(
      registryProblems({ ...repo, modules: [...repo.modules, 'glide'], registrySource: registered }),
    ).toEqual([
      'adapter glide: package.json has no export "./glide" of ./src/adapters/glide.ts',
      'adapter glide: packages/core/test/adapters/glide.test.ts is missing',
    ]);
  });

  it('fails on a registry entry without a module, and on a wrong subpath', () => {
    const repo = repository();
    expect(registryProblems({ ...repo, modules: repo.modules.filter((m) => m !== 'upstash') })).toEqual([
      'adapter upstash: in the registry but src/adapters/upstash.ts is missing',
    ]);
    const wrong = repo.registrySource.replace(
      "subpath: '@raptorflow/core/upstash'",
      "subpath: '@raptorflow/core/up'",
    );
    expect(registryProblems({ ...repo, registrySource: wrong })).toEqual([
      'adapter upstash: its registry subpath is @raptorflow/core/up, not @raptorflow/core/upstash',
    ]);
  });
});

describe('check-structure: shipped imports are declared', () => {
  it('refuses an import of a devDependency (core/testing once imported @raptorflow/testkit)', () => {
    // The first lines of core/testing/matrix.ts before the registry: testkit is a devDependency of core.
    const old =
      "import type { TestServers } from '@raptorflow/testkit';\nimport { afterAll, inject } from 'vitest';\n";
    expect(undeclaredImports(pkg, { 'src/testing/matrix.ts': old })).toEqual([
      'src/testing/matrix.ts imports @raptorflow/testkit, but @raptorflow/testkit is not a dependency or peer of @raptorflow/core',
    ]);
    expect(undeclaredImports(pkg, { 'src/testing/matrix.ts': read('src/testing/matrix.ts') })).toEqual([]);
  });

  it('counts static, type-only and literal dynamic imports; not node built-ins, relative paths or comments', () => {
    const source = [
      "import type { A } from 'left-pad';",
      "import 'side-effect/register';",
      "const m = await import('@scope/lib/sub');",
      "import { readFile } from 'node:fs';",
      "import { x } from './x.js';",
      "// import { y } from 'in-a-comment';",
      "import { ioredisAdapter } from '@raptorflow/core/ioredis';",
    ].join('\n');
    expect(undeclaredImports(pkg, { 'src/a.ts': source }).map((p) => / imports (\S+),/.exec(p)?.[1])).toEqual(
      ['left-pad', 'side-effect/register', '@scope/lib/sub'],
    );
  });
});

describe('check-structure: release metadata of a published package', () => {
  const good = {
    name: '@raptorflow/core',
    license: 'MIT',
    files: ['dist', 'src', 'CHANGELOG.md'],
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: 'packages/core' },
    homepage: `${REPOSITORY}/tree/main/packages/core#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
    publishConfig: { access: 'public' },
    engines: { node: '>=20.19' },
  };
  const where = { directory: 'packages/core', hasLicense: true };

  it('passes on core as it is in the repository, and on a complete package.json', () => {
    expect(publishMetadataProblems(JSON.parse(read('package.json')), where)).toEqual([]);
    expect(publishMetadataProblems(good, where)).toEqual([]);
  });

  it('names each missing or wrong field', () => {
    const problems = publishMetadataProblems(
      {
        ...good,
        files: ['dist'],
        repository: { type: 'git', url: `git+${REPOSITORY}.git` },
        homepage: undefined,
        bugs: undefined,
        publishConfig: undefined,
        engines: undefined,
      },
      { directory: 'packages/core', hasLicense: false },
    );
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'LICENSE',
      '"files"',
      '"repository"',
      '"homepage"',
      '"bugs"',
      '"publishConfig.access"',
      '"engines.node"',
    ]);
  });

  it('wants the directory the package is in', () => {
    expect(publishMetadataProblems(good, { directory: 'packages/cache', hasLicense: true })).toHaveLength(2);
  });
});

describe('check-structure: a README that reads right on the registry page', () => {
  const esm = 'ESM-only: use import.\n';
  it('passes on absolute links, anchors and links inside code', () => {
    const text = `${esm}[a](https://x.dev/a) [b](#keys) \`[c](src/c.md)\`\n\n\`\`\`md\n[d](../d.md)\n\`\`\`\n`;
    expect(registryReadmeProblems(text)).toEqual([]);
  });

  it('fails on relative links, reference links and images, and on no ESM-only statement', () => {
    expect(registryReadmeProblems(`${esm}[a](src/layers/README.md)`)).toHaveLength(1);
    expect(registryReadmeProblems(`${esm}![chart](../../docs/x.svg)`)).toHaveLength(1);
    expect(registryReadmeProblems(`${esm}[a][ref]\n\n[ref]: ../research/perf.md\n`)).toHaveLength(1);
    expect(registryReadmeProblems('[a](https://x.dev)')).toEqual([expect.stringContaining('ESM-only')]);
  });

  it("passes on every package's README in the repository", () => {
    expect(registryReadmeProblems(read('README.md'))).toEqual([]);
  });
});
