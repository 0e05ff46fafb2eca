import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type ClusterMember, type RedisCluster, startCluster } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotOf } from '../src/adapters/ioredis/cluster.js';
import { ioredisAdapter } from '../src/adapters/ioredis.js';
import { type FailoverStore, withFailover } from '../src/layers/failover.js';
import { until } from '../src/testing/index.js';
import type { KvStore } from '../src/types.js';
import { classify } from './cluster-failover/classify.js';
import { runLoad, type Write } from './cluster-failover/load.js';

// A Cluster that loses a master keeps serving: 3 masters with a replica each, a bounded write load
// through the ioredis adapter (and withFailover over it), one master SIGKILLed mid-load. The
// figures of every run are printed as one `cluster-failover` JSON line; packages/core/README.md
// quotes them. `pnpm verify:long` (RAPTORFLOW_LONG=1) runs the full size: ten times the writes
// and two kills per stack, each killed node revived as a replica before the next kill.
const LONG = process.env.RAPTORFLOW_LONG === '1';
const WRITES_BEFORE_KILL = LONG ? 3000 : 300;
const WRITES_AFTER_RECOVERY = LONG ? 3000 : 300;
const KILLS_PER_STACK = LONG ? 2 : 1;
// cluster-node-timeout: a replica starts its election this long after its master went silent.
const NODE_TIMEOUT_MS = 1000;
const CONCURRENCY = 8;
// Bounds only (the run ends on the event "N writes acknowledged after recovery"): generous for a
// busy 2-core machine.
const MAX_WRITES = WRITES_BEFORE_KILL + WRITES_AFTER_RECOVERY + 20_000;
const MAX_LOAD_MS = 120_000;
const RECOVERY_DEADLINE_MS = 60_000;

let cluster: RedisCluster;
const stores: KvStore[] = [];

beforeAll(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
}, 60_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await cluster?.stop();
});

function seeds(): Array<{ host: string; port: number }> {
  return cluster.nodes.map((n) => ({ ...n }));
}

/** A master whose replica is up: killing it must end in a promotion. */
async function pickVictim(): Promise<ClusterMember> {
  const members = await cluster.members();
  const victim = members.find(
    (m) => m.role === 'master' && !m.failed && members.some((r) => r.masterId === m.id && !r.failed),
  );
  if (!victim) throw new Error('no master with a live replica');
  return victim;
}

interface Episode {
  writes: Write[];
  victim: ClusterMember;
  /** Answers seen before the replicas were synced (WAIT) and before the SIGKILL. */
  syncSeq: number;
  killSeq: number;
  /** Time the replica sync's write and WAIT took, ms. */
  syncMs: number;
  /** `performance.now()` at the SIGKILL. */
  killedAt: number;
  /** From SIGKILL until every slot is served again (as the Cluster reports it), ms. */
  recoveryMs: number;
  /** From SIGKILL until the failover layer's circuit is closed again, ms (failover stack only). */
  closedMs: number | undefined;
}

/** One load with one master killed in the middle of it. */
async function episode(store: KvStore, failover: FailoverStore | undefined): Promise<Episode> {
  const victim = await pickVictim();
  const out: Episode = {
    writes: [],
    victim,
    syncSeq: 0,
    killSeq: 0,
    syncMs: 0,
    killedAt: 0,
    recoveryMs: 0,
    closedMs: undefined,
  };
  const result = await runLoad({
    store,
    prefix: `cluster-failover:${randomUUID().slice(0, 8)}:`,
    lists: 64,
    counters: 64,
    concurrency: CONCURRENCY,
    faultAfter: WRITES_BEFORE_KILL,
    tail: WRITES_AFTER_RECOVERY,
    maxWrites: MAX_WRITES,
    maxMs: MAX_LOAD_MS,
    onFault: async (seqNow) => {
      // Writes answered before this point are on the replica once WAIT returns: only writes
      // answered after it may be lost with the master (replication is asynchronous).
      let sentAt = 0;
      const synced = await cluster.syncReplicas(victim.port, {
        onSend: () => {
          out.syncSeq = seqNow();
          sentAt = performance.now();
        },
      });
      expect(synced).toBeGreaterThanOrEqual(1);
      out.syncMs = Math.round(performance.now() - sentAt);
      out.killSeq = seqNow();
      const killedAt = performance.now();
      out.killedAt = killedAt;
      await cluster.kill(victim.port);
      await cluster.waitUntilServed(RECOVERY_DEADLINE_MS);
      out.recoveryMs = Math.round(performance.now() - killedAt);
      if (failover) {
        await until(() => failover.failover.state === 'closed', RECOVERY_DEADLINE_MS);
        out.closedMs = Math.round(performance.now() - killedAt);
      }
    },
  });
  expect(result.faultError).toBeUndefined();
  expect(result.completed).toBe(true);
  out.writes = result.writes;
  return out;
}

function inVictimSlots(victim: ClusterMember, key: string): boolean {
  const slot = slotOf(key);
  return victim.slots.some(([a, b]) => slot >= a && slot <= b);
}

async function check(label: string, store: KvStore, e: Episode): Promise<void> {
  const c = await classify(store, e.writes);
  const failed = e.writes.filter((w) => w.status === 'failed');
  const codes: Record<string, number> = {};
  const messages: Record<string, string | undefined> = {};
  for (const w of failed) {
    codes[w.code ?? '?'] = (codes[w.code ?? '?'] ?? 0) + 1;
    messages[w.code ?? '?'] ??= w.message;
  }
  const figures = {
    label,
    writes: e.writes.length,
    acked: e.writes.filter((w) => w.status === 'acked').length,
    failed: failed.length,
    codes,
    messages,
    failedInDeadSlots: failed.filter((w) => inVictimSlots(e.victim, w.key)).length,
    failedAfterRecovery: failed.filter((w) => w.afterRecovery).length,
    longestCallMs: Math.round(Math.max(...e.writes.map((w) => w.ms))),
    recoveryMs: e.recoveryMs,
    // As a caller sees it: the first write to the dead master's slots, sent after the kill, answered.
    firstAckInDeadSlotsMs: Math.round(
      Math.min(
        ...e.writes
          .filter((w) => w.status === 'acked' && w.startedAt > e.killedAt && inVictimSlots(e.victim, w.key))
          .map((w) => w.endedAt - e.killedAt),
      ),
    ),
    closedMs: e.closedMs,
    lost: c.lost.length,
    lostIncrs: c.lostIncrs,
    ackedBetweenSyncAndKill: e.killSeq - e.syncSeq,
    syncMs: e.syncMs,
    failedPresent: c.failedPresent,
    failedAbsent: c.failedAbsent,
    duplicated: c.duplicated,
  };
  console.info(`cluster-failover ${JSON.stringify(figures)}`);

  expect(c.duplicated).toBe(0);
  expect(c.foreign).toBe(0);
  // Lost = acknowledged by the dead master after its replica last confirmed (WAIT), in its slots.
  for (const w of c.lost) {
    expect(inVictimSlots(e.victim, w.key), `${w.key} lost outside the dead master's slots`).toBe(true);
    expect(w.seq, `${w.key} lost though acknowledged before the replica sync`).toBeGreaterThan(e.syncSeq);
  }
  const riskyIncrs = e.writes.filter(
    (w) => w.kind === 'incr' && w.status === 'acked' && w.seq > e.syncSeq && inVictimSlots(e.victim, w.key),
  ).length;
  expect(c.lostIncrs).toBeLessThanOrEqual(riskyIncrs);
  // Writes go on after recovery: the run ended on its tail of acknowledged writes.
  expect(e.writes.filter((w) => w.afterRecovery && w.status === 'acked').length).toBeGreaterThanOrEqual(
    WRITES_AFTER_RECOVERY,
  );
}

describe(`a Cluster that loses a master keeps serving (${LONG ? 'full size' : 'small size'})`, () => {
  const timeout = LONG ? 600_000 : 120_000;

  it(
    'through the ioredis adapter: every slot served again, nothing duplicated, only unreplicated writes lost',
    async () => {
      const store = ioredisAdapter({ cluster: { nodes: seeds() } });
      stores.push(store);
      for (let k = 0; k < KILLS_PER_STACK; k++) {
        const e = await episode(store, undefined);
        await check(`ioredis kill ${k + 1}`, store, e);
        await cluster.revive(e.victim.port);
      }
    },
    timeout,
  );

  it(
    'through withFailover (fail-closed) over it: the circuit closes again after the promotion',
    async () => {
      const store = withFailover(ioredisAdapter({ cluster: { nodes: seeds() } }), {
        policy: 'fail-closed',
        breaker: { cooldownMs: 1000 },
      });
      stores.push(store);
      for (let k = 0; k < KILLS_PER_STACK; k++) {
        const e = await episode(store, store);
        await check(`withFailover kill ${k + 1}`, store, e);
        await cluster.revive(e.victim.port);
      }
    },
    timeout,
  );
});
