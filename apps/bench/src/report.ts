import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './protocol.js';
import type { Scoreboard } from './scoreboard.js';

/** Where and on what a run happened. */
export interface BenchEnvironment {
  /** ISO date of the start of the run. */
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: { readonly model: string; readonly cores: number };
  /** Total memory, GiB. */
  readonly memoryGiB: number;
  /** `redis_version` from INFO; null when no Redis was used or INFO was refused. */
  readonly redisVersion: string | null;
  /** Where Redis came from: started by the bench, `REDIS_URL`, or none. */
  readonly redisSource: 'started' | 'REDIS_URL' | 'none';
}

/** The JSON file a run writes. */
export interface BenchReport extends BenchEnvironment {
  /** Harness settings of the run. */
  readonly settings: Record<string, unknown>;
  readonly rows: readonly BenchRow[];
  /** The scoreboard printed at the end (scoreboard.ts), from the same rows. */
  readonly scoreboard?: Scoreboard;
}

/** Describe this machine. */
export function environment(
  redisVersion: string | null,
  redisSource: BenchEnvironment['redisSource'],
): BenchEnvironment {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${release()}`,
    cpu: { model: list[0]?.model.trim() ?? 'unknown', cores: list.length },
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    redisVersion,
    redisSource,
  };
}

function fmtInt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function fmtNum(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n < 10 && digits > 0 ? n.toFixed(Math.max(digits, 2)) : n.toFixed(digits);
}

function fmtCommands(row: BenchRow): string {
  if (!row.commands) return '–';
  const names = Object.entries(row.commands.byName)
    .map(([name, c]) => `${name} ${Number(c.perOp.toFixed(2))}`)
    .join(', ');
  return names ? `${Number(row.commands.perOp.toFixed(2))} (${names})` : '0';
}

/** Column headings of the stdout table. */
const HEADINGS = [
  'scenario',
  'adapter',
  'conc',
  'ops/s',
  'vs base',
  'p50 µs',
  'p99 µs',
  'CPU µs/op',
  'Redis µs/op',
  'GC ms/s',
  'client cmds/op',
  'Redis cmds/op (by name)',
];

/** Render rows as an aligned text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [
    r.scenario,
    r.adapter,
    String(r.concurrency),
    r.runs
      ? `${fmtInt(r.opsPerSec)} (${fmtInt(Math.min(...r.runs.opsPerSec))}–${fmtInt(Math.max(...r.runs.opsPerSec))})`
      : fmtInt(r.opsPerSec),
    r.baseline ? `${r.baseline.ratio.toFixed(2)}×` : '–',
    fmtNum(r.latencyUs.p50),
    fmtNum(r.latencyUs.p99, 0),
    fmtNum(r.clientCpuUsPerOp),
    fmtNum(r.redisCpuUsPerOp),
    fmtNum(r.gcMsPerSec, 0),
    r.monitor ? String(Number(r.monitor.clientPerOp.toFixed(2))) : '–',
    fmtCommands(r),
  ]);
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const right = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const line = (c: readonly string[]): string =>
    c
      .map((v, i) => (right.has(i) ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(HEADINGS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The file name stem of a run: its start date, safe on every file system. */
export function reportStem(date: string): string {
  return date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
}

/** Write `<dir>/<date>.json` and `<dir>/latest.json`; returns the dated path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const file = join(dir, `${reportStem(report.date)}.json`);
  writeFileSync(file, json);
  writeFileSync(join(dir, 'latest.json'), json);
  return file;
}

/** Write the chart beside the JSON: `<dir>/<date>.svg` and `<dir>/latest.svg`; returns the dated path. */
export function writeChart(dir: string, date: string, svg: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${reportStem(date)}.svg`);
  writeFileSync(file, svg);
  writeFileSync(join(dir, 'latest.svg'), svg);
  return file;
}

/** A duration for people: `45 s`, `3 min 10 s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest === 0 ? `${m} min` : `${m} min ${String(rest).padStart(2, '0')} s`;
}
