/**
 * `pnpm bench`: by default, the scenarios of the scoreboard (ours beside each peer) on the
 * adapters they compare on, a few minutes; `--full` runs every scenario on every available
 * adapter. Prints an estimate first, progress with the time left, then the scoreboard; writes
 * the rows as JSON and the chart as SVG to apps/bench/results/. `--help` lists the flags.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findRedisServer, type RedisServer, startRedis } from '@raptorflow/testkit';
import { ADAPTERS } from './adapters.js';
import { chartSpec, renderSvg } from './chart.js';
import {
  type BenchOptions,
  type BenchSettings,
  DEFAULT_SETTINGS,
  estimateMs,
  FULL_SETTINGS,
  planRuns,
  QUICK_SETTINGS,
  runBench,
} from './harness.js';
import { infoField, probeCommand } from './redis-probe.js';
import { environment, formatDuration, formatTable, writeChart, writeReport } from './report.js';
import { loadScenario, SCENARIOS } from './scenarios/index.js';
import { defaultSelection, formatScoreboard, scoreboard } from './scoreboard.js';
import type { BenchRedis } from './types.js';

const HELP = `Usage: pnpm bench [flags]

By default: the scoreboard's scenarios (ours beside each peer, same run), a few minutes; then the
scoreboard, and the JSON and the chart (SVG) in apps/bench/results/.

  --full                 every scenario on every available adapter (about 10 min)
  --quick                smoke run, under ~3 min: 0.2 s warm-up, 0.5 s measured, bounded op counts
  --filter <text>        only scenarios whose name contains <text> (repeatable); any scenario,
                         not only the scoreboard's
  --adapters <a,b>       adapters to use (default: all; Redis ones need redis-server or REDIS_URL)
  --concurrency <1,64>   operations in flight, one run each (default 1,64)
  --duration <s>         measured seconds per run (default 2; 3 with --full)
  --warmup <s>           warm-up seconds per run (default 0.5; 1 with --full)
  --runs <n>             repeat every run n times, interleaved; rows show the median (default 1)
  --monitor-ops <n>      operations sampled under MONITOR per Redis run, 0 = off (default 100)
  --table                also print the detailed table of every row (columns: apps/bench/README.md)
  --out <dir>            where the JSON and the chart go (default apps/bench/results)
  --list                 print the planned runs and exit
  --help

Through \`pnpm bench\` (scripts/bench.mjs) also:
  --no-build             skip \`turbo run build\` and run the existing dist/
  --source               run the TypeScript sources through tsx (no build; adds loader overhead)

Redis: REDIS_URL is used when set; otherwise a redis-server on the PATH is started on a free
loopback port and stopped at the end.`;

function numberList(text: string, flag: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${flag} takes whole numbers >= 1`);
  return out;
}

function seconds(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} takes a number of seconds > 0`);
  return n * 1000;
}

function redisFromUrl(text: string): BenchRedis {
  const url = new URL(text);
  if (url.protocol !== 'redis:')
    throw new Error('REDIS_URL must be redis://host:port (rediss:// is not supported)');
  return { url: text, host: url.hostname, port: Number(url.port || 6379) };
}

/** `--quick` stays under about three minutes: shorter phases when there are many rows. */
const QUICK_BUDGET_MS = 170_000;

function fitQuickBudget(opts: BenchOptions, rows: number): void {
  const settings = opts as BenchSettings;
  const estimate = estimateMs(rows, settings);
  if (estimate <= QUICK_BUDGET_MS) return;
  const perRow = QUICK_BUDGET_MS / rows - estimateMs(1, { warmupMs: 0, durationMs: 0 });
  const scale = Math.max(0, perRow) / (settings.warmupMs + settings.durationMs);
  opts.warmupMs = Math.max(100, Math.floor(settings.warmupMs * scale));
  opts.durationMs = Math.max(200, Math.floor(settings.durationMs * scale));
  const after = estimateMs(rows, opts as BenchSettings);
  process.stderr.write(
    `--quick: ${rows} runs, so ${opts.warmupMs} ms warm-up and ${opts.durationMs} ms measured per run` +
      `${after > QUICK_BUDGET_MS ? ` (still about ${formatDuration(after)}: narrow it with --filter)` : ''}\n`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      filter: { type: 'string', multiple: true },
      adapters: { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'monitor-ops': { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      table: { type: 'boolean', default: false },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const quick = values.quick;
  const adapters = values.adapters?.split(',').map((s) => s.trim()) ?? Object.keys(ADAPTERS);
  const mode = quick ? QUICK_SETTINGS : values.full ? FULL_SETTINGS : DEFAULT_SETTINGS;
  // The scoreboard's scenarios unless --full or --filter (a filter picks from every scenario).
  const select = values.full || values.filter ? undefined : defaultSelection(Object.keys(SCENARIOS));
  const monitorOps = values['monitor-ops'] !== undefined ? Number(values['monitor-ops']) : mode.monitorOps;
  if (!Number.isInteger(monitorOps) || monitorOps < 0)
    throw new Error('--monitor-ops takes a whole number >= 0');
  const options: BenchOptions = {
    ...mode,
    filter: values.filter,
    select,
    adapters,
    concurrency: values.concurrency ? numberList(values.concurrency, '--concurrency') : [1, 64],
    warmupMs: seconds(values.warmup, '--warmup', mode.warmupMs),
    durationMs: seconds(values.duration, '--duration', mode.durationMs),
    monitorOps,
    runs: values.runs ? (numberList(values.runs, '--runs')[0] as number) : 1,
  };

  const controller = new AbortController();
  let server: RedisServer | undefined;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping the running benchmark and the Redis it started\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    let redis: BenchRedis | undefined;
    let redisSource: 'started' | 'REDIS_URL' | 'none' = 'none';
    const wantsRedis = adapters.some((a) => ADAPTERS[a]?.redis);
    if (wantsRedis && process.env.REDIS_URL) {
      redis = redisFromUrl(process.env.REDIS_URL);
      redisSource = 'REDIS_URL';
    } else if (wantsRedis && !values.list) {
      const found = await findRedisServer().then(
        () => true,
        () => false,
      );
      if (found) {
        server = await startRedis();
        redis = { url: server.url, host: server.host, port: server.port };
        redisSource = 'started';
        process.stderr.write(`redis-server started on ${server.url} (pid ${server.pid})\n`);
      } else {
        process.stderr.write('no REDIS_URL and no redis-server on the PATH: Redis adapters are skipped\n');
      }
    }
    const opts: BenchOptions = { ...options, redis, signal: controller.signal };

    if (values.list) {
      const planned = await planRuns({ ...opts, redis: redis ?? { url: '', host: '', port: 0 } });
      const names = [...new Set(planned.map((r) => r.scenario))];
      const width = Math.max(0, ...names.map((n) => n.length));
      for (const name of names) {
        const { description } = await loadScenario(name);
        const runs = planned.filter((r) => r.scenario === name).map((r) => `${r.adapter} c=${r.concurrency}`);
        process.stdout.write(
          `${name.padEnd(width)}  ${description}\n${' '.repeat(width + 2)}${runs.join(', ')}\n`,
        );
      }
      const settings = { warmupMs: opts.warmupMs ?? 0, durationMs: opts.durationMs ?? 0 };
      process.stdout.write(
        `${planned.length} runs, about ${formatDuration(estimateMs(planned.length * (opts.runs ?? 1), settings))}\n`,
      );
      return 0;
    }

    const redisVersion = redis
      ? await probeCommand(redis, ['INFO', 'server']).then(
          (info) => infoField(info, 'redis_version') ?? null,
          () => null,
        )
      : null;
    const env = environment(redisVersion, redisSource);
    const planned = await planRuns(opts);
    const repeat = opts.runs ?? 1;
    const total = planned.length * repeat;
    if (quick) fitQuickBudget(opts, total);
    const what = select
      ? `the scoreboard's scenarios (${new Set(planned.map((r) => r.scenario)).size} of ${Object.keys(SCENARIOS).length}; --full runs all)`
      : values.full
        ? 'every scenario on every available adapter'
        : `scenarios matching ${values.filter?.join(', ')}`;
    process.stderr.write(
      `Plan: ${total} runs, ${what}, about ${formatDuration(estimateMs(total, opts as BenchSettings))}.\n` +
        `Node ${env.node}, ${env.cpu.model} × ${env.cpu.cores}, Redis ${redisVersion ?? '–'}. Ctrl-C stops cleanly.\n`,
    );
    let done = 0;
    const started = Date.now();
    const rows = await runBench({
      ...opts,
      onRow: (row) => {
        done++;
        const left = ((Date.now() - started) / done) * (total - done);
        process.stderr.write(
          `[${done}/${total}] ${row.scenario} ${row.adapter} c=${row.concurrency}: ${Math.round(row.opsPerSec)} ops/s` +
            `${done < total ? ` · about ${formatDuration(left)} left` : ''}\n`,
        );
      },
    });
    if (values.table) process.stdout.write(`\n${formatTable(rows)}\n`);
    for (const r of rows)
      for (const n of r.notes) process.stderr.write(`note (${r.scenario} ${r.adapter}): ${n}\n`);
    const board = scoreboard(rows);
    process.stdout.write(`\n${formatScoreboard(board)}\n`);
    const dir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
    const { signal: _s, onRow: _o, redis: _r, select: _sel, ...settings } = opts;
    const file = writeReport(dir, { ...env, settings, rows, scoreboard: board });
    const shown = (path: string): string => {
      const rel = relative(process.cwd(), path);
      return rel.startsWith('..') ? path : rel;
    };
    let chart = '';
    try {
      const title = `RaptorFlow KV bench, ${env.date.slice(0, 16).replace('T', ' ')} UTC, ${env.cpu.cores} × ${env.cpu.model}`;
      chart = shown(writeChart(dir, env.date, await renderSvg(chartSpec(board, title))));
    } catch (error) {
      process.stderr.write(`the chart could not be drawn: ${(error as Error).message}\n`);
    }
    process.stdout.write(
      `\nResults: ${shown(file)} (every row, every field)` +
        `${chart ? `\nChart:   ${chart} (open it in a browser)` : ''}` +
        `\nAlso as ${shown(dir)}/latest.json${chart ? ' and latest.svg' : ''}. ` +
        `Every column: apps/bench/README.md${values.table ? '' : '; --table prints every row'}.\n` +
        `Took ${formatDuration(Date.now() - started)}.\n`,
    );
    return 0;
  } catch (error) {
    if (controller.signal.aborted) return 130;
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    if (server) await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
    process.exit(2);
  },
);
