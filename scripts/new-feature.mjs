#!/usr/bin/env node
// `pnpm new:feature <name>`: a new feature package, packages/<name> (@raptorflow/<name>), made
// from templates/feature. The template is a small working package (counters) written for the
// name `template-feature`; its four spellings are replaced with the new name's:
//   template-feature → <name>           package, keys, events, file names
//   TemplateFeature  → <Pascal>         types (createTemplateFeature → createDemoFeature)
//   templateFeature  → <camel>
//   TEMPLATE_FEATURE → <UPPER_SNAKE>    error codes (E_<NAME>_*) and <NAME>_SCRIPTS
// templates/ is outside pnpm-workspace.yaml, vitest's include and check-structure's walk, so the
// template itself is never a workspace package; biome still lints it as code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const templateDir = join(root, 'templates', 'feature');
const TEMPLATE_NAME = 'template-feature';
// Names that are not features (check-structure treats every other package as one).
const RESERVED = new Set(['core', 'testkit', 'cli', 'template', TEMPLATE_NAME]);

const usage = `Usage: pnpm new:feature <name> [--no-install]

  <name>          lower-case kebab case: a letter, then letters, digits and single dashes
                  (queue, locks, llm-cache). The package is @raptorflow/<name> in packages/<name>.
  --no-install    do not run \`pnpm install --offline\` afterwards`;

function die(message) {
  console.error(`new:feature: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
const install = !args.includes('--no-install');
const unknownFlags = args.filter((a) => a.startsWith('-') && a !== '--no-install');
if (unknownFlags.length > 0) die(`unknown option ${unknownFlags.join(', ')}\n\n${usage}`);
const names = args.filter((a) => !a.startsWith('-'));
if (names.length !== 1) die(`expected one package name, got ${names.length}\n\n${usage}`);
const name = names[0];

// ---- derived names ----------------------------------------------------------------------------
const words = name.split('-');
const cap = (w) => w.charAt(0).toUpperCase() + w.slice(1);
const pascal = words.map(cap).join('');
const camel = words[0] + words.slice(1).map(cap).join('');
const snake = words.join('_').toUpperCase();
const REPLACEMENTS = [
  [TEMPLATE_NAME, name],
  ['TemplateFeature', pascal],
  ['templateFeature', camel],
  ['TEMPLATE_FEATURE', snake],
];

// ---- validation -------------------------------------------------------------------------------
function workspacePackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const dir of readdirSync(base)) {
      const file = join(base, dir, 'package.json');
      if (existsSync(file))
        found.push({ dir: `${group}/${dir}`, pkg: JSON.parse(readFileSync(file, 'utf8')) });
    }
  }
  return found;
}

function validate() {
  if (!/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(name)) {
    die(
      `"${name}" is not a valid name: use lower-case kebab case, a letter first, then letters, digits ` +
        `and single dashes (queue, locks, llm-cache)`,
    );
  }
  if (name.length > 40) die(`"${name}" is too long (${name.length} characters, at most 40)`);
  if (RESERVED.has(name)) die(`"${name}" is reserved: pick a name for what the feature does`);
  const existing = workspacePackages();
  for (const { dir, pkg } of existing) {
    if (dir === `packages/${name}` || dir === `apps/${name}` || pkg.name === `@raptorflow/${name}`) {
      die(`"${name}" already exists: ${dir} is ${pkg.name ?? 'a package'}`);
    }
  }
  if (existsSync(join(root, 'packages', name))) die(`packages/${name} already exists`);
  // Error codes are E_<NAME>_*: a name whose codes could be mistaken for another feature's
  // (llm vs llm-cache: E_LLM_CACHE_X) would make `code.startsWith` checks ambiguous.
  for (const { dir } of existing) {
    const other = dir.split('/')[1].replaceAll('-', '_').toUpperCase();
    if (!dir.startsWith('packages/') || other === 'CORE' || other === 'TESTKIT') continue;
    if (`${other}_`.startsWith(`${snake}_`) || `${snake}_`.startsWith(`${other}_`)) {
      die(`"${name}": its error codes E_${snake}_* would overlap ${dir}'s E_${other}_*; pick another name`);
    }
  }
  if (!existsSync(templateDir)) die(`the template is missing: ${relative(root, templateDir)}`);
}

// ---- scaffold ---------------------------------------------------------------------------------
function substitute(text) {
  let out = text;
  for (const [from, to] of REPLACEMENTS) out = out.replaceAll(from, to);
  return out;
}

function templateFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...templateFiles(path));
    } else files.push(path);
  }
  return files.sort();
}

function plan() {
  const packageDir = join(root, 'packages', name);
  const out = [];
  for (const file of templateFiles(templateDir)) {
    const rel = relative(templateDir, file);
    // The changeset is the one file that lives outside the package.
    const target =
      rel === 'changeset.md'
        ? join(root, '.changeset', `${name}-initial.md`)
        : join(packageDir, substitute(rel));
    if (existsSync(target)) die(`${relative(root, target)} already exists`);
    const text = substitute(readFileSync(file, 'utf8'));
    const leftover = /template[-_]?feature/i.exec(text);
    if (leftover)
      die(`${rel}: "${leftover[0]}" is left after substitution (a spelling the script does not know)`);
    out.push({ target, text });
  }
  return out;
}

// ---- linking ----------------------------------------------------------------------------------
// Offline, pnpm resolves a new importer's ranges from its metadata cache, which a frozen-lockfile
// install never fills, so `pnpm install --offline` fails on a fresh machine. Every range the
// template uses is already locked for another package, though: the new importer is written into
// pnpm-lock.yaml from those entries and checked by `pnpm install --offline --frozen-lockfile`.
function lockedImporter(pkg) {
  const lockFile = join(root, 'pnpm-lock.yaml');
  if (!existsSync(lockFile)) return undefined;
  const lock = readFileSync(lockFile, 'utf8');
  const from = lock.indexOf('\nimporters:\n');
  const to = lock.indexOf('\npackages:\n');
  if (from < 0 || to < from) return undefined;
  const locked = new Map();
  let dep;
  let specifier;
  for (const line of lock.slice(from, to).split('\n')) {
    const key = /^ {6}'?([^':]+)'?:$/.exec(line);
    if (key) dep = key[1];
    const spec = /^ {8}specifier: (.+)$/.exec(line);
    if (spec) specifier = spec[1];
    const version = /^ {8}version: (.+)$/.exec(line);
    if (version && !version[1].startsWith('link:')) locked.set(`${dep}@${specifier}`, version[1]);
  }
  const dirs = new Map(workspacePackages().map(({ dir, pkg: p }) => [p.name, dir]));
  let block = `  packages/${name}:\n`;
  for (const section of ['dependencies', 'devDependencies']) {
    const deps = Object.entries(pkg[section] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    if (deps.length === 0) continue;
    block += `    ${section}:\n`;
    for (const [dep, range] of deps) {
      const version = range.startsWith('workspace:')
        ? dirs.has(dep) && `link:${relative(`packages/${name}`, dirs.get(dep))}`
        : locked.get(`${dep}@${range}`);
      if (!version) return undefined;
      const key = dep.startsWith('@') ? `'${dep}'` : dep;
      block += `      ${key}:\n        specifier: ${range}\n        version: ${version}\n`;
    }
  }
  // pnpm keeps importers sorted by path.
  const headers = [...lock.slice(from, to).matchAll(/^ {2}(\S[^:]*):$/gm)];
  const next = headers.find((h) => h[1] > `packages/${name}`);
  const at = next ? from + next.index : to;
  return {
    lockFile,
    before: lock,
    after: `${lock.slice(0, at)}${next ? '' : '\n'}${block}${next ? '\n' : ''}${lock.slice(at)}`,
  };
}

function link() {
  const pnpm = (...flags) =>
    spawnSync('pnpm', ['install', ...flags], { cwd: root, stdio: 'inherit' }).status === 0;
  const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
  const importer = lockedImporter(pkg);
  if (importer) {
    writeFileSync(importer.lockFile, importer.after);
    console.log('Linking it into the workspace: pnpm install --offline --frozen-lockfile');
    if (pnpm('--offline', '--frozen-lockfile')) return true;
    writeFileSync(importer.lockFile, importer.before);
  }
  console.log('Linking it into the workspace: pnpm install --offline');
  return pnpm('--offline');
}

// ---- main -------------------------------------------------------------------------------------
validate();
const files = plan();
for (const { target, text } of files) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`  created ${relative(root, target)}`);
}

// Longer or shorter names move line breaks and import order: let biome lay the code out again.
const biome = join(root, 'node_modules', '.bin', 'biome');
if (existsSync(biome)) {
  const formatted = spawnSync(biome, ['check', '--write', `packages/${name}`], {
    cwd: root,
    stdio: 'inherit',
  });
  if (formatted.status !== 0)
    console.warn(`new:feature: biome could not format packages/${name}; run pnpm format`);
}

console.log(
  `\n@raptorflow/${name} created in packages/${name} (factory create${pascal}, codes E_${snake}_*).`,
);
if (!install) console.log('Run `pnpm install` to link it into the workspace.');
else if (!link()) {
  console.error(
    'new:feature: `pnpm install --offline` could not link the package (see above). The files are in place;\n' +
      'run `pnpm install --prefer-offline` (it asks the registry only for what the cache lacks).',
  );
  process.exit(1);
}
console.log(`
Next:
  pnpm vitest run packages/${name}
  pnpm turbo run typecheck build check-package --filter @raptorflow/${name}
  Replace the counter with the feature; keep the shape (node scripts/check-structure.mjs checks it).`);
