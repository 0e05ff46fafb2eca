import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findFreePort } from './ports.js';
import { type RedisServer, startRedis } from './redis-server.js';
import { respCommand } from './resp.js';
import { RedisReplyError, RespConnection } from './resp-connection.js';

const execFileAsync = promisify(execFile);

/** Slots of a Redis Cluster (0..16383). */
const SLOTS = 16384;

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Masters; the slots are split evenly between them. @default 3 */
  masters?: number | undefined;
  /** Replicas of each master (`redis-cli --cluster-replicas`). @default 0 */
  replicasPerMaster?: number | undefined;
  /**
   * `cluster-node-timeout`, in ms: how long a node may be unreachable before the others mark it
   * failed and its replica starts an election. A master failover takes about this plus 1 s.
   * @default 5000
   */
  nodeTimeoutMs?: number | undefined;
  /** Give up waiting for `cluster_state:ok` and every replica's link after this many ms. @default 20000 */
  startTimeoutMs?: number | undefined;
}

/** Options of {@link RedisCluster.syncReplicas}. */
export interface SyncReplicasOptions {
  /** Give up waiting for the replicas after this many ms (`WAIT`'s timeout). @default 5000 */
  timeoutMs?: number | undefined;
  /** Called just before the marker write and `WAIT` are sent. */
  onSend?: (() => void) | undefined;
}

/** One node as the Cluster sees it now (`CLUSTER NODES`). */
export interface ClusterMember {
  /** The node's 40-character Cluster id. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** The master's id, for a replica. */
  readonly masterId: string | undefined;
  /** Slot ranges served, `[first, last]` inclusive (masters only). */
  readonly slots: ReadonlyArray<readonly [number, number]>;
  /** Marked `fail` (or `fail?`) by the node that answered. */
  readonly failed: boolean;
  /** The testkit process of this node, when it is one of ours. */
  readonly server: RedisServer | undefined;
}

/** A Redis Cluster started by testkit. */
export interface RedisCluster {
  /** Every node (masters and replicas as created), to use as seed nodes. */
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** `redis://127.0.0.1:<port>` of each node. */
  readonly urls: readonly string[];
  readonly servers: readonly RedisServer[];
  /** Roles and slots now, as a live node reports them (`CLUSTER NODES`). */
  members(): Promise<ClusterMember[]>;
  /** Kill one node hard (SIGKILL by its PID), keeping its port and directory. */
  kill(port: number): Promise<void>;
  /**
   * Start a killed node again on its port and directory. It rejoins with its saved Cluster
   * config, learns that its replica was promoted, and becomes a replica of it; resolves once
   * its link to that master is up (its full sync is done).
   */
  revive(port: number, timeoutMs?: number): Promise<void>;
  /**
   * Wait until every replica of the master on `port` holds all of its writes so far: a write on
   * that master, then `WAIT <replicas> <timeoutMs>` on the same connection. Resolves to the
   * number of replicas that acknowledged; writes acknowledged before the marker write was sent
   * (`onSend` is called right then, after the lookups that precede it) are on them.
   */
  syncReplicas(port: number, options?: SyncReplicasOptions): Promise<number>;
  /**
   * Resolve once the Cluster serves every slot: each live node reports `cluster_state:ok`, and
   * each one's `CLUSTER SLOTS` covers all 16384 slots with masters that are alive and say
   * `ROLE` master. Polls every 50 ms; rejects after `timeoutMs`.
   */
  waitUntilServed(timeoutMs?: number): Promise<void>;
  /** Stop every node by PID and remove their directories. */
  stop(): Promise<void>;
}

/** Parse `CLUSTER NODES`. */
export function parseClusterNodes(text: string): Array<Omit<ClusterMember, 'server'>> {
  const out: Array<Omit<ClusterMember, 'server'>> = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, address, flags, master] = parts as [string, string, string, string];
    const hostPort = address.split('@')[0] as string;
    const colon = hostPort.lastIndexOf(':');
    const flagList = flags.split(',');
    const slots: Array<[number, number]> = [];
    for (const s of parts.slice(8)) {
      if (s.startsWith('[')) continue; // a slot being migrated or imported
      const [a, b] = s.split('-');
      slots.push([Number(a), Number(b ?? a)]);
    }
    out.push({
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      role: flagList.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? undefined : master,
      slots,
      failed: flagList.includes('fail') || flagList.includes('fail?'),
    });
  }
  return out;
}

async function text(host: string, port: number, argv: string[]): Promise<string> {
  const reply = await respCommand(host, port, argv);
  if (typeof reply !== 'string') throw new Error(`${argv.join(' ')} on ${port}: ${String(reply)}`);
  return reply;
}

/** True when `server` answers and serves all slots with live masters (see `waitUntilServed`). */
async function servesAllSlots(server: RedisServer, alive: (port: number) => boolean): Promise<boolean> {
  const info = await text(server.host, server.port, ['CLUSTER', 'INFO']);
  if (!info.includes('cluster_state:ok')) return false;
  const ranges = await respCommand(server.host, server.port, ['CLUSTER', 'SLOTS']);
  if (!Array.isArray(ranges)) return false;
  let covered = 0;
  for (const range of ranges) {
    if (!Array.isArray(range)) return false;
    const [first, last, master] = range as [number, number, unknown[]];
    const port = Number(master?.[1]);
    if (!alive(port)) return false;
    const role = await respCommand(String(master?.[0]), port, ['ROLE']);
    if (!Array.isArray(role) || role[0] !== 'master') return false;
    covered += last - first + 1;
  }
  return covered === SLOTS;
}

/**
 * Start a Redis Cluster on loopback: `masters` masters with `replicasPerMaster` replicas each,
 * created with `redis-cli --cluster create`, and wait until it serves every slot and every
 * replica's link to its master is up. Ports stay below 55536 because each node's cluster bus
 * listens on port + 10000. Only the processes started here are ever stopped or killed, by PID.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const nodeTimeout = String(options.nodeTimeoutMs ?? 5000);
  const servers: RedisServer[] = [];
  const killed = new Set<number>();
  const alive = (port: number): boolean => servers.some((s) => s.port === port) && !killed.has(port);
  const live = (): RedisServer[] => servers.filter((s) => !killed.has(s.port));

  const cluster: RedisCluster = {
    get nodes() {
      return servers.map((s) => ({ host: s.host, port: s.port }));
    },
    get urls() {
      return servers.map((s) => s.url);
    },
    servers,
    async members() {
      for (const s of live()) {
        try {
          const nodes = parseClusterNodes(await text(s.host, s.port, ['CLUSTER', 'NODES']));
          return nodes.map((n) => ({ ...n, server: servers.find((x) => x.port === n.port) }));
        } catch {
          // Ask the next live node.
        }
      }
      throw new Error('no live Cluster node answered CLUSTER NODES');
    },
    async kill(port) {
      const server = servers.find((s) => s.port === port);
      if (!server) throw new Error(`port ${port} is not a node of this Cluster`);
      killed.add(port);
      await server.kill();
    },
    async revive(port, timeoutMs = 30_000) {
      const server = servers.find((s) => s.port === port);
      if (!server || !killed.has(port)) throw new Error(`port ${port} is not a killed node of this Cluster`);
      await server.restart();
      killed.delete(port);
      await waitForReplicaLinks([server], Date.now() + timeoutMs, true);
    },
    async syncReplicas(port, { timeoutMs = 5000, onSend } = {}) {
      const members = await cluster.members();
      const me = members.find((m) => m.port === port && m.role === 'master');
      if (me === undefined || me.slots.length === 0)
        throw new Error(`port ${port} is not a master with slots`);
      const count = members.filter((m) => m.masterId === me.id && !m.failed).length;
      const key = await keyServedBy(me.slots, port);
      const connection = await RespConnection.connect('127.0.0.1', port, timeoutMs);
      try {
        // WAIT waits for this connection's last write, so the marker write comes first.
        onSend?.();
        const [, acked] = await connection.send([
          ['SET', key, 'sync'],
          ['WAIT', String(count), String(timeoutMs)],
        ]);
        if (typeof acked !== 'number') throw new Error(`WAIT on ${port}: ${String(acked)}`);
        return acked;
      } finally {
        connection.close();
      }
    },
    async waitUntilServed(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let ok = true;
        for (const s of live()) {
          try {
            if (!(await servesAllSlots(s, alive))) ok = false;
          } catch {
            ok = false;
          }
          if (!ok) break;
        }
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`Cluster did not serve every slot within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };

  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await findFreePort({ min: 20000, max: 45000, companions: [10000] });
      const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
      servers.push(await startRedis({ port, args: [...args, '--cluster-node-timeout', nodeTimeout] }));
    }
    const addresses = servers.map((s) => `${s.host}:${s.port}`);
    await execFileAsync('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await cluster.waitUntilServed(options.startTimeoutMs ?? 20_000);
    await waitForReplicaLinks(servers, Date.now() + (options.startTimeoutMs ?? 20_000));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/**
 * Wait until every replica reports `master_link_status:up` (its initial sync is done). With
 * `replicasOnly`, every server given must become a replica.
 */
async function waitForReplicaLinks(
  servers: readonly RedisServer[],
  deadline: number,
  replicasOnly = false,
): Promise<void> {
  for (const s of servers) {
    for (;;) {
      const info = await text(s.host, s.port, ['INFO', 'replication']);
      if (info.includes('master_link_status:up')) break;
      // A revived node still claims its old slots until gossip demotes it, hence `replicasOnly`.
      if (!replicasOnly && (await ownsSlots(s))) break;
      if (Date.now() > deadline) throw new Error(`replica ${s.port} did not finish its initial sync`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function ownsSlots(s: RedisServer): Promise<boolean> {
  const me = parseClusterNodes(await text(s.host, s.port, ['CLUSTER', 'NODES'])).find(
    (n) => n.port === s.port,
  );
  return me?.role === 'master' && me.slots.length > 0;
}

/** A key in one of `ranges`, found by asking the node (`CLUSTER KEYSLOT`) about candidates. */
async function keyServedBy(ranges: ReadonlyArray<readonly [number, number]>, port: number): Promise<string> {
  const connection = await RespConnection.connect('127.0.0.1', port);
  try {
    // A master of n serves about 1/n of the slots: 100 candidates find one at once.
    for (let base = 0; base < 10_000; base += 100) {
      const argvs: string[][] = [];
      for (let i = base; i < base + 100; i++) argvs.push(['CLUSTER', 'KEYSLOT', `testkit:sync:${i}`]);
      const slots = await connection.send(argvs);
      if (slots.some((s) => s instanceof RedisReplyError)) throw new Error('CLUSTER KEYSLOT failed');
      const at = slots.findIndex((s) => ranges.some(([a, b]) => typeof s === 'number' && s >= a && s <= b));
      if (at >= 0) return `testkit:sync:${base + at}`;
    }
  } finally {
    connection.close();
  }
  throw new Error(`no key found in the slots of ${port}`);
}
