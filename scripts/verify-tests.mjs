#!/usr/bin/env node
// The test step of `pnpm verify`, in two more modes (lint and build are verify's job):
//
//   node scripts/verify-tests.mjs stress   `pnpm verify:stress`: the whole suite (vitest run) beside
//                                          busy-loop processes that saturate every core, as on a
//                                          shared CI runner. A test that depends on wall-clock
//                                          speed fails here; none should.
//   node scripts/verify-tests.mjs long     `pnpm verify:long`: the whole suite with
//                                          RAPTORFLOW_LONG=1, which proofs read to run at full size
//                                          (`grep -rl RAPTORFLOW_LONG packages` lists them: core's
//                                          differential test and fuzz suite, the Cluster failover,
//                                          cache's stampede, the feature fuzz suites).
//
// Extra arguments go to vitest (e.g. a file filter). The busy loops are bounded in time (they
// exit on their own after BUSY_MAX_MS) and are stopped by PID when the suite ends, fails, or on
// Ctrl-C / SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { testSummary } from './test-report.mjs';

const root = new URL('..', import.meta.url).pathname;
const [mode, ...vitestArgs] = process.argv.slice(2);
if (mode !== 'stress' && mode !== 'long') {
  console.error('usage: node scripts/verify-tests.mjs stress|long [vitest args...]');
  process.exit(2);
}

/** The longest a busy loop may live, whatever happens to this script (kill -9 included). */
const BUSY_MAX_MS = 30 * 60_000;
const busyCount = Math.max(2, availableParallelism());
const busy = [];
if (mode === 'stress') {
  const loop = `const end = Date.now() + ${BUSY_MAX_MS}; let x = 0; while (Date.now() < end) x = (x + 1) % 1e9;`;
  for (let i = 0; i < busyCount; i++) {
    const child = spawn(process.execPath, ['-e', loop], { stdio: 'ignore' });
    busy.push(child);
  }
  console.log(
    `▶ ${busyCount} busy-loop processes (PIDs ${busy.map((c) => c.pid).join(', ')}), at most ${BUSY_MAX_MS / 60_000} min`,
  );
}

function stopBusy() {
  for (const child of busy) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  busy.length = 0;
}

let vitest;
let signalled = false;
function onSignal(signal) {
  stopBusy();
  // Forward the signal and let vitest stop its servers (its global teardown); its exit ends this
  // script. A second signal ends at once.
  if (signalled || !vitest?.pid || vitest.exitCode !== null) process.exit(130);
  signalled = true;
  vitest.kill(signal);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', stopBusy);

const reportDir = mkdtempSync(join(tmpdir(), 'raptorflow-vitest-'));
const reportFile = join(reportDir, 'report.json');
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  CI: process.env.CI ?? 'true',
  ...(mode === 'long' ? { RAPTORFLOW_LONG: '1' } : {}),
};
const started = Date.now();
console.log(`▶ tests (${mode}): vitest run ${vitestArgs.join(' ')}`);
vitest = spawn(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...vitestArgs],
  { cwd: root, stdio: 'inherit', env },
);
vitest.on('exit', (code, signal) => {
  stopBusy();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary = testSummary(reportFile);
  rmSync(reportDir, { recursive: true, force: true });
  const ok = code === 0;
  console.log(
    `\n${ok ? '✔' : '✖'} verify:${mode} ${ok ? 'passed' : `failed (exit ${code ?? signal})`} in ${seconds} s; ${summary}`,
  );
  process.exit(code ?? 1);
});
