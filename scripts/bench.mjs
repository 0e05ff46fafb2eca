#!/usr/bin/env node
// `pnpm bench [flags]`: build the bench app and the packages it measures, then run it.
// The bench measures the built packages (what users install). `--source` runs the sources
// through tsx instead (no build; the loader adds its own overhead), `--no-build` skips the build.
// Every other flag goes to the bench: `pnpm bench --help`.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchDir = `${root}apps/bench/`;
let args = process.argv.slice(2);
if (args[0] === '--') args = args.slice(1);
const source = args.includes('--source');
const noBuild = args.includes('--no-build');
args = args.filter((a) => a !== '--source' && a !== '--no-build');

if (!source && !noBuild && !args.includes('--help')) {
  const build = spawnSync(
    'pnpm',
    ['turbo', 'run', 'build', '--filter=@raptorflow/bench...', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    },
  );
  if (build.status !== 0) {
    process.stderr.write(
      'bench: the build failed (see above); `pnpm bench --source` runs from sources instead\n',
    );
    process.exit(build.status ?? 1);
  }
}

let nodeArgs;
if (source) {
  const tsx = createRequire(`${benchDir}package.json`).resolve('tsx');
  nodeArgs = [
    '--conditions=@raptorflow/source',
    '--import',
    pathToFileURL(tsx).href,
    `${benchDir}src/cli.ts`,
  ];
} else {
  nodeArgs = [`${benchDir}dist/cli.js`];
}

const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the bench too (same process group): it stops its own child and Redis and
// exits; this wrapper only waits for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
