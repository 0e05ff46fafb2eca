// promtool (Prometheus's checker) for the exposition tests of @raptorflow/metrics, handled like
// redis-server: on the PATH, or extracted from Debian's `prometheus` package into
// node_modules/.cache without installing or starting the server. Used by scripts/verify.mjs
// (install when missing) and by packages/metrics/test (find it; fail when missing).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/** Where the extracted package lands. */
export const PROMTOOL_CACHE = join(root, 'node_modules', '.cache', 'raptorflow-promtool');
const extracted = join(PROMTOOL_CACHE, 'usr', 'bin', 'promtool');

const works = (bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;

/** The path of a working promtool (PATH first, then the extracted copy), or undefined. */
export function findPromtool() {
  if (works('promtool')) return 'promtool';
  if (existsSync(extracted) && works(extracted)) return extracted;
  return undefined;
}

/** The command that gets promtool on this machine, for error messages. */
export const PROMTOOL_HINT =
  'node scripts/promtool.mjs   # as root on Debian: apt-get download prometheus && dpkg-deb -x into node_modules/.cache';

/**
 * Find promtool, or on Debian as root extract it from the `prometheus` package (apt-get
 * download + dpkg-deb -x: no install, no service). Returns its path, or undefined when that is
 * impossible here (then print {@link PROMTOOL_HINT}).
 */
export function ensurePromtool({ log = console.log } = {}) {
  const found = findPromtool();
  if (found) return found;
  const debian = existsSync('/etc/debian_version');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!debian || !isRoot) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'raptorflow-promtool-'));
  try {
    log("promtool is missing: extracting it from Debian's prometheus package");
    const download = () =>
      spawnSync('apt-get', ['download', '-qq', 'prometheus'], { cwd: dir, stdio: 'ignore' });
    if (download().status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      if (download().status !== 0) return undefined;
    }
    const deb = readdirSync(dir).find((f) => f.startsWith('prometheus_') && f.endsWith('.deb'));
    if (!deb) return undefined;
    mkdirSync(PROMTOOL_CACHE, { recursive: true });
    if (spawnSync('dpkg-deb', ['-x', join(dir, deb), PROMTOOL_CACHE], { stdio: 'ignore' }).status !== 0)
      return undefined;
    return findPromtool();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node scripts/promtool.mjs`: get it now.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const bin = ensurePromtool();
  if (!bin) {
    console.error(`promtool could not be found or extracted here.\nRun: ${PROMTOOL_HINT}`);
    process.exit(1);
  }
  console.log(bin);
}
