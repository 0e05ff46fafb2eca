// The code blocks of the READMEs, as a test reads them (packages/core/test/readme-blocks.test.ts).
//
// A fenced block whose language is ts, typescript, js or javascript is checked; its info string
// says how:
//   ```ts            runs as pasted: type-checked under strict (imports included, placeholders
//                    declared), not run (it may need a cloud store, a web server, …)
//   ```ts run        also run, with REDIS_URL set to the test Redis; it must exit by itself
//                    (stores closed) within the test's bound
//   ```ts fragment   a piece of a larger program: skipped (say so in the text around it)
// Any other language (sh, text, json, …) is not code to run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CODE = new Set(['ts', 'typescript', 'js', 'javascript']);

/** The checked blocks of one Markdown text: `{ lang, mode: 'check' | 'run' | 'fragment', code, line }`. */
export function extractBlocks(markdown) {
  const out = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (lines[j].trimStart().startsWith(fence) && lines[j].trim() === lines[j].trim().replace(/[^`~]/g, ''))
        break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    if (CODE.has(lang.toLowerCase())) {
      const words = rest.split(/\s+/).filter(Boolean);
      const mode = words.includes('fragment') ? 'fragment' : words.includes('run') ? 'run' : 'check';
      out.push({ lang: lang.toLowerCase(), mode, code: `${body.join('\n')}\n`, line: i + 1 });
    }
    i = j;
  }
  return out;
}

/** Every README of the repository: the root one and each workspace package's, by path. */
export function readmes(root) {
  const out = [];
  if (existsSync(join(root, 'README.md'))) out.push('README.md');
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const file = join(group, name, 'README.md');
      if (existsSync(join(root, file))) out.push(file);
    }
  }
  return out;
}

/**
 * `paths` for a tsconfig outside the workspace: each `@raptorflow/<pkg>[/<sub>]` to the source
 * file its export names. Other packages resolve through a `node_modules` beside the blocks that
 * links to the one pnpm hoists for the workspace (`node_modules/.pnpm/node_modules`).
 */
export function workspacePaths(root) {
  const paths = {};
  const base = join(root, 'packages');
  for (const dir of readdirSync(base)) {
    const file = join(base, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === 'object' ? target['@raptorflow/source'] : undefined;
      if (!source) continue;
      paths[`${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}`] = [join(base, dir, source)];
    }
  }
  return paths;
}
