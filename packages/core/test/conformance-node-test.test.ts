import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { memoryAdapter } from '../src/adapters/memory.js';
import { type ConformanceRunner, runConformance } from '../src/testing/conformance.js';

/**
 * `runConformance` is runner-agnostic: the memory suite runs under `node --test` (Node's built-in
 * runner, no vitest in charge) with every test passing, and a broken store fails there, so the
 * child's report is read, not assumed. Measured here: 72 tests in about 8 s of wall time per
 * child, 2 s of CPU.
 */
const CORE = fileURLToPath(new URL('../', import.meta.url));
const FIXTURE = 'test/fixtures/conformance-under-node-test.ts';

/** The TAP summary of one `node --test` run, and its exit code. */
interface TapRun {
  code: number;
  tests: number;
  pass: number;
  fail: number;
}

function runNodeTest(env: Record<string, string> = {}): Promise<TapRun> {
  const args = [
    '--test',
    '--test-reporter=tap',
    '--conditions=@raptorflow/source',
    '--import',
    'tsx',
    FIXTURE,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: CORE, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        const count = (name: string): number =>
          Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1]);
        const run = {
          code: error ? Number(error.code ?? 1) : 0,
          tests: count('tests'),
          pass: count('pass'),
          fail: count('fail'),
        };
        if (Number.isNaN(run.tests))
          reject(new Error(`no TAP summary from node --test:\n${stdout.slice(-2000)}`));
        else resolve(run);
      },
    );
  });
}

/** How many tests the suite registers, counted by a runner that records instead of running. */
function registeredTests(): number {
  let tests = 0;
  const noop = (): void => {};
  const recorder: ConformanceRunner = {
    describe: (_name, body) => body(),
    it: () => {
      tests++;
    },
    beforeAll: noop,
    afterAll: noop,
    beforeEach: noop,
    afterEach: noop,
    expect: () => {
      throw new Error('the recording runner runs no test');
    },
  };
  runConformance({ name: 'recorded', create: () => memoryAdapter(), runner: recorder });
  return tests;
}

describe('runConformance under node:test', () => {
  it('the suite module imports no test runner', async () => {
    const result = await build({
      entryPoints: [`${CORE}src/testing/conformance.ts`],
      bundle: true,
      write: false,
      packages: 'external',
      platform: 'neutral',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((path) => /vitest|jest|node:test|mocha/.test(path))).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.endsWith('group-strings.ts'))).toBe(true);
  });

  it('the memory suite passes under node --test, every registered test run', {
    timeout: 120_000,
  }, async () => {
    const registered = registeredTests();
    expect(registered).toBeGreaterThan(50);
    const run = await runNodeTest();
    expect(run).toEqual({ code: 0, tests: registered, pass: registered, fail: 0 });
  });

  it('a broken store fails there: the child reports failures and exits non-zero', {
    timeout: 120_000,
  }, async () => {
    // A 4-byte value limit: every test that stores a longer value gets E_VALUE_TOO_LARGE.
    const run = await runNodeTest({ FIXTURE_MAX_VALUE_BYTES: '4' });
    expect(run.code).not.toBe(0);
    expect(run.fail).toBeGreaterThan(0);
    expect(run.pass + run.fail).toBe(run.tests);
  });
});
