// A dry `changeset version`: the workspace's package.json files and .changeset/ copied into a
// scratch git repository, versioned there with no GitHub token in the environment, read back,
// and thrown away. The repository itself is never touched. Used by `pnpm release` (before it
// publishes) and by packages/core/test/release.test.ts.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUMPS = ['patch', 'minor', 'major'];

/** Workspace packages: folder (packages/x, apps/x) → package.json. */
export function workspacePackages(root) {
  const out = {};
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, 'package.json');
      if (existsSync(file)) out[`${group}/${name}`] = JSON.parse(readFileSync(file, 'utf8'));
    }
  }
  return out;
}

/** The pending changesets' bump per package name (the largest one wins), from their front matter. */
export function pendingBumps(root) {
  const dir = join(root, '.changeset');
  const bumps = {};
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(join(dir, file), 'utf8'));
    if (!front) throw new Error(`.changeset/${file}: no front matter`);
    for (const line of front[1].split('\n')) {
      const m = /^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line);
      if (!m) {
        if (line.trim()) throw new Error(`.changeset/${file}: cannot read "${line}"`);
        continue;
      }
      const [, name, bump] = m;
      if (!bumps[name] || BUMPS.indexOf(bump) > BUMPS.indexOf(bumps[name])) bumps[name] = bump;
    }
  }
  return bumps;
}

/** `version` raised by `bump` (x.y.z only). */
export function bumpVersion(version, bump) {
  const [major, minor, patch] = version.split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/**
 * What the repository's changesets are meant to release: every package named in a changeset,
 * its version raised by its largest bump. In 0.x a breaking change is a minor (the root README's
 * versioning policy), so a `major` changeset is the one deliberate way to 1.0.0.
 */
export function intendedVersions(root) {
  const versions = {};
  const byName = Object.fromEntries(Object.values(workspacePackages(root)).map((p) => [p.name, p]));
  for (const [name, bump] of Object.entries(pendingBumps(root))) {
    if (!byName[name]) throw new Error(`a changeset names ${name}, which is not a workspace package`);
    versions[name] = bumpVersion(byName[name].version, bump);
  }
  return versions;
}

/**
 * Runs `changeset version` in a scratch copy. Returns every package's package.json before and
 * after (by folder), the CHANGELOG.md each one got, and the command's output.
 */
export function dryChangesetVersion(root) {
  const scratch = mkdtempSync(join(tmpdir(), 'raptorflow-changeset-'));
  try {
    for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(scratch, file));
    cpSync(join(root, '.changeset'), join(scratch, '.changeset'), { recursive: true });
    const before = workspacePackages(root);
    for (const dir of Object.keys(before)) {
      mkdirSync(join(scratch, dir), { recursive: true });
      cpSync(join(root, dir, 'package.json'), join(scratch, dir, 'package.json'));
      if (existsSync(join(root, dir, 'CHANGELOG.md')))
        cpSync(join(root, dir, 'CHANGELOG.md'), join(scratch, dir, 'CHANGELOG.md'));
    }
    // The changesets CLI and its changelog generator resolve from the repository's node_modules.
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    const env = { ...process.env, GIT_AUTHOR_NAME: 'dry run', GIT_AUTHOR_EMAIL: 'dry@run.invalid' };
    env.GIT_COMMITTER_NAME = env.GIT_AUTHOR_NAME;
    env.GIT_COMMITTER_EMAIL = env.GIT_AUTHOR_EMAIL;
    delete env.GITHUB_TOKEN;
    delete env.GH_TOKEN;
    const git = (...args) => execFileSync('git', args, { cwd: scratch, env, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'scratch copy');
    const output = execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], {
      cwd: scratch,
      env,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    const after = workspacePackages(scratch);
    const changelogs = {};
    for (const dir of Object.keys(after)) {
      const file = join(scratch, dir, 'CHANGELOG.md');
      if (existsSync(file)) changelogs[dir] = readFileSync(file, 'utf8');
    }
    return { before, after, changelogs, output };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
