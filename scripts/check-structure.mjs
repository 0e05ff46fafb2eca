#!/usr/bin/env node
// Keeps the repository's symmetry true (STYLE.md): every export has source, types and a build
// entry; every adapter has a conformance test; feature packages peer on core with a real range.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const problems = [];
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

    if (name !== 'core' && name !== 'testkit') {
      const peer = pkg.peerDependencies?.['@raptorflow/core'];
      if (!peer) fail(`${where}: feature packages peer-depend on @raptorflow/core`);
      else if (peer.startsWith('workspace:')) fail(`${where}: the core peer needs a real range, not ${peer}`);
      if (pkg.dependencies?.['@raptorflow/core']) fail(`${where}: core belongs in peerDependencies`);
      for (const dep of Object.keys(pkg.dependencies ?? {})) {
        if (dep.startsWith('@raptorflow/') && dep !== '@raptorflow/metrics') {
          fail(`${where}: feature packages do not depend on each other (${dep})`);
        }
      }
    }
  }
}

// Every adapter has a conformance test of the same name.
const adapters = join(root, 'packages/core/src/adapters');
for (const file of readdirSync(adapters)) {
  if (!file.endsWith('.ts')) continue;
  const name = file.replace(/\.ts$/, '');
  const test = join(root, 'packages/core/test/adapters', `${name}.test.ts`);
  if (!existsSync(test)) fail(`adapter ${name}: packages/core/test/adapters/${name}.test.ts is missing`);
  else if (!readFileSync(test, 'utf8').includes('runConformance'))
    fail(`adapter ${name}: its test does not run runConformance`);
}

if (problems.length > 0) {
  console.error(`structure check: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('structure check: ok');
