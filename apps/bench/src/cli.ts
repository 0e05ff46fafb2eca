/**
 * `pnpm bench`: runs every scenario on every available adapter and prints a table; writes
 * the rows as JSON to apps/bench/results/. `--help` lists the flags.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findRedisServer, type RedisServer, startRedis } from '@raptorflow/testkit';
import { ADAPTERS } from './adapters.js';
import { type BenchOptions, FULL_SETTINGS, planRuns, QUICK_SETTINGS, runBench } from './harness.js';
import { infoField, probeCommand } from './redis-probe.js';
import { environment, formatTable, writeReport } from './report.js';
import { loadScenario } from './scenarios/index.js';
import type { BenchRedis } from './types.js';

const HELP = `Usage: pnpm bench [flags]

  --filter <text>        only scenarios whose name contains <text> (repeatable)
  --adapters <a,b>       adapters to use (default: all; Redis ones need redis-server or REDIS_URL)
  --concurrency <1,64>   operations in flight, one run each (default 1,64)
  --duration <s>         measured seconds per run (default 3)
  --warmup <s>           warm-up seconds per run (default 1)
  --runs <n>             repeat every run n times, interleaved; rows show the median (default 1)
  --monitor-ops <n>      operations sampled under MONITOR per Redis run, 0 = off (default 200)
  --quick                smoke run: 0.2 s warm-up, 0.5 s measured, bounded op counts
  --out <dir>            where the JSON goes (default apps/bench/results)
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
  const mode = quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const monitorOps = values['monitor-ops'] !== undefined ? Number(values['monitor-ops']) : mode.monitorOps;
  if (!Number.isInteger(monitorOps) || monitorOps < 0)
    throw new Error('--monitor-ops takes a whole number >= 0');
  const options: BenchOptions = {
    ...mode,
    filter: values.filter,
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
      process.stdout.write(`${planned.length} runs\n`);
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
    const total = planned.length * (opts.runs ?? 1);
    process.stderr.write(
      `${total} runs on Node ${env.node}, ${env.cpu.model} × ${env.cpu.cores}, Redis ${redisVersion ?? '–'}\n`,
    );
    let done = 0;
    const rows = await runBench({
      ...opts,
      onRow: (row) => {
        done++;
        process.stderr.write(
          `[${done}/${total}] ${row.scenario} ${row.adapter} c=${row.concurrency}: ${Math.round(row.opsPerSec)} ops/s\n`,
        );
      },
    });
    process.stdout.write(`\n${formatTable(rows)}\n`);
    for (const r of rows)
      for (const n of r.notes) process.stderr.write(`note (${r.scenario} ${r.adapter}): ${n}\n`);
    const dir = values.out ?? fileURLToPath(new URL('../results/', import.meta.url));
    const { signal: _s, onRow: _o, redis: _r, ...settings } = opts;
    const file = writeReport(dir, { ...env, settings, rows });
    process.stdout.write(`\nJSON: ${file}\n`);
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
