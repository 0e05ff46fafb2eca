// The scoreboard, the chart and the report helpers on fixed rows: no benchmark runs here, and no
// number depends on the machine.
import { describe, expect, it } from 'vitest';
import { chartSpec, renderSvg } from '../src/chart.js';
import { CHILD_OVERHEAD_MS, estimateMs, planRuns } from '../src/harness.js';
import type { BenchRow } from '../src/protocol.js';
import { formatDuration, reportStem } from '../src/report.js';
import { SCENARIOS } from '../src/scenarios/index.js';
import {
  COMPARISONS,
  type Comparison,
  defaultSelection,
  formatScoreboard,
  PROMISES,
  type Promise_,
  scoreboard,
} from '../src/scoreboard.js';

function row(
  scenario: string,
  adapter: string,
  concurrency: number,
  opsPerSec: number,
  latencyUs: { p50: number; p99: number } = { p50: 100, p99: 400 },
  commandsPerOp: number | null = 1,
): BenchRow {
  return {
    scenario,
    adapter,
    concurrency,
    ops: opsPerSec,
    elapsedMs: 1000,
    opsPerSec,
    latencyUs: { ...latencyUs, max: latencyUs.p99 * 2 },
    clientCpuUsPerOp: 10,
    gcMsPerSec: 1,
    gcCount: 1,
    redisCpuUsPerOp: 5,
    commands:
      commandsPerOp === null ? null : { calls: commandsPerOp * opsPerSec, perOp: commandsPerOp, byName: {} },
    monitor: null,
    runs: null,
    baseline: null,
    notes: [],
  };
}

const CACHE: Comparison = {
  feature: 'cache',
  operation: 'get',
  ours: 'ours-get',
  peers: [
    { scenario: 'peer-a-get', label: 'peer-a' },
    { scenario: 'peer-b-get', label: 'peer-b' },
  ],
  adapters: ['ioredis', 'memory'],
};
const LIMIT: Comparison = {
  feature: 'rate limit',
  operation: 'check',
  ours: 'ours-limit',
  peers: [{ scenario: 'peer-limit', label: 'peer-l' }],
  adapters: ['ioredis'],
  inDefault: false,
};
const PROMISED: Promise_[] = [
  { what: 'lookup', ms: 5, scenario: 'ours-get', adapter: 'ioredis' },
  { what: 'check', ms: 2, scenario: 'ours-limit', adapter: 'ioredis', via: 'a stand-in' },
  { what: 'queue', ms: 50, scenario: undefined, adapter: 'ioredis', via: 'no queue scenario yet' },
];

const ROWS: BenchRow[] = [
  row('ours-get', 'ioredis', 1, 20_000, { p50: 450, p99: 1_200 }, 1),
  row('ours-get', 'ioredis', 64, 60_000, { p50: 900, p99: 4_000 }, 1),
  row('peer-a-get', 'ioredis', 1, 10_000, undefined, 2),
  row('peer-a-get', 'ioredis', 64, 80_000, undefined, 3),
  // peer-b ran at one concurrency only; memory has our row but no peer row.
  row('peer-b-get', 'ioredis', 64, 30_000, undefined, null),
  row('ours-get', 'memory', 1, 900_000, undefined, null),
  row('ours-limit', 'ioredis', 1, 8_000, { p50: 500, p99: 2_500 }, 4),
  row('ours-limit', 'ioredis', 64, 9_000, { p50: 6_000, p99: 9_000 }, 4),
  row('peer-limit', 'ioredis', 1, 4_000, undefined, 4),
  row('peer-limit', 'ioredis', 64, 12_000, undefined, 5),
];

describe('scoreboard', () => {
  const board = scoreboard(ROWS, [CACHE, LIMIT], PROMISED);

  it('gives ours ÷ peer per concurrency, only where both rows exist, with both sides’ commands per op', () => {
    expect(board.concurrency).toEqual([1, 64]);
    expect(board.lines).toEqual([
      {
        feature: 'cache',
        operation: 'get',
        adapter: 'ioredis',
        peer: 'peer-a',
        ratio: { 1: 2, 64: 0.75 },
        commandsPerOp: { ours: 1, peer: 3 },
      },
      {
        feature: 'cache',
        operation: 'get',
        adapter: 'ioredis',
        peer: 'peer-b',
        ratio: { 64: 2 },
        commandsPerOp: { ours: 1, peer: null },
      },
      {
        feature: 'rate limit',
        operation: 'check',
        adapter: 'ioredis',
        peer: 'peer-l',
        ratio: { 1: 2, 64: 0.75 },
        commandsPerOp: { ours: 4, peer: 5 },
      },
    ]);
  });

  it('judges each promise on p99 at one caller, and says when nothing measures it', () => {
    expect(board.promises.map((p) => [p.what, p.kept, p.latencyMs])).toEqual([
      ['lookup', true, { 1: { p50: 0.45, p99: 1.2 }, 64: { p50: 0.9, p99: 4 } }],
      ['check', false, { 1: { p50: 0.5, p99: 2.5 }, 64: { p50: 6, p99: 9 } }],
      ['queue', undefined, {}],
    ]);
  });

  it('prints a narrow text: features as headings, ratios, commands, verdicts', () => {
    const text = formatScoreboard(board);
    const lines = text.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(110);
    expect(text).toContain('ours ÷ peer in ops/s');
    expect(lines.find((l) => l.includes('· peer-a'))).toMatch(/get · peer-a\s+2\.00×\s+0\.75×\s+1 · 3$/);
    expect(lines.find((l) => l.includes('· peer-b'))).toMatch(/^\s+· peer-b\s+–\s+2\.00×\s+1 · –$/);
    expect(lines).toContain('CACHE');
    expect(lines).toContain('RATE LIMIT');
    expect(lines.find((l) => l.startsWith('lookup < 5 ms'))).toMatch(
      /0\.45 \/ 1\.20\s+0\.90 \/ 4\.00\s+kept\s+ours-get \(ioredis\)$/,
    );
    expect(lines.find((l) => l.startsWith('check < 2 ms'))).toMatch(
      /MISSED\s+ours-limit \(ioredis\); a stand-in$/,
    );
    expect(lines.find((l) => l.startsWith('queue < 50 ms'))).toMatch(
      /–\s+–\s+not measured\s+no queue scenario yet$/,
    );
  });

  it('compares ours on one adapter with a peer that runs on another, when the peer names it', () => {
    const CROSS: Comparison = {
      feature: 'locks',
      operation: 'acquire',
      ours: 'ours-lock',
      peers: [{ scenario: 'peer-lock', label: 'peer (on ioredis)', adapter: 'ioredis' }],
      adapters: ['node-redis'],
    };
    const rows = [
      row('ours-lock', 'node-redis', 64, 30_000, undefined, 6),
      row('ours-lock', 'ioredis', 64, 15_000, undefined, 6),
      row('peer-lock', 'ioredis', 64, 20_000, undefined, 6),
      // A peer row on node-redis (there is none in a real run) must not be the one compared.
      row('peer-lock', 'node-redis', 64, 1_000, undefined, 6),
    ];
    const cross = scoreboard(rows, [CROSS], []);
    expect(cross.lines).toEqual([
      {
        feature: 'locks',
        operation: 'acquire',
        adapter: 'node-redis',
        peer: 'peer (on ioredis)',
        ratio: { 64: 1.5 },
        commandsPerOp: { ours: 6, peer: 6 },
      },
    ]);
    expect(formatScoreboard(cross)).toMatch(/acquire \[node-redis\] · peer \(on ioredis\)\s+1\.50×/);
    expect(defaultSelection(['ours-lock', 'peer-lock'], [CROSS], [])).toEqual([
      { scenario: 'ours-lock', adapters: ['node-redis'] },
      { scenario: 'peer-lock', adapters: ['ioredis'] },
    ]);
  });

  it('says so when no pair ran', () => {
    const text = formatScoreboard(scoreboard([row('ours-get', 'ioredis', 1, 1)], [CACHE], []));
    expect(text).toContain('no ours-and-peer pair ran');
  });
});

describe('the default run', () => {
  it('is the scenarios of the default comparisons and the promises, on their adapters, known ones only', () => {
    const known = ['ours-get', 'peer-a-get', 'ours-limit', 'peer-limit'];
    expect(defaultSelection(known, [CACHE, LIMIT], PROMISED)).toEqual([
      { scenario: 'ours-get', adapters: ['ioredis', 'memory'] },
      { scenario: 'peer-a-get', adapters: ['ioredis', 'memory'] },
      // LIMIT is not in the default run, but a promise names ours-limit.
      { scenario: 'ours-limit', adapters: ['ioredis'] },
    ]);
  });

  it('names only scenarios that exist, and every comparison of the real list resolves', () => {
    const known = Object.keys(SCENARIOS);
    const selection = defaultSelection(known);
    expect(selection.length).toBeGreaterThan(8);
    for (const { scenario } of selection) expect(known).toContain(scenario);
    for (const c of COMPARISONS) {
      expect(known, c.ours).toContain(c.ours);
      for (const p of c.peers) expect(known, p.scenario).toContain(p.scenario);
    }
    for (const p of PROMISES) if (p.scenario) expect(known).toContain(p.scenario);
  });

  it('plans the selected scenarios in order, each on its own adapters, filter on top', async () => {
    const redis = { url: 'redis://127.0.0.1:1', host: '127.0.0.1', port: 1 };
    const select = [
      { scenario: 'raw-ioredis-get', adapters: ['ioredis'] },
      { scenario: 'store-get', adapters: ['ioredis', 'memory'] },
      { scenario: 'no-such-scenario', adapters: ['ioredis'] },
    ];
    const plan = await planRuns({ select, redis, concurrency: [1, 64] });
    expect(plan.map((r) => `${r.scenario}/${r.adapter}/${r.concurrency}`)).toEqual([
      'raw-ioredis-get/ioredis/1',
      'raw-ioredis-get/ioredis/64',
      'store-get/memory/1',
      'store-get/memory/64',
      'store-get/ioredis/1',
      'store-get/ioredis/64',
    ]);
    const filtered = await planRuns({
      select,
      redis,
      concurrency: [1],
      filter: ['store'],
      adapters: ['memory'],
    });
    expect(filtered).toEqual([{ scenario: 'store-get', adapter: 'memory', concurrency: 1 }]);
  });

  it('estimates from the phases and a per-child overhead, and prints durations for people', () => {
    expect(estimateMs(10, { warmupMs: 500, durationMs: 2000 }, CHILD_OVERHEAD_MS)).toBe(
      10 * (2500 + CHILD_OVERHEAD_MS),
    );
    expect(formatDuration(45_200)).toBe('45 s');
    expect(formatDuration(190_000)).toBe('3 min 10 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(reportStem('2026-12-02T14:19:09.123Z')).toBe('2026-12-02T14-19-09Z');
  });
});

describe('the chart', () => {
  const board = scoreboard(ROWS, [CACHE, LIMIT], PROMISED);

  it('plots every ratio and every measured promise', () => {
    const spec = chartSpec(board, 'title') as {
      vconcat: Array<{ data: { values: Array<Record<string, unknown>> } }>;
    };
    const [ratios, latencies] = spec.vconcat;
    expect(ratios?.data.values).toEqual([
      { comparison: 'cache: get vs peer-a', concurrency: 'c=1', ratio: 2 },
      { comparison: 'cache: get vs peer-a', concurrency: 'c=64', ratio: 0.75 },
      { comparison: 'cache: get vs peer-b', concurrency: 'c=64', ratio: 2 },
      { comparison: 'rate limit: check vs peer-l', concurrency: 'c=1', ratio: 0.75 * (8 / 3) },
      { comparison: 'rate limit: check vs peer-l', concurrency: 'c=64', ratio: 0.75 },
    ]);
    expect(latencies?.data.values.map((v) => [v.promise, v.concurrency, v.p99, v.bound])).toEqual([
      ['lookup < 5 ms', 'c=1', 1.2, 5],
      ['lookup < 5 ms', 'c=64', 4, 5],
      ['check < 2 ms', 'c=1', 2.5, 2],
      ['check < 2 ms', 'c=64', 9, 2],
    ]);
  });

  it('renders to an SVG with Vega, labels included', async () => {
    const svg = await renderSvg(chartSpec(board, 'Fixed rows'));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Fixed rows');
    expect(svg).toContain('cache: get vs peer-a');
    expect(svg).toContain('lookup &lt; 5 ms');
  });
});
