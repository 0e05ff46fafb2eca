// Every code block of every README runs as pasted or is marked as a fragment
// (scripts/readme-blocks.mjs says how blocks are marked): each checked block is type-checked
// under strict as its own module, resolving packages as a user's project would, and the blocks
// marked `run` are run in a child process against the test Redis.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { extractBlocks, readmes, workspacePaths } from '../../../scripts/readme-blocks.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * READMEs whose blocks are not yet in the runnable-or-fragment shape: skipped. Every README is
 * converted today; a new package's README is checked from its first commit (empty this list
 * again when you convert one you had to add).
 */
const PENDING = new Set<string>([]);

const { redis } = inject('raptorflow');
// Inside the repository's node_modules (tools' cache folder), so that what the link below lacks
// (the root's own devDependencies: vitest, typescript) resolves one level up, as in a user's project.
mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
const scratch = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'readme-blocks-'));
// Third-party packages (ioredis, @upstash/redis, …) as a user's node_modules would hold them.
symlinkSync(join(ROOT, 'node_modules', '.pnpm', 'node_modules'), join(scratch, 'node_modules'), 'dir');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Written {
  readme: string;
  line: number;
  mode: 'check' | 'run';
  file: string;
}

const written: Written[] = [];
for (const readme of readmes(ROOT)) {
  if (PENDING.has(readme)) continue;
  for (const block of extractBlocks(readFileSync(join(ROOT, readme), 'utf8'))) {
    if (block.mode === 'fragment') continue;
    const ext = block.lang.startsWith('j') ? 'mjs' : 'mts';
    const file = join(scratch, `${readme.replaceAll('/', '_').replace(/\.md$/, '')}-L${block.line}.${ext}`);
    // `export {}` makes every block a module (top-level await, no globals shared between blocks).
    writeFileSync(file, `${block.code}\nexport {};\n`);
    written.push({ readme, line: block.line, mode: block.mode, file });
  }
}

const paths = workspacePaths(ROOT);
writeFileSync(
  join(scratch, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      customConditions: ['@raptorflow/source'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      paths,
    },
  }),
);

describe('README code blocks', () => {
  it('finds the blocks of the converted READMEs', () => {
    expect(written.length).toBeGreaterThan(0);
    expect(readmes(ROOT)).toEqual(expect.arrayContaining(['README.md', 'packages/core/README.md']));
  });

  it('type-checks every block that is not a fragment, under strict, as a user would import it', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(scratch, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => {},
      },
    );
    if (!config) throw new Error('the scratch tsconfig.json could not be read');
    const program = ts.createProgram(
      written.map((w) => w.file),
      config.options,
    );
    const problems: string[] = [];
    for (const w of written) {
      const source = program.getSourceFile(w.file);
      const diagnostics = [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ];
      for (const d of diagnostics) {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        problems.push(
          `${w.readme}:${w.line + 1 + at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        );
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  const runs = written.filter((w) => w.mode === 'run');
  it.each(runs.map((w) => [`${w.readme}:${w.line}`, w] as const))(
    'runs %s and it exits by itself',
    async (_name, w) => {
      const tsx = createRequire(import.meta.url).resolve('tsx');
      const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--conditions=@raptorflow/source', '--import', tsx, w.file], {
          cwd: scratch,
          env: { ...process.env, REDIS_URL: redis.url, TSX_TSCONFIG_PATH: join(scratch, 'tsconfig.json') },
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group: whatever it started (a redis-server) and left behind is killed with it.
          detached: true,
        });
        const killGroup = (): void => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // the group is already empty
          }
        };
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        // A hang bound only: a block that never exits (an open store) is killed by PID and fails.
        const timer = setTimeout(killGroup, 45_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          killGroup();
          resolve({ code, out });
        });
      });
      expect({ code: result.code, out: result.code === 0 ? '' : result.out }).toEqual({ code: 0, out: '' });
    },
    60_000,
  );
});
