// The release as `pnpm version-packages` would make it, proven in a scratch copy: a dry
// `changeset version` with no GitHub token gives every package the version its changesets say,
// and in 0.x no bump of core ever turns a feature package into 1.0.0.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bumpVersion,
  dryChangesetVersion,
  intendedVersions,
  type PackageJson,
  workspacePackages,
} from '../../../scripts/changeset-dry-run.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('release: a dry changeset version in a scratch copy', () => {
  // One run (a few seconds of git and changesets) serves every assertion below.
  let run: ReturnType<typeof dryChangesetVersion>;
  let intended: Record<string, string>;
  let before: Record<string, PackageJson>;
  let after: Record<string, PackageJson>;
  beforeAll(() => {
    run = dryChangesetVersion(ROOT);
    intended = intendedVersions(ROOT);
    const byName = (packages: Record<string, PackageJson>) =>
      Object.fromEntries(Object.values(packages).map((p) => [p.name, p]));
    before = byName(run.before);
    after = byName(run.after);
    // A bound on a hang only (git and changesets in a scratch copy take seconds, more under load).
  }, 120_000);

  it('gives every package the version its changesets intend, and leaves the others alone', () => {
    expect(Object.keys(intended).length).toBeGreaterThan(0);
    for (const [name, pkg] of Object.entries(after)) {
      if (pkg.private) continue;
      expect({ name, version: pkg.version }).toEqual({
        name,
        version: intended[name] ?? before[name]?.version,
      });
    }
  });

  it('keeps every 0.x package in 0.x', () => {
    for (const [name, pkg] of Object.entries(after)) {
      if (before[name]?.version.startsWith('0.'))
        expect({ name, version: pkg.version }).toMatchObject({ version: expect.stringMatching(/^0\./) });
    }
  });

  it("keeps every feature package's core peer range admitting core's next version", () => {
    const core = after['@raptorflow/core']?.version;
    expect(core).toBeDefined();
    for (const [name, pkg] of Object.entries(after)) {
      const range = pkg.peerDependencies?.['@raptorflow/core'];
      if (range === undefined) continue;
      const comparators = range.split(/\s+/);
      expect({ name, range }).toEqual({ name, range: before[name]?.peerDependencies?.['@raptorflow/core'] });
      // The ranges are written ">=0.0.0 <1.0.0" (check-structure enforces a range that admits
      // the next minor); read them that way here.
      const lower = comparators.find((c) => c.startsWith('>='))?.slice(2);
      const upper = comparators.find((c) => c.startsWith('<'))?.slice(1);
      expect({ name, lower, upper }).toEqual({ name, lower: expect.any(String), upper: expect.any(String) });
      expect(compare(core as string, lower as string)).toBeGreaterThanOrEqual(0);
      expect(compare(core as string, upper as string)).toBeLessThan(0);
    }
  });

  it('writes a CHANGELOG.md for every released package, with its new version as the heading', () => {
    for (const [dir, pkg] of Object.entries(run.after)) {
      if (pkg.private || intended[pkg.name] === undefined) continue;
      expect(run.changelogs[dir], dir).toContain(`## ${pkg.version}\n`);
    }
  });

  it('bumps versions the semver way', () => {
    expect(bumpVersion('0.0.0', 'minor')).toBe('0.1.0');
    expect(bumpVersion('0.3.2', 'patch')).toBe('0.3.3');
    expect(bumpVersion('0.3.2', 'major')).toBe('1.0.0');
  });

  it('reads the real workspace', () => {
    expect(Object.keys(workspacePackages(ROOT))).toContain('packages/core');
  });
});

function compare(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}
