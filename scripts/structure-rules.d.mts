/** An adapter entry as check-structure reads it from the registry's source. */
export interface RegistryEntryText {
  name: string;
  subpath: string | undefined;
}
/** The adapters `packages/core/src/adapters/registry.ts` declares. */
export function readRegistry(source: string): RegistryEntryText[];
/** Problems with the adapter registry (see structure-rules.mjs). */
export function registryProblems(input: {
  modules: string[];
  registrySource: string;
  exports: Record<string, unknown>;
  tests: Record<string, string>;
}): string[];
/** Imports of shipped source the package does not declare as a dependency or peer. */
export function undeclaredImports(
  pkg: { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> },
  files: Record<string, string>,
): string[];
/** The repository's address, as `repository`, `homepage` and `bugs` use it. */
export const REPOSITORY: string;
/** Release metadata a published package.json lacks (see structure-rules.mjs). */
export function publishMetadataProblems(
  pkg: Record<string, unknown>,
  where: { directory: string; hasLicense: boolean },
): string[];
/** README problems on the registry page: relative links, no ESM-only statement. */
export function registryReadmeProblems(text: string): string[];
