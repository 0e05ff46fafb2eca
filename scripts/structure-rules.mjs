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

/** Where the repository lives: `repository`, `homepage` and `bugs` of every published package. */
export const REPOSITORY = 'https://github.com/raptorflow/raptorflow-kv';

/**
 * The package.json fields a published package needs for its registry page and for tools: `files`
 * ship the CHANGELOG, `repository` names the folder (`directory`), `homepage` and `bugs` point at
 * the repository, `publishConfig.access` is public (a scoped package is restricted otherwise),
 * `engines.node` is set, and the license is MIT with a LICENSE file beside package.json.
 * - `pkg`: the package.json; `directory`: the package's folder from the repository root
 *   (`packages/cache`); `hasLicense`: whether `<directory>/LICENSE` exists.
 */
export function publishMetadataProblems(pkg, { directory, hasLicense }) {
  const out = [];
  const want = (ok, message) => {
    if (!ok) out.push(message);
  };
  want(pkg.license === 'MIT', `"license" must be "MIT" (it is ${JSON.stringify(pkg.license)})`);
  want(hasLicense, 'LICENSE is missing beside package.json (npm ships it in the tarball)');
  want(
    Array.isArray(pkg.files) && pkg.files.includes('CHANGELOG.md'),
    '"files" must include "CHANGELOG.md" (npm no longer always ships it)',
  );
  const repo = pkg.repository;
  want(
    typeof repo === 'object' &&
      repo !== null &&
      repo.type === 'git' &&
      repo.url === `git+${REPOSITORY}.git` &&
      repo.directory === directory,
    `"repository" must be { "type": "git", "url": "git+${REPOSITORY}.git", "directory": "${directory}" }`,
  );
  want(
    pkg.homepage === `${REPOSITORY}/tree/main/${directory}#readme`,
    `"homepage" must be "${REPOSITORY}/tree/main/${directory}#readme"`,
  );
  want(pkg.bugs?.url === `${REPOSITORY}/issues`, `"bugs" must be { "url": "${REPOSITORY}/issues" }`);
  want(pkg.publishConfig?.access === 'public', '"publishConfig.access" must be "public"');
  want(typeof pkg.engines?.node === 'string', '"engines.node" must be set');
  return out;
}

/**
 * What keeps a package README from reading right on the registry page: a relative link or image
 * (npmjs.com has no file tree to resolve it against, and a link out of the package breaks
 * anywhere but GitHub), and no word that the package is ESM-only. Code blocks are left out.
 */
export function registryReadmeProblems(text) {
  const out = [];
  const prose = text.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/gm)].map((m) => m[1]),
  ];
  for (const target of targets) {
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    out.push(`README.md links "${target}", which does not resolve on the registry page; use ${REPOSITORY}/…`);
  }
  if (!/\bESM[- ]only\b/i.test(prose))
    out.push('README.md must say the package is ESM-only (and what that means for require and TypeScript)');
  return out;
}
