#!/usr/bin/env node
// The package checks of `pnpm verify` (after the build), on every published package under
// packages/ whatever its own scripts say: pack it as pnpm publishes it, then
//   - the tarball holds package.json, README.md, LICENSE, and CHANGELOG.md when the package has one;
//   - publint --strict on the package;
//   - attw (@arethetypeswrong/cli) on the tarball, profile esm-only: the packages are ESM-only, so
//     node10 and CommonJS-from-node16 resolution are out of scope; node16-from-ESM and bundler
//     must resolve every entry point's types.
// Usage: node scripts/check-packages.mjs [name ...]   (names of folders under packages/; default all)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2);

function published() {
  const base = join(root, 'packages');
  return readdirSync(base)
    .filter((name) => existsSync(join(base, name, 'package.json')))
    .filter((name) => only.length === 0 || only.includes(name))
    .map((name) => ({
      name,
      dir: join(base, name),
      pkg: JSON.parse(readFileSync(join(base, name, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private);
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

const failures = [];
const scratch = mkdtempSync(join(tmpdir(), 'raptorflow-pack-'));
try {
  for (const { name, dir, pkg } of published()) {
    const started = Date.now();
    const problems = [];
    const packed = run('pnpm', ['pack', '--pack-destination', scratch, '--json'], dir);
    const tarball = packed.ok ? /"filename":\s*"([^"]+)"/.exec(packed.output)?.[1] : undefined;
    if (!tarball) problems.push(`pnpm pack failed:\n${packed.output}`);
    else {
      const listing = run('tar', ['tzf', tarball], dir);
      const files = new Set(listing.output.split('\n').map((f) => f.replace(/^package\//, '')));
      const required = ['package.json', 'README.md', 'LICENSE'];
      if (existsSync(join(dir, 'CHANGELOG.md'))) required.push('CHANGELOG.md');
      for (const file of required) if (!files.has(file)) problems.push(`the tarball has no ${file}`);
      const attw = run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], dir);
      if (!attw.ok) problems.push(`attw --profile esm-only:\n${attw.output}`);
    }
    const publint = run(bin('publint'), ['--strict'], dir);
    if (!publint.ok) problems.push(`publint --strict:\n${publint.output}`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (problems.length === 0)
      console.log(`  ✔ ${pkg.name}: tarball files, publint --strict, attw (${seconds} s)`);
    else {
      console.log(`  ✖ ${pkg.name} (${seconds} s)`);
      failures.push(`${pkg.name} (packages/${name}):\n  ${problems.join('\n  ').replaceAll('\n', '\n    ')}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`package checks: ${failures.length} package(s) failed\n${failures.join('\n')}`);
  process.exit(1);
}
