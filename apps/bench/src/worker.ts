/**
 * Child process entry: runs one scenario × adapter × concurrency and prints one result line.
 * It imports only the harness, the scenario and (through the registry) its adapter, because
 * what is loaded changes V8's GC behaviour and with it p99 (research/perf-anchors.md).
 */
import { ADAPTERS, type BenchStore } from './adapters.js';
import { buildFixtures } from './fixtures.js';
import { watchGc } from './gc.js';
import { createHistogram } from './histogram.js';
import { closedLoop } from './loop.js';
import {
  type BenchRow,
  type CommandCount,
  type CommandStats,
  type MonitorStats,
  RESULT_MARKER,
  type RunSpec,
} from './protocol.js';
import type { RedisDelta } from './redis-probe.js';
import { loadScenario } from './scenarios/index.js';
import type { ScenarioContext } from './types.js';

function perName(counts: Map<string, number>, ops: number): Record<string, CommandCount> {
  const out: Record<string, CommandCount> = {};
  for (const [name, calls] of [...counts].sort((a, b) => b[1] - a[1])) {
    out[name] = { calls, perOp: calls / ops };
  }
  return out;
}

function sum(counts: Map<string, number>): number {
  let total = 0;
  for (const c of counts.values()) total += c;
  return total;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function run(spec: RunSpec): Promise<BenchRow> {
  const adapter = ADAPTERS[spec.adapter];
  if (!adapter) throw new Error(`unknown adapter ${spec.adapter}`);
  const scenario = await loadScenario(spec.scenario);
  const fixtures = buildFixtures(spec.prefix);
  let built: Promise<BenchStore> | undefined;
  const ctx: ScenarioContext = {
    adapter: spec.adapter,
    redis: spec.redis,
    fixtures,
    store: async () => {
      built ??= adapter.create(spec.redis);
      return (await built).store;
    },
  };
  const notes: string[] = [];
  // Only Redis runs load the probe (and testkit behind it): a memory run imports no socket code.
  const probe = spec.redis ? await import('./redis-probe.js') : undefined;
  const instance = await scenario.setup(ctx);
  const gc = watchGc();
  try {
    let index = 0;
    const warm = await closedLoop(instance.op, {
      concurrency: spec.concurrency,
      maxOps: spec.warmupOps,
      maxMs: spec.warmupMs,
      firstIndex: index,
    });
    index += warm.ops;

    const histogram = createHistogram();
    const before =
      spec.redis && probe ? await probe.snapshot(spec.redis).catch(noteFailure(notes, 'INFO')) : undefined;
    const cpu0 = process.cpuUsage();
    const measured = await closedLoop(instance.op, {
      concurrency: spec.concurrency,
      maxOps: spec.maxOps,
      maxMs: spec.durationMs,
      firstIndex: index,
      histogram,
    });
    const cpu = process.cpuUsage(cpu0);
    const after =
      spec.redis && probe && before
        ? await probe.snapshot(spec.redis).catch(noteFailure(notes, 'INFO'))
        : undefined;
    index += measured.ops;
    const gcSummary = await gc.summary(measured.startedAt, measured.startedAt + measured.elapsedMs);
    const ops = measured.ops;
    if (ops === 0) throw new Error('no operation completed in the measured period');

    const delta: RedisDelta | undefined =
      probe && before && after ? probe.diffSnapshots(before, after) : undefined;
    const commands: CommandStats | null = delta
      ? { calls: sum(delta.commands), perOp: sum(delta.commands) / ops, byName: perName(delta.commands, ops) }
      : null;

    let monitor: MonitorStats | null = null;
    if (spec.redis && probe && spec.monitorOps > 0) {
      const sampleOps = spec.monitorOps;
      const first = index;
      try {
        const seen = await probe.countWithMonitor(spec.redis, async () => {
          for (let i = 0; i < sampleOps; i++) await instance.op(first + i);
        });
        monitor = {
          ops: sampleOps,
          clientPerOp: sum(seen.client) / sampleOps,
          scriptPerOp: sum(seen.script) / sampleOps,
          client: perName(seen.client, sampleOps),
          script: perName(seen.script, sampleOps),
        };
      } catch (error) {
        notes.push(`MONITOR sample skipped: ${message(error)}`);
      }
    }

    notes.push(...(instance.notes?.() ?? []));
    const seconds = measured.elapsedMs / 1000;
    return {
      scenario: spec.scenario,
      adapter: spec.adapter,
      concurrency: spec.concurrency,
      ops,
      elapsedMs: measured.elapsedMs,
      opsPerSec: ops / seconds,
      latencyUs: { p50: histogram.quantileUs(0.5), p99: histogram.quantileUs(0.99), max: histogram.maxUs },
      clientCpuUsPerOp: (cpu.user + cpu.system) / ops,
      gcMsPerSec: gcSummary.totalMs / seconds,
      gcCount: gcSummary.count,
      redisCpuUsPerOp: delta ? (delta.cpuSeconds * 1e6) / ops : null,
      commands,
      monitor,
      runs: null,
      baseline: null,
      notes,
    };
  } finally {
    gc.stop();
    await instance.teardown();
    if (built) await (await built).close();
  }
}

function noteFailure(notes: string[], what: string): (error: unknown) => undefined {
  return (error) => {
    notes.push(`${what} failed, no Redis counters: ${message(error)}`);
    return undefined;
  };
}

const spec = JSON.parse(process.argv[2] ?? 'null') as RunSpec | null;
if (!spec) {
  process.stderr.write('usage: worker <run spec as JSON>\n');
  process.exit(2);
}
run(spec).then(
  (row) => {
    // Exit explicitly: a client that keeps a handle open must not hang the bench.
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(row)}\n`, () => process.exit(0));
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
