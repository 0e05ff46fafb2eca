/**
 * The scoreboard: what a newcomer reads first. For each feature, our scenario against each
 * peer's on the same adapter and concurrency in the same run, as one ratio with one meaning
 * (ours ÷ peer in ops/s: above 1.00× we are faster), the Redis commands per operation of both,
 * and our latency beside the latencies the old system promised.
 *
 * Extend it by adding a line to COMPARISONS (a new feature, a new peer) or PROMISES: the default
 * run is made of the scenarios named here, so a comparison added here is measured by `pnpm bench`.
 * A comparison whose scenario does not exist (yet) is left out of the run and of the scoreboard.
 */
import type { BenchRow } from './protocol.js';

/** Ours against one or more peers doing the same work. */
export interface Comparison {
  /** The feature, as a heading: `cache`, `rate limit`, … */
  readonly feature: string;
  /** What one operation does, shown on each line: `get, hit in Redis`. */
  readonly operation: string;
  /** Our scenario. */
  readonly ours: string;
  /**
   * Peer scenarios, each with the name shown for it. `adapter` names the adapter of the peer's
   * rows when it is not the line's: a peer that runs on one client only (redlock: ioredis)
   * against ours on another adapter, same run, same Redis. Its label should say so.
   */
  readonly peers: ReadonlyArray<{
    readonly scenario: string;
    readonly label: string;
    readonly adapter?: string;
  }>;
  /** Adapters the comparison runs on (the rows of both sides must exist on each). */
  readonly adapters: readonly string[];
  /** Part of the default `pnpm bench` run; the others run with `--full`. @default true */
  readonly inDefault?: boolean;
}

/** A latency the old system promised, and the scenario of ours that measures it. */
export interface Promise_ {
  readonly what: string;
  /** The promised bound, ms. */
  readonly ms: number;
  /** The scenario that measures it, or undefined while none exists (shown as not measured). */
  readonly scenario: string | undefined;
  readonly adapter: string;
  /** Why this scenario stands for it, shown beside it (e.g. "one store.get until session lands"). */
  readonly via?: string;
}

export const COMPARISONS: readonly Comparison[] = [
  {
    feature: 'cache',
    operation: 'get, hit in Redis (no L1)',
    ours: 'cache-get-l2-raptorflow',
    peers: [
      { scenario: 'cache-get-l2-bentocache', label: 'bentocache' },
      { scenario: 'cache-get-l2-cache-manager', label: 'cache-manager' },
      { scenario: 'cache-get-l2-keyv', label: 'keyv' },
    ],
    adapters: ['ioredis'],
  },
  {
    feature: 'cache',
    operation: 'get, hit in Redis (no L1), encrypted namespace (cost of encryption)',
    ours: 'cache-get-l2-raptorflow-encrypted',
    peers: [{ scenario: 'cache-get-l2-raptorflow', label: 'ours, not encrypted' }],
    adapters: ['ioredis'],
  },
  {
    feature: 'cache',
    operation: 'get, hit in the L1',
    ours: 'cache-get-l1-raptorflow',
    peers: [
      { scenario: 'cache-get-l1-bentocache', label: 'bentocache' },
      { scenario: 'cache-get-l1-cache-manager', label: 'cache-manager' },
      { scenario: 'cache-get-l1-cacheable', label: 'cacheable' },
    ],
    adapters: ['ioredis'],
  },
  {
    feature: 'cache',
    operation: 'miss, load and fill',
    ours: 'cache-miss-raptorflow',
    peers: [
      { scenario: 'cache-miss-bentocache', label: 'bentocache' },
      { scenario: 'cache-miss-cache-manager', label: 'cache-manager' },
      { scenario: 'cache-miss-keyv', label: 'keyv' },
      { scenario: 'cache-miss-cacheable', label: 'cacheable' },
    ],
    adapters: ['ioredis'],
  },
  {
    feature: 'cache',
    operation: 'set',
    ours: 'cache-set-raptorflow',
    peers: [
      { scenario: 'cache-set-bentocache', label: 'bentocache' },
      { scenario: 'cache-set-cache-manager', label: 'cache-manager' },
      { scenario: 'cache-set-keyv', label: 'keyv' },
      { scenario: 'cache-set-cacheable', label: 'cacheable' },
    ],
    adapters: ['ioredis'],
    inDefault: false,
  },
  {
    feature: 'rate limit',
    operation: 'fixed window, allowed',
    ours: 'ratelimit-fixed-window',
    peers: [{ scenario: 'ratelimit-rlf', label: 'rate-limiter-flexible' }],
    adapters: ['ioredis', 'memory'],
  },
  {
    feature: 'rate limit',
    operation: 'sliding window over Upstash REST',
    ours: 'ratelimit-upstash-ours',
    peers: [{ scenario: 'ratelimit-upstash-peer', label: '@upstash/ratelimit' }],
    adapters: ['ioredis'],
  },
  {
    feature: 'locks',
    operation: 'acquire + release',
    ours: 'locks-raptorflow',
    peers: [
      { scenario: 'locks-redlock', label: 'redlock' },
      { scenario: 'locks-sesame', label: '@sesamecare-oss/redlock' },
    ],
    adapters: ['ioredis'],
  },
  {
    // The issue's second goal: ours on our fastest Redis client against redlock, which runs on
    // ioredis only (node-redis clients fail in it, redlock #282).
    feature: 'locks',
    operation: 'acquire + release',
    ours: 'locks-raptorflow',
    peers: [{ scenario: 'locks-redlock', label: 'redlock (on ioredis)', adapter: 'ioredis' }],
    adapters: ['node-redis'],
  },
  {
    feature: 'locks',
    operation: 'contended (64 on 8 resources)',
    ours: 'locks-contended-raptorflow',
    peers: [
      { scenario: 'locks-contended-redlock', label: 'redlock' },
      { scenario: 'locks-contended-sesame', label: '@sesamecare-oss/redlock' },
    ],
    adapters: ['ioredis'],
    inDefault: false,
  },
  {
    feature: 'locks',
    operation: 'contended (64 on 8 resources)',
    ours: 'locks-contended-raptorflow',
    peers: [{ scenario: 'locks-contended-redlock', label: 'redlock (on ioredis)', adapter: 'ioredis' }],
    adapters: ['node-redis'],
    inDefault: false,
  },
  {
    feature: 'queue',
    operation: 'enqueue',
    ours: 'queue-enqueue-raptorflow',
    peers: [
      { scenario: 'queue-enqueue-bullmq', label: 'BullMQ' },
      { scenario: 'queue-enqueue-bee-queue', label: 'bee-queue' },
    ],
    adapters: ['ioredis'],
  },
  {
    feature: 'queue',
    operation: 'process a full queue, worker concurrency 64',
    ours: 'queue-process-c64-raptorflow',
    peers: [
      { scenario: 'queue-process-c64-bullmq', label: 'BullMQ' },
      { scenario: 'queue-process-c64-bee-queue', label: 'bee-queue' },
    ],
    adapters: ['ioredis'],
  },
  {
    feature: 'queue',
    operation: 'enqueue and process together, worker concurrency 64',
    ours: 'queue-together-c64-raptorflow',
    peers: [
      { scenario: 'queue-together-c64-bullmq', label: 'BullMQ' },
      { scenario: 'queue-together-c64-bee-queue', label: 'bee-queue' },
    ],
    adapters: ['ioredis'],
  },
  {
    feature: 'session',
    operation: 'get (touch when due)',
    ours: 'session-get-raptorflow',
    peers: [{ scenario: 'session-get-connect-redis', label: 'connect-redis 8' }],
    adapters: ['ioredis'],
  },
  {
    feature: 'store',
    operation: 'get (overhead over the raw client)',
    ours: 'store-get',
    peers: [{ scenario: 'raw-ioredis-get', label: 'raw ioredis' }],
    adapters: ['ioredis'],
  },
  {
    feature: 'store',
    operation: 'get on node-redis (overhead over the raw client)',
    ours: 'store-get',
    peers: [{ scenario: 'raw-node-redis-get', label: 'raw node-redis' }],
    adapters: ['node-redis'],
  },
];

export const PROMISES: readonly Promise_[] = [
  { what: 'session lookup', ms: 5, scenario: 'session-get-raptorflow', adapter: 'ioredis' },
  { what: 'rate-limit check', ms: 2, scenario: 'ratelimit-fixed-window', adapter: 'ioredis' },
  {
    what: 'queue processing',
    ms: 50,
    scenario: 'queue-together-c64-raptorflow',
    adapter: 'ioredis',
    via: 'enqueue to completion, one worker',
  },
];

/** What the default run measures: per scenario, the adapters its comparisons need, in order. */
export function defaultSelection(
  known: readonly string[],
  comparisons: readonly Comparison[] = COMPARISONS,
  promises: readonly Promise_[] = PROMISES,
): Array<{ scenario: string; adapters: string[] }> {
  const out = new Map<string, Set<string>>();
  const add = (scenario: string, adapters: readonly string[]): void => {
    if (!known.includes(scenario)) return;
    const set = out.get(scenario) ?? new Set<string>();
    for (const a of adapters) set.add(a);
    out.set(scenario, set);
  };
  for (const c of comparisons) {
    if (c.inDefault === false || !known.includes(c.ours)) continue;
    add(c.ours, c.adapters);
    for (const p of c.peers) add(p.scenario, p.adapter ? [p.adapter] : c.adapters);
  }
  for (const p of promises) if (p.scenario) add(p.scenario, [p.adapter]);
  return [...out].map(([scenario, adapters]) => ({ scenario, adapters: [...adapters] }));
}

/** One ours-vs-peer line of the scoreboard. */
export interface ScoreLine {
  readonly feature: string;
  readonly operation: string;
  readonly adapter: string;
  readonly peer: string;
  /** ours ÷ peer ops/s by concurrency (only where both rows exist). */
  readonly ratio: Readonly<Record<number, number>>;
  /** Redis commands per operation (INFO commandstats, scripts' inner calls included), at the highest concurrency. */
  readonly commandsPerOp: { readonly ours: number | null; readonly peer: number | null };
}

/** One promise, measured. */
export interface PromiseLine {
  readonly what: string;
  readonly ms: number;
  readonly scenario: string | undefined;
  readonly adapter: string;
  readonly via: string | undefined;
  /** p50 and p99 in ms by concurrency; empty when not measured. */
  readonly latencyMs: Readonly<Record<number, { readonly p50: number; readonly p99: number }>>;
  /** p99 within the promise at concurrency 1 (one caller); undefined when not measured. */
  readonly kept: boolean | undefined;
}

export interface Scoreboard {
  readonly lines: readonly ScoreLine[];
  readonly promises: readonly PromiseLine[];
  /** Concurrencies present in the rows, ascending. */
  readonly concurrency: readonly number[];
}

/** Build the scoreboard from rows of one run. */
export function scoreboard(
  rows: readonly BenchRow[],
  comparisons: readonly Comparison[] = COMPARISONS,
  promises: readonly Promise_[] = PROMISES,
): Scoreboard {
  const find = (scenario: string, adapter: string, concurrency: number): BenchRow | undefined =>
    rows.find((r) => r.scenario === scenario && r.adapter === adapter && r.concurrency === concurrency);
  const concurrency = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
  const lines: ScoreLine[] = [];
  for (const c of comparisons) {
    for (const adapter of c.adapters) {
      for (const peer of c.peers) {
        const ratio: Record<number, number> = {};
        let top: { ours: BenchRow; peer: BenchRow } | undefined;
        for (const n of concurrency) {
          const ours = find(c.ours, adapter, n);
          const theirs = find(peer.scenario, peer.adapter ?? adapter, n);
          if (!ours || !theirs || theirs.opsPerSec <= 0) continue;
          ratio[n] = ours.opsPerSec / theirs.opsPerSec;
          top = { ours, peer: theirs };
        }
        if (!top) continue;
        lines.push({
          feature: c.feature,
          operation: c.operation,
          adapter,
          peer: peer.label,
          ratio,
          commandsPerOp: {
            ours: top.ours.commands?.perOp ?? null,
            peer: top.peer.commands?.perOp ?? null,
          },
        });
      }
    }
  }
  const promiseLines: PromiseLine[] = promises.map((p) => {
    const latencyMs: Record<number, { p50: number; p99: number }> = {};
    for (const n of concurrency) {
      const row = p.scenario ? find(p.scenario, p.adapter, n) : undefined;
      if (row) latencyMs[n] = { p50: row.latencyUs.p50 / 1000, p99: row.latencyUs.p99 / 1000 };
    }
    const single = latencyMs[1] ?? latencyMs[concurrency[0] ?? 1];
    return {
      what: p.what,
      ms: p.ms,
      scenario: p.scenario,
      adapter: p.adapter,
      via: p.via,
      latencyMs,
      kept: single ? single.p99 < p.ms : undefined,
    };
  });
  return { lines, promises: promiseLines, concurrency };
}

const ratioText = (r: number | undefined): string => (r === undefined ? '–' : `${r.toFixed(2)}×`);
const cmdText = (n: number | null): string => (n === null ? '–' : String(Number(n.toFixed(2))));
function msText(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** The scoreboard as text, under 100 columns: one block per feature, then the promises. */
export function formatScoreboard(board: Scoreboard): string {
  const out: string[] = [];
  const conc = board.concurrency;
  out.push('SCOREBOARD  ours ÷ peer in ops/s, same run, same Redis: above 1.00× we are faster');
  out.push('            (differences under ~20 % are noise on a shared machine; see apps/bench/README.md)');
  const head = [
    'feature / operation · peer',
    ...conc.map((n) => (conc.length > 1 ? `c=${n}` : 'ratio')),
    'cmds/op ours·peer',
  ];
  const body: string[][] = [];
  let lastFeature = '';
  let lastOperation = '';
  for (const line of board.lines) {
    if (line.feature !== lastFeature) {
      body.push([line.feature.toUpperCase(), ...conc.map(() => ''), '']);
      lastFeature = line.feature;
      lastOperation = '';
    }
    const op = `${line.operation}${line.adapter === 'ioredis' ? '' : ` [${line.adapter}]`}`;
    const label = op === lastOperation ? `    · ${line.peer}` : `  ${op} · ${line.peer}`;
    lastOperation = op;
    body.push([
      label,
      ...conc.map((n) => ratioText(line.ratio[n])),
      `${cmdText(line.commandsPerOp.ours)} · ${cmdText(line.commandsPerOp.peer)}`,
    ]);
  }
  if (board.lines.length === 0)
    body.push(['(no ours-and-peer pair ran: widen --filter or --adapters)', ...conc.map(() => ''), '']);
  out.push(...table(head, body));

  out.push('');
  out.push('LATENCY  ours beside the old system’s promises: p50 / p99, ms (p99 at one caller decides;');
  out.push('         at 64 in flight it includes queueing behind the other 63)');
  const phead = ['promise', ...conc.map((n) => `c=${n}`), 'verdict', 'measured by'];
  const pbody = board.promises.map((p) => {
    const cells = conc.map((n) => {
      const l = p.latencyMs[n];
      return l ? `${msText(l.p50)} / ${msText(l.p99)}` : '–';
    });
    const verdict = p.kept === undefined ? 'not measured' : p.kept ? 'kept' : 'MISSED';
    const by = p.scenario ? `${p.scenario} (${p.adapter})` : '';
    const via = p.via ? (by ? `; ${p.via}` : p.via) : '';
    return [`${p.what} < ${p.ms} ms`, ...cells, verdict, `${by}${via}`];
  });
  out.push(...table(phead, pbody, 2));
  return out.join('\n');
}

/** Aligned columns: the first and the last `leftTail` ones left-aligned, the others right. */
function table(head: readonly string[], body: readonly (readonly string[])[], leftTail = 1): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const left = (i: number): boolean => i === 0 || i >= head.length - leftTail;
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (left(i) ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)];
}
