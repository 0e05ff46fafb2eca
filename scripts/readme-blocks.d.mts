export interface ReadmeBlock {
  lang: string;
  mode: 'check' | 'run' | 'fragment';
  code: string;
  /** Line of the opening fence, 1-based. */
  line: number;
}
/** The checked code blocks of a Markdown text. */
export function extractBlocks(markdown: string): ReadmeBlock[];
/** Every README of the repository, by path from the root. */
export function readmes(root: string): string[];
/** tsconfig `paths` resolving workspace packages to their sources and others to pnpm's hoisted copies. */
export function workspacePaths(root: string): Record<string, string[]>;
