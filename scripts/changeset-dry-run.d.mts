export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}
/** Workspace packages by folder (packages/x, apps/x). */
export function workspacePackages(root: string): Record<string, PackageJson>;
/** The largest pending changeset bump per package name. */
export function pendingBumps(root: string): Record<string, 'patch' | 'minor' | 'major'>;
/** `version` raised by `bump`. */
export function bumpVersion(version: string, bump: 'patch' | 'minor' | 'major'): string;
/** Each package named in a changeset → the version its changesets mean to release. */
export function intendedVersions(root: string): Record<string, string>;
/** `changeset version` in a scratch copy with no GitHub token; the repository is not touched. */
export function dryChangesetVersion(root: string): {
  before: Record<string, PackageJson>;
  after: Record<string, PackageJson>;
  changelogs: Record<string, string>;
  output: string;
};
