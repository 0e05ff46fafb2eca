import { batchRefusingBlocking, blockingError } from '../../blocking.js';
import type {
  BatchEntry,
  Command,
  KvCapabilities,
  KvDriver,
  Reply,
  ScanRequest,
  ScriptCall,
} from '../../driver.js';
import { KvError } from '../../errors.js';
import { ScriptLoader } from '../../script-loader.js';
import { Subscriber } from '../shared/subscriber.js';
import { type IoredisClient, type IoredisCluster, isCluster } from './client.js';
import { mergeParts, type SlotPart, sameSlot, slotOf, splitBySlot } from './cluster.js';
import { writeCoalescer } from './coalesce.js';
import { ADAPTER, mapError } from './errors.js';
import { ioredisSubscriberConnection } from './pubsub.js';
import { normaliseReply, type ReplyMode } from './resp3.js';

/** Settings of {@link ioredisDriver}. */
export interface IoredisDriverSettings {
  /** How replies must be reshaped to RESP2 (see `replyModeOf`). */
  readonly mode: ReplyMode;
  /** Close the client on `close()`: true when the adapter created it. */
  readonly owned: boolean;
  /** Create the subscriber connection. */
  readonly openSubscriber: () => Promise<IoredisClient>;
  /** A subscriber connection whose heartbeat PING is unanswered this long reconnects (0: off). */
  readonly subscriberDeadlineMs: number;
}

const MAX_VALUE_BYTES = 512 * 1024 * 1024;

const STANDALONE: KvCapabilities = Object.freeze({
  pubsub: true,
  cluster: false,
  ttlGranularityMs: 1,
  maxValueBytes: MAX_VALUE_BYTES,
  persistent: true,
  shared: true,
  blocking: false,
});
const CLUSTER: KvCapabilities = Object.freeze({ ...STANDALONE, cluster: true });

/** Capabilities of an ioredis store; known without a connection (the adapter matrix reads them). */
export function ioredisCapabilities(cluster: boolean): KvCapabilities {
  return cluster ? CLUSTER : STANDALONE;
}

/** Which reply shapes a client produces: RESP2, ioredis 6's legacy RESP3 mapping, or raw RESP3. */
export function replyModeOf(client: IoredisClient): ReplyMode {
  const options = client.options as {
    protocol?: unknown;
    replyMapping?: unknown;
    redisOptions?: { protocol?: unknown; replyMapping?: unknown };
  };
  const own = isCluster(client) ? (options.redisOptions ?? {}) : options;
  if (own.protocol === 2) return 'none';
  if (own.replyMapping === 'resp3') return 'resp3';
  if (own.protocol === 3) return 'legacy';
  // ioredis 5 speaks RESP2 and has no `protocol` option. A Cluster's node options are filled in
  // later, so assume ioredis 6's default there: flattening pairs is a no-op on RESP2 replies.
  return isCluster(client) ? 'legacy' : 'none';
}

type CallArgv = (...argv: string[]) => unknown;

/** `target.call(argv[0], argv[1], ...)` without copying argv. */
function invoke<T>(target: { call(command: string, ...args: string[]): T }, argv: readonly string[]): T {
  return (target.call as unknown as CallArgv).apply(target, argv as string[]) as T;
}

/**
 * Send one command. GET and SET of a key and a value go through ioredis's own `get` / `set`:
 * `client.call('GET', key)` costs about 0.4 µs of client CPU more per command (it shifts the name
 * off its arguments, and every flag lookup lower-cases an upper-case name), some 4% of a GET.
 * Neither method has an argument or reply transformer in ioredis, so the bytes sent and the reply
 * are the same; every other command (HGETALL has a reply transformer) goes through `call`.
 */
function sendDirect(client: IoredisClient, argv: readonly string[]): Promise<unknown> {
  const name = argv[0];
  if (argv.length === 2 && name === 'GET' && client.get) return client.get(argv[1] as string);
  if (argv.length === 3 && name === 'SET' && client.set)
    return client.set(argv[1] as string, argv[2] as string);
  return invoke(client, argv);
}

/** One command of a pipeline; `call` is set for a script, so NOSCRIPT can be retried with EVAL. */
interface PipeItem {
  readonly argv: readonly string[];
  readonly call?: ScriptCall | undefined;
}

/** The text of a server's error reply, or `undefined` for anything else (a connection failure is no answer). */
function replyErrorText(error: unknown): string | undefined {
  const e = error as { name?: unknown; message?: unknown } | null;
  return e?.name === 'ReplyError' && typeof e.message === 'string' ? e.message : undefined;
}

/** A cross-slot command of a Cluster batch, split into per-slot parts. */
interface SplitState {
  readonly at: number;
  readonly parts: SlotPart[];
  readonly replies: Array<Reply | Error>;
}

/** Where a pipelined reply goes: a batch index, or one part of a split command. */
type Target = number | { readonly split: SplitState; readonly part: number };

/**
 * The ioredis KvDriver: one `client.call` per command, scripts sent as the shared `ScriptLoader`
 * says (per node on a Cluster), pipelines for batches, slot splitting on Cluster, and a lazily
 * created subscriber connection. Closed-store checks are the store's (`closable`), not this driver's.
 */
export function ioredisDriver(client: IoredisClient, settings: IoredisDriverSettings): KvDriver {
  const cluster: IoredisCluster | undefined = isCluster(client) ? client : undefined;
  const { mode, owned } = settings;
  let closed = false;
  let subscriber: Subscriber | undefined;

  // Built once: the hot path allocates no closures of its own.
  const fail = (error: unknown): never => {
    throw mapError(error, closed);
  };
  // The commands of a turn of the event loop leave in few socket writes, not one each (`coalesce.ts`).
  const coalesce = writeCoalescer(client);
  const send = (argv: readonly string[]): Promise<Reply> => {
    coalesce(argv.length);
    const pending = sendDirect(client, argv);
    return mode === 'none'
      ? (pending.then(undefined, fail) as Promise<Reply>)
      : pending.then((reply) => normaliseReply(argv[0] as string, reply, mode), fail);
  };

  // EVAL first, EVALSHA once accepted, EVAL again after NOSCRIPT: see ScriptLoader.
  const scripts = new ScriptLoader();
  /** A Cluster's scripts are cached per node: the loader's state is kept per slot owner. */
  const nodeOf = (call: ScriptCall): string =>
    cluster && call.keys.length > 0 ? (cluster.slots?.[slotOf(call.keys[0] as string)]?.[0] ?? '') : '';

  /**
   * The answer is recorded against the slot's owner as known once it arrived: a call that
   * followed a MOVED reply to a new owner (a resharding, a promoted replica) is that node's.
   */
  async function sendScript(call: ScriptCall, argv: readonly string[]): Promise<Reply> {
    let reply: unknown;
    coalesce(argv.length);
    try {
      reply = await invoke(client, argv);
    } catch (error) {
      const text = replyErrorText(error);
      if (text !== undefined && scripts.answered(call, nodeOf(call), text)) {
        return sendScript(call, scripts.evalArgv(call));
      }
      return fail(error);
    }
    scripts.answered(call, nodeOf(call), undefined);
    return normaliseReply(argv[0] as string, reply, mode);
  }

  function runScript(call: ScriptCall): Promise<Reply> {
    if (cluster && !sameSlot(call.keys)) return Promise.reject(crossSlot(call));
    return sendScript(call, scripts.argv(call, nodeOf(call)));
  }

  async function runSplit(command: Command): Promise<Reply> {
    const parts = splitBySlot(command);
    if (!parts) return send(command.argv);
    const replies = await Promise.all(parts.map((p) => send(p.argv)));
    return mergeParts(command.argv[0] as string, parts, replies);
  }

  /** One pipeline; NOSCRIPT script entries are re-run with EVAL in a second one. */
  async function pipelined(items: readonly PipeItem[]): Promise<Array<Reply | Error>> {
    const pipeline = client.pipeline();
    for (const item of items) invoke(pipeline, item.argv);
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      return items.map(() => mapError(error, closed));
    }
    if (!results) return items.map(() => mapError(new Error('Connection is closed.'), closed));
    const out: Array<Reply | Error> = new Array(items.length);
    const retry: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const [error, reply] = results[i] ?? [new Error('missing pipeline reply'), null];
      const item = items[i] as PipeItem;
      if (item.call) {
        const text = error ? replyErrorText(error) : undefined;
        if ((!error || text !== undefined) && scripts.answered(item.call, nodeOf(item.call), text)) {
          retry.push(i);
          continue;
        }
      }
      out[i] = error ? mapError(error, closed) : normaliseReply(item.argv[0] as string, reply, mode);
    }
    if (retry.length === 0) return out;
    const again = retry.map((i): PipeItem => {
      const item = items[i] as PipeItem;
      return { ...item, argv: scripts.evalArgv(item.call as ScriptCall) };
    });
    // EVAL never answers NOSCRIPT, so this recursion ends after one level.
    const second = await pipelined(again);
    for (let j = 0; j < retry.length; j++) out[retry[j] as number] = second[j] as Reply | Error;
    return out;
  }

  function toItem(entry: BatchEntry): PipeItem {
    if ('command' in entry) return { argv: entry.command.argv };
    const call = entry.call;
    return { argv: scripts.argv(call, nodeOf(call)), call };
  }

  /**
   * Cluster batches: one pipeline per master, each holding its share of the entries in batch
   * order (a cross-slot MGET/DEL/EXISTS/MSET is split into its slot parts in place), so every
   * node sees the batch's commands in the order they were issued. Results come back in order.
   */
  async function clusterBatch(
    c: IoredisCluster,
    entries: readonly BatchEntry[],
  ): Promise<Array<Reply | Error>> {
    const out: Array<Reply | Error> = new Array(entries.length);
    const groups = new Map<string, { items: PipeItem[]; at: Target[] }>();
    const splits: SplitState[] = [];
    const place = (item: PipeItem, firstKey: string | undefined, at: Target): void => {
      const slot = firstKey === undefined ? -1 : slotOf(firstKey);
      const node = slot < 0 ? 'any' : (c.slots?.[slot]?.[0] ?? `slot:${slot}`);
      let group = groups.get(node);
      if (!group) {
        group = { items: [], at: [] };
        groups.set(node, group);
      }
      group.items.push(item);
      group.at.push(at);
    };
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as BatchEntry;
      if ('call' in entry) {
        if (sameSlot(entry.call.keys)) place(toItem(entry), entry.call.keys[0], i);
        else out[i] = crossSlot(entry.call);
        continue;
      }
      const { argv, keys } = entry.command;
      const parts = keys.length > 1 ? splitBySlot(entry.command) : undefined;
      if (!parts) {
        place({ argv }, keys.length > 0 ? argv[keys[0] as number] : undefined, i);
        continue;
      }
      const split: SplitState = { at: i, parts, replies: new Array<Reply | Error>(parts.length) };
      splits.push(split);
      parts.forEach((part, p) => {
        place({ argv: part.argv }, part.argv[1], { split, part: p });
      });
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const replies = await pipelined(group.items);
        for (let j = 0; j < group.at.length; j++) {
          const at = group.at[j] as Target;
          const reply = replies[j] as Reply | Error;
          if (typeof at === 'number') out[at] = reply;
          else at.split.replies[at.part] = reply;
        }
      }),
    );
    for (const split of splits) {
      const failed = split.replies.find((r): r is Error => r instanceof Error);
      out[split.at] =
        failed ?? mergeParts(split.parts[0]?.argv[0] as string, split.parts, split.replies as Reply[]);
    }
    return out;
  }

  async function* scanNode(node: IoredisClient, request: ScanRequest): AsyncGenerator<string[]> {
    let cursor = '0';
    const tail = ['MATCH', request.match, 'COUNT', String(request.count)];
    if (request.type) tail.push('TYPE', request.type);
    do {
      let reply: unknown;
      try {
        reply = await node.call('SCAN', cursor, ...tail);
      } catch (error) {
        fail(error);
      }
      const [next, keys] = reply as [string, string[]];
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }

  const capabilities = ioredisCapabilities(cluster !== undefined);

  return {
    name: ADAPTER,
    capabilities,
    command(command: Command): Promise<Reply> {
      const blocking = blockingError(command.argv, ADAPTER);
      if (blocking) return Promise.reject(blocking);
      if (cluster && command.keys.length > 1) return runSplit(command);
      return send(command.argv);
    },
    script(call: ScriptCall): Promise<Reply> {
      return runScript(call);
    },
    batch(entries: readonly BatchEntry[]): Promise<Array<Reply | Error>> {
      if (entries.length === 0) return Promise.resolve([]);
      return batchRefusingBlocking(entries, ADAPTER, (run) =>
        cluster ? clusterBatch(cluster, run) : pipelined(run.map(toItem)),
      );
    },
    async *scan(request: ScanRequest): AsyncGenerator<string[]> {
      if (!cluster) {
        yield* scanNode(client, request);
        return;
      }
      await ensureClusterReady(cluster);
      for (const node of cluster.nodes('master')) yield* scanNode(node, request);
    },
    publish(channel: string, message: string): Promise<number> {
      if (!cluster) return send(['PUBLISH', channel, message]) as Promise<number>;
      return pubsubNode(cluster)
        .then((node) => node.call('PUBLISH', channel, message) as Promise<number>, fail)
        .then(undefined, fail);
    },
    subscribe(channels, handler, events) {
      subscriber ??= new Subscriber({
        open: (hooks) => ioredisSubscriberConnection(settings.openSubscriber, hooks),
        mapError: (error) => mapError(error, false),
        adapter: ADAPTER,
        deadlineMs: settings.subscriberDeadlineMs,
      });
      return subscriber.subscribe(channels, handler, events);
    },
    // The store's guard (see `closable`) refuses new calls and runs this once; `closed` only
    // names the failures of calls still in flight E_CLOSED.
    async close(): Promise<void> {
      closed = true;
      subscriber?.close();
      if (!owned) return;
      if (client.status === 'ready') {
        await client.quit().catch(() => client.disconnect());
      } else {
        client.disconnect();
      }
    },
  };
}

function crossSlot(call: ScriptCall): KvError {
  return new KvError(
    'E_CROSSSLOT',
    `script ${call.script.name}: its keys map to different Cluster slots; give them one {hash tag}`,
    { adapter: ADAPTER },
  );
}

/**
 * The Cluster node for pub/sub: the master of slot 0, for subscribers and publishers alike.
 * Redis Cluster broadcasts classic PUBLISH to every node, but the receiver count it returns
 * covers only the node's own subscribers; one agreed node makes that count right for every
 * process using this adapter.
 */
export async function pubsubNode(cluster: IoredisCluster): Promise<IoredisClient> {
  await ensureClusterReady(cluster);
  const masters = cluster.nodes('master');
  const owner = cluster.slots?.[0]?.[0];
  const node =
    masters.find((n) => {
      const o = n.options as { host?: unknown; port?: unknown };
      return `${String(o.host)}:${String(o.port)}` === owner;
    }) ?? masters[0];
  if (!node) throw mapError(new Error('Cluster is disconnected: no master'), false);
  return node;
}

/** Wait until a Cluster knows its nodes (scan and subscribe need the master list). */
export async function ensureClusterReady(cluster: IoredisCluster): Promise<void> {
  if (cluster.status === 'ready' && cluster.nodes('master').length > 0) return;
  try {
    // Any keyless command waits in the offline queue until the slots are known (or fails fast).
    await cluster.call('PING');
  } catch (error) {
    throw mapError(error, false);
  }
}
