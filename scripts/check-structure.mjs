#!/usr/bin/env node
// Keeps the repository's symmetry true (STYLE.md): every export has source, types and a build
// entry; every adapter has a conformance test; feature packages peer on core with a real range.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  publishMetadataProblems,
  registryProblems,
  registryReadmeProblems,
  undeclaredImports,
} from './structure-rules.mjs';

/**
 * Feature packages still being reshaped into the template on their own branches. Their
 * feature-shape problems are printed as warnings, not failures. The lead empties this list once
 * those branches are merged; from then on every feature package must have the shape.
 */
const FEATURE_SHAPE_PENDING = [];

/**
 * Packages that are not features, so not held to the feature rules (core peer, template shape,
 * no dependency on another package): core, the test servers, and the `raptorflow` CLI, an
 * application that depends on core (and may on any feature) like an app does.
 */
const NOT_FEATURES = new Set(['core', 'testkit', 'cli']);

const root = new URL('..', import.meta.url).pathname;
const problems = [];
const warnings = [];
const fail = (message) => problems.push(message);

function tsupEntries(dir) {
  const file = join(dir, 'tsup.config.ts');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const block = /entry:\s*\{([^}]*)\}/s.exec(text);
  if (!block) return undefined;
  const entries = new Map();
  for (const m of block[1].matchAll(/['"]?([\w/.-]+)['"]?\s*:\s*['"]([^'"]+)['"]/g)) entries.set(m[1], m[2]);
  return entries;
}

/** Source files a package ships (src, tests left out), by path relative to the package. */
function shippedSources(dir) {
  const out = {};
  const walk = (at) => {
    if (!existsSync(at)) return;
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name))
        out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(join(dir, 'src'));
  return out;
}

// ---- the feature template's shape (templates/feature, STYLE.md "Feature packages look alike") ----

/** README sections every feature package has, in this order, after its title and a first paragraph. */
const README_SECTIONS = ['Quick start', 'Keys', 'Round trips', 'Failure policy', 'Events', 'Benchmarks'];
/** Concepts core's kit owns (`@raptorflow/core/kit`): a feature package must not keep its own copy. */
const KIT_OWNED = ['duration.ts', 'timeout.ts', 'deadline.ts', 'deadlines.ts'];

/** Everything that keeps a feature package from the template's shape; empty when it has it. */
function featureShapeProblems(dir, pkg) {
  const out = [];
  for (const file of ['src/index.ts', 'src/options.ts', 'src/scripts/index.ts']) {
    if (!existsSync(join(dir, file))) out.push(`${file} is missing`);
  }
  const scriptsDir = join(dir, 'src/scripts');
  const scriptFiles = existsSync(scriptsDir)
    ? readdirSync(scriptsDir).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts'))
    : [];
  // A script file defines one script (`export const X = defineScript({...})`, or a package's own
  // wrapper such as ratelimit's `defineAlgorithm`); files that define none are shared helpers
  // (an envelope, a Lua fragment). No file defines two.
  let definitions = 0;
  for (const file of scriptFiles) {
    const calls = countDefinitions(readFileSync(join(scriptsDir, file), 'utf8'));
    definitions += calls;
    if (calls > 1) out.push(`src/scripts/${file} defines ${calls} scripts (one script per file)`);
  }
  if (definitions === 0) out.push('src/scripts/ has no script file (one defineScript per file)');
  const index = join(scriptsDir, 'index.ts');
  if (existsSync(index) && !/export const [A-Z][A-Z0-9_]*_SCRIPTS\b/.test(readFileSync(index, 'utf8')))
    out.push('src/scripts/index.ts does not export the <NAME>_SCRIPTS list');
  for (const file of KIT_OWNED) {
    if (existsSync(join(dir, 'src', file)))
      out.push(`src/${file}: a copy of a kit concept; use @raptorflow/core/kit`);
  }
  const readme = join(dir, 'README.md');
  if (existsSync(readme)) out.push(...readmeProblems(readFileSync(readme, 'utf8'), pkg.name));
  out.push(...peerRangeProblems(pkg.peerDependencies?.['@raptorflow/core']));
  return out;
}

/** Scripts a TypeScript source defines: `= defineScript(` or `= define<Wrapper>(`, comments left out. */
function countDefinitions(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return code.match(/=\s*define[A-Z]\w*\s*(<[^>]*>)?\(/g)?.length ?? 0;
}

function readmeProblems(text, packageName) {
  const lines = text.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').split('\n');
  const title = lines.findIndex((l) => /^# /.test(l));
  if (title < 0 || lines[title].slice(2).trim() !== packageName)
    return [`README.md must start with "# ${packageName}"`];
  const firstSection = lines.findIndex((l, i) => i > title && /^## /.test(l));
  const intro = lines
    .slice(title + 1, firstSection < 0 ? undefined : firstSection)
    .join('')
    .trim();
  const out = intro ? [] : ['README.md: say what the package is before its first section'];
  const headings = lines.filter((l) => /^## /.test(l)).map((l) => l.slice(3).trim());
  let at = -1;
  for (const section of README_SECTIONS) {
    const found = headings.findIndex((h, i) => i > at && isSection(h, section));
    if (found < 0) {
      const where = headings.some((h) => isSection(h, section)) ? 'out of order' : 'missing';
      out.push(`README.md: "## ${section}" is ${where} (sections: ${README_SECTIONS.join(', ')})`);
    } else at = found;
  }
  return out;
}

// `## Quick start (serverless)` counts as Quick start: a heading may say what the section covers.
const isSection = (heading, section) => heading === section || heading.startsWith(`${section} (`);

/** The core peer must admit core's version and the next 0.x minor (a breaking 0.x release is a minor). */
function peerRangeProblems(range) {
  if (!range || range.startsWith('workspace:')) return []; // reported above for every feature package
  const core = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')).version;
  const [major, minor] = core.split('.').map(Number);
  const next = `${major}.${minor + 1}.0`;
  const hint = `use ">=${major}.0.0 <${major + 1}.0.0"`;
  const ok = (version) => satisfies(version, range);
  if (ok(core) === undefined) return [`the core peer range "${range}" cannot be read; ${hint}`];
  if (!ok(core)) return [`the core peer "${range}" does not admit core ${core}; ${hint}`];
  if (!ok(next)) return [`the core peer "${range}" does not admit ${next}, the next minor of core; ${hint}`];
  return [];
}

// A small reading of npm ranges (semver is not a root dependency): `||` sets of comparators
// `>=` `>` `<=` `<` `=` `^` `~` on full x.y.z versions, and `*`. `undefined`: a form it cannot read.
function satisfies(version, range) {
  const v = parseVersion(version);
  let any = false;
  for (const set of range.split('||')) {
    const comparators = set.trim().split(/\s+/).filter(Boolean);
    let all = true;
    for (const comparator of comparators) {
      const result = matches(v, comparator);
      if (result === undefined) return undefined;
      all &&= result;
    }
    any ||= all;
  }
  return any;
}

function parseVersion(text) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

function matches(v, comparator) {
  if (comparator === '*' || comparator === 'x') return true;
  const m = /^(>=|<=|>|<|=|\^|~)?(.+)$/.exec(comparator);
  const w = m && parseVersion(m[2]);
  if (!w) return undefined;
  const c = compare(v, w);
  switch (m[1]) {
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '^': {
      const upper = w[0] > 0 ? [w[0] + 1, 0, 0] : w[1] > 0 ? [0, w[1] + 1, 0] : [0, 0, w[2] + 1];
      return c >= 0 && compare(v, upper) < 0;
    }
    case '~':
      return c >= 0 && compare(v, [w[0], w[1] + 1, 0]) < 0;
    default:
      return c === 0;
  }
}

for (const group of ['packages', 'apps']) {
  const base = join(root, group);
  if (!existsSync(base)) continue;
  for (const name of readdirSync(base)) {
    const dir = join(base, name);
    const pkgFile = join(dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    const where = `${group}/${name}`;
    if (pkg.private) continue;

    if (pkg.type !== 'module') fail(`${where}: "type" must be "module"`);
    if (pkg.sideEffects !== false) fail(`${where}: "sideEffects" must be false`);
    if (!Array.isArray(pkg.files) || !pkg.files.includes('dist'))
      fail(`${where}: "files" must include "dist"`);
    if (pkg.typesVersions) fail(`${where}: no "typesVersions"; use the exports map`);
    if (!existsSync(join(dir, 'README.md'))) fail(`${where}: README.md is missing`);
    if (!pkg.description) fail(`${where}: "description" is missing`);
    for (const problem of undeclaredImports(pkg, shippedSources(dir))) fail(`${where}: ${problem}`);
    if (group === 'packages') {
      // Release metadata and a README that reads right on the registry page (structure-rules.mjs).
      for (const problem of publishMetadataProblems(pkg, {
        directory: where,
        hasLicense: existsSync(join(dir, 'LICENSE')),
      }))
        fail(`${where}: ${problem}`);
      if (pkg.name !== `@raptorflow/${name}`) fail(`${where}: the package name must be @raptorflow/${name}`);
      if (existsSync(join(dir, 'README.md')))
        for (const problem of registryReadmeProblems(readFileSync(join(dir, 'README.md'), 'utf8')))
          fail(`${where}: ${problem}`);
    }

    const entries = tsupEntries(dir);
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (subpath === './package.json') continue;
      if (typeof target !== 'object') {
        fail(`${where}: export "${subpath}" needs conditions`);
        continue;
      }
      const source = target['@raptorflow/source'];
      if (!source || !existsSync(join(dir, source)))
        fail(`${where}: export "${subpath}" has no existing source file`);
      if (!target.types || !target.default) fail(`${where}: export "${subpath}" needs "types" and "default"`);
      const built = /^\.\/dist\/(.+)\.js$/.exec(target.default ?? '');
      if (!built) {
        fail(`${where}: export "${subpath}" default must point into ./dist`);
        continue;
      }
      if (target.types !== `./dist/${built[1]}.d.ts`)
        fail(`${where}: export "${subpath}" types do not match default`);
      if (entries && entries.get(built[1]) !== source?.replace(/^\.\//, '')) {
        fail(`${where}: export "${subpath}" has no tsup entry "${built[1]}": "${source}"`);
      }
    }

    if (!NOT_FEATURES.has(name)) {
      const peer = pkg.peerDependencies?.['@raptorflow/core'];
      if (!peer) fail(`${where}: feature packages peer-depend on @raptorflow/core`);
      else if (peer.startsWith('workspace:')) fail(`${where}: the core peer needs a real range, not ${peer}`);
      if (pkg.dependencies?.['@raptorflow/core']) fail(`${where}: core belongs in peerDependencies`);
      for (const dep of Object.keys(pkg.dependencies ?? {})) {
        if (dep.startsWith('@raptorflow/') && dep !== '@raptorflow/metrics') {
          fail(`${where}: feature packages do not depend on each other (${dep})`);
        }
      }
      if (group === 'packages') {
        const shape = featureShapeProblems(dir, pkg);
        const pending = FEATURE_SHAPE_PENDING.includes(name);
        for (const problem of shape) (pending ? warnings : problems).push(`${where}: ${problem}`);
        if (pending && shape.length === 0)
          warnings.push(`${where}: has the feature shape now; remove it from FEATURE_SHAPE_PENDING`);
      }
    }
  }
}

// The template is held to the shape it teaches (it is outside the workspace, so not walked above).
const template = join(root, 'templates/feature');
if (existsSync(template)) {
  const pkg = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));
  for (const problem of featureShapeProblems(template, pkg)) fail(`templates/feature: ${problem}`);
  // What new:feature copies must already pass the release rules once the name is substituted.
  for (const problem of publishMetadataProblems(pkg, {
    directory: 'packages/template-feature',
    hasLicense: existsSync(join(template, 'LICENSE')),
  }))
    fail(`templates/feature: ${problem}`);
  for (const problem of registryReadmeProblems(readFileSync(join(template, 'README.md'), 'utf8')))
    fail(`templates/feature: ${problem}`);
}

// The adapter registry: every adapter module is an entry (and the reverse), with its export
// subpath and its conformance test (rules in structure-rules.mjs).
{
  const core = join(root, 'packages/core');
  const modules = readdirSync(join(core, 'src/adapters'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
  const tests = {};
  for (const name of modules) {
    const test = join(core, 'test/adapters', `${name}.test.ts`);
    if (existsSync(test)) tests[name] = readFileSync(test, 'utf8');
  }
  const registry = join(core, 'src/adapters/registry.ts');
  for (const problem of registryProblems({
    modules,
    registrySource: existsSync(registry) ? readFileSync(registry, 'utf8') : '',
    exports: JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')).exports ?? {},
    tests,
  }))
    fail(problem);
}

// Merge-conflict markers left in any tracked text file (Markdown is not linted, so nothing
// else would catch them: a README once shipped with both sides of a merge).
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
for (const file of tracked) {
  if (!/\.(ts|mts|mjs|js|json|md|yaml|yml)$/.test(file) || !existsSync(join(root, file))) continue;
  if (/^(<{7}|>{7}) /m.test(readFileSync(join(root, file), 'utf8'))) fail(`${file}: merge-conflict markers`);
}

if (warnings.length > 0) {
  console.warn(
    `structure check: ${warnings.length} warning(s) (FEATURE_SHAPE_PENDING: ${FEATURE_SHAPE_PENDING.join(', ')})\n- ${warnings.join('\n- ')}`,
  );
}
if (problems.length > 0) {
  console.error(`structure check: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('structure check: ok');
