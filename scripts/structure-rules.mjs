// Rules of scripts/check-structure.mjs that are pure functions of their inputs, so a test can
// show each one failing (packages/core/test/structure-rules.test.ts).
import { builtinModules } from 'node:module';

/**
 * The adapters the registry (`packages/core/src/adapters/registry.ts`) declares: each entry is
 * `const <x> = { name: '<name>', subpath: <'literal' | CONSTANT | undefined>, ...`.
 */
export function readRegistry(source) {
  const constants = new Map();
  for (const m of source.matchAll(/^const ([A-Z_]+) = '([^']*)';/gm)) constants.set(m[1], m[2]);
  const entries = [];
  for (const m of source.matchAll(/^const \w+ = \{\s*name: '([\w-]+)',\s*subpath: ([^,\n]+),/gm)) {
    const raw = m[2].trim();
    const subpath =
      raw === 'undefined' ? undefined : (/^'([^']*)'$/.exec(raw)?.[1] ?? constants.get(raw) ?? raw);
    entries.push({ name: m[1], subpath });
  }
  return entries;
}

/**
 * Problems with the adapter registry: every module `src/adapters/<name>.ts` (but the registry
 * itself) is an entry and the reverse; every entry but memory (in the main entry) has the export
 * subpath `./<name>` on its module and names it as `subpath`; every adapter has a conformance test.
 * - `modules`: the names of `packages/core/src/adapters/*.ts`, without `.ts`.
 * - `registrySource`: the text of registry.ts.
 * - `exports`: core's package.json `exports`.
 * - `tests`: conformance test text by adapter name (`test/adapters/<name>.test.ts`), when it exists.
 */
export function registryProblems({ modules, registrySource, exports, tests }) {
  const out = [];
  const entries = readRegistry(registrySource);
  if (entries.length === 0) return ['packages/core/src/adapters/registry.ts: no adapter entry could be read'];
  const registered = new Set(entries.map((e) => e.name));
  for (const name of modules) {
    if (name === 'registry') continue;
    if (!registered.has(name))
      out.push(`adapter ${name}: src/adapters/${name}.ts has no entry in src/adapters/registry.ts`);
  }
  for (const { name, subpath } of entries) {
    if (!modules.includes(name))
      out.push(`adapter ${name}: in the registry but src/adapters/${name}.ts is missing`);
    if (name !== 'memory') {
      const target = exports[`./${name}`];
      if (target?.['@raptorflow/source'] !== `./src/adapters/${name}.ts`)
        out.push(`adapter ${name}: package.json has no export "./${name}" of ./src/adapters/${name}.ts`);
      if (subpath !== `@raptorflow/core/${name}`)
        out.push(`adapter ${name}: its registry subpath is ${subpath}, not @raptorflow/core/${name}`);
    }
  }
  for (const name of new Set([...modules.filter((m) => m !== 'registry'), ...registered])) {
    const test = tests[name];
    if (test === undefined)
      out.push(`adapter ${name}: packages/core/test/adapters/${name}.test.ts is missing`);
    else if (!test.includes('runConformance'))
      out.push(`adapter ${name}: its test does not run runConformance`);
  }
  return out;
}

const BUILTINS = new Set(builtinModules);

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`), or undefined. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTINS.has(name) ? undefined : name;
}

/**
 * Imports of shipped source that the package does not declare: every bare specifier of `files`
 * (path → text; static, type-only and literal dynamic imports) must be the package itself, a
 * dependency or a peer dependency. A devDependency is not enough: users never install it.
 */
export function undeclaredImports(pkg, files) {
  const declared = new Set([
    pkg.name,
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  const out = [];
  for (const [file, text] of Object.entries(files)) {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;
    for (const m of code.matchAll(pattern)) {
      const name = packageOf(m[1]);
      if (name !== undefined && !declared.has(name))
        out.push(`${file} imports ${m[1]}, but ${name} is not a dependency or peer of ${pkg.name}`);
    }
  }
  return out;
}
