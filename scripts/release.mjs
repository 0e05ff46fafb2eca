#!/usr/bin/env node
// `pnpm release`: build, verify and publish. Run it on main after `pnpm version-packages` has
// been committed. It refuses to publish when
//   - the working tree has changes (what is published must be a commit),
//   - changesets are still pending (run `pnpm version-packages` first: it writes the versions and
//     CHANGELOGs, offline, no token needed),
//   - a dry `changeset version` would take a 0.x package to 1.0.0 by accident,
//   - `pnpm verify` fails (lint, typecheck, build, package checks: publint --strict and attw on
//     every package, the structure check, every test).
// Then `changeset publish` publishes every package whose version is not on the registry yet
// (npm credentials come from your ~/.npmrc or NPM_TOKEN, as for npm publish) and tags it.
// `--dry-run` does every check and stops before publishing.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dryChangesetVersion, intendedVersions, pendingBumps } from './changeset-dry-run.mjs';

const root = new URL('..', import.meta.url).pathname;
const dryRun = process.argv.includes('--dry-run');
const die = (message) => {
  console.error(`release: ${message}`);
  process.exit(1);
};

const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim();
if (dirty && !dryRun) die(`the working tree has changes; commit or stash them first:\n${dirty}`);

const pending = pendingBumps(root);
if (Object.keys(pending).length > 0) {
  const { before, after } = dryChangesetVersion(root);
  const intended = intendedVersions(root);
  const lines = [];
  for (const [dir, pkg] of Object.entries(after)) {
    const was = before[dir]?.version;
    if (pkg.private || pkg.version === was) continue;
    const accident =
      was?.startsWith('0.') && !pkg.version.startsWith('0.') && intended[pkg.name] !== pkg.version;
    lines.push(`  ${pkg.name}: ${was} → ${pkg.version}${accident ? '   ✖ not what its changesets say' : ''}`);
    if (accident) die(`a dry changeset version gives:\n${lines.join('\n')}`);
  }
  const message = `changesets are pending; \`pnpm version-packages\` would release:\n${lines.join('\n')}\nRun it, review and commit, then run \`pnpm release\` again.`;
  if (!dryRun) die(message);
  console.log(`release (dry run): ${message}`);
}

const verify = spawnSync(process.execPath, [join(root, 'scripts', 'verify.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
if (verify.status !== 0) die('pnpm verify failed; nothing was published');
if (dryRun) {
  console.log('release (dry run): every check passed; nothing was published');
  process.exit(0);
}
const publish = spawnSync(join(root, 'node_modules', '.bin', 'changeset'), ['publish'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(publish.status ?? 1);
