#!/usr/bin/env node
// The README's test command: everything CI checks, in one go, on a fresh machine.
// 1. make sure redis-server and promtool exist (Debian as root: install / extract Debian's
//    packages; elsewhere: stop with the exact command to run), 2. lint, 3. typecheck + build,
// 4. package checks on every published package (scripts/check-packages.mjs: tarball files,
//    publint --strict, attw), 5. the structure check, 6. every test (vitest starts and stops its
//    own loopback servers).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePromtool, PROMTOOL_HINT } from './promtool.mjs';
import { testSummary } from './test-report.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

function run(title, command, args, options = {}) {
  const started = Date.now();
  console.log(`\n▶ ${title}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
    process.exit(result.status || 1);
  }
  console.log(`✔ ${title} (${seconds} s)`);
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function ensureRedis() {
  if (hasRedisServer()) return;
  const debian = existsSync('/etc/debian_version');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (debian && root) {
    console.log("redis-server is missing: installing Debian's package");
    run('apt-get update', 'apt-get', ['update', '-qq']);
    run('install redis-server', 'apt-get', ['install', '-y', '-qq', 'redis-server'], {
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    // The package starts a system service on 6379; tests never use it (they start their own).
    if (hasRedisServer()) return;
  }
  const hint = debian
    ? 'sudo apt-get install -y redis-server'
    : 'brew install redis   # or your OS package manager';
  console.error(`redis-server is required for the tests and was not found on the PATH.\nRun: ${hint}`);
  process.exit(1);
}

// promtool checks the Prometheus exposition of @raptorflow/metrics; extracted from Debian's
// `prometheus` package when missing (no install, no service), like redis-server above.
function ensurePromtoolOrExit() {
  if (ensurePromtool()) return;
  console.error(`promtool is required for the metrics tests and was not found.\nRun: ${PROMTOOL_HINT}`);
  process.exit(1);
}

// Debian's Chromium drives the demo's browser tests (playwright-core with `executablePath`):
// installed from Debian's packages when missing, like redis-server; never a browser download.
const CHROMIUM_PATHS = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];

function hasChromium() {
  return CHROMIUM_PATHS.some((path) => existsSync(path));
}

function ensureChromium() {
  if (hasChromium()) return;
  const debian = existsSync('/etc/debian_version');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (debian && root) {
    console.log("chromium is missing: installing Debian's packages (chromium-headless-shell, chromium)");
    run('apt-get update', 'apt-get', ['update', '-qq']);
    run('install chromium', 'apt-get', ['install', '-y', '-qq', 'chromium-headless-shell', 'chromium'], {
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (hasChromium()) return;
  }
  const hint = debian
    ? 'sudo apt-get install -y chromium-headless-shell chromium'
    : `install Chromium at one of ${CHROMIUM_PATHS.join(', ')}`;
  console.error(`Chromium is required for the demo's browser tests and was not found.\nRun: ${hint}`);
  process.exit(1);
}

ensureRedis();
ensurePromtoolOrExit();
ensureChromium();
run('lint (biome)', bin('biome'), ['check', '--error-on-warnings', '.']);
run('typecheck, build (turbo)', bin('turbo'), ['run', 'typecheck', 'build']);
run('package checks (tarball files, publint --strict, attw)', process.execPath, [
  join(root, 'scripts', 'check-packages.mjs'),
]);
run('structure check', process.execPath, [join(root, 'scripts', 'check-structure.mjs')]);

const reportDir = mkdtempSync(join(tmpdir(), 'raptorflow-vitest-'));
const reportFile = join(reportDir, 'report.json');
const vitest = spawnSync(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`],
  { cwd: root, stdio: 'inherit', env: { ...env, CI: process.env.CI ?? 'true' } },
);
const summary = testSummary(reportFile);
rmSync(reportDir, { recursive: true, force: true });
console.log(`\n${summary}`);
process.exit(vitest.status ?? 1);
