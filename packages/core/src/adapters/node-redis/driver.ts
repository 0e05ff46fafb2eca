import { batchRefusingBlocking, blockingError } from '../../blocking.js';
import type { BatchEntry, Command, KvDriver, Reply, ScanRequest, ScriptCall } from '../../driver.js';
import { KvError } from '../../errors.js';
import { ScriptLoader } from '../../script-loader.js';
import { mergeParts, sameSlot, slotOf, splitBySlot } from '../ioredis/cluster.js';
import { ioredisCapabilities } from '../ioredis/driver.js';
import { Subscriber } from '../shared/subscriber.js';
import type {
  NodeRedisClient,
  NodeRedisCluster,
  NodeRedisCommandOptions,
  NodeRedisShardNode,
} from './client.js';
import { ADAPTER, isErrorReply, mapError } from './errors.js';
import { nodeRedisSubscriberConnection } from './pubsub.js';
import { InFlightTicks, replyDeadlines } from './watch.js';

/**
 * Where the driver's commands go: a standalone client or a Cluster, behind one shape, so the
 * driver has one code path for scripts, batches and errors.
 */
export interface NodeRedisLink {
  /** True when a command can be sent now (connected, topology known). */
  ready(): boolean;
  /** Resolves once {@link ready}; rejects with a KvError when connecting fails (fail fast). */
  wait(): Promise<void>;
  /** Send one command; `firstKey` routes it on a Cluster. Rejects with node-redis's own errors. */
  send(argv: string[], firstKey: string | undefined, readonly: boolean): Promise<unknown>;
  /** The node a script call runs on (the slot's master on a Cluster, `''` standalone). */
  nodeOf(key: string | undefined): string;
  /** A client per master to scan (the client itself when standalone). */
  scanClients(): Promise<NodeRedisClient[]>;
  /** The client PUBLISH goes through, and the one the subscriber connection duplicates. */
  pubsubClient(): Promise<NodeRedisClient>;
  /** Release the connections (owned clients) and fail calls waiting to connect with E_CLOSED. */
  close(owned: boolean): Promise<void>;
}

/** Settings of {@link nodeRedisDriver}. */
export interface NodeRedisDriverSettings {
  /** Close the client on `close()`: true when the adapter created it. */
  readonly owned: boolean;
  /** A subscriber connection whose heartbeat PING is unanswered this long reconnects (0: off). */
  readonly subscriberDeadlineMs: number;
  /** Failed connection attempts a waiting call sits through before it fails with E_CONNECTION. */
  readonly maxRetries: number;
}

/**
 * The node-redis KvDriver: one `sendCommand` per command (node-redis writes the commands of one
 * tick together, so a batch's entries sent in one go leave in one write per node), scripts as
 * the shared `ScriptLoader` says (per node on a Cluster), slot splitting on a Cluster, and a
 * lazily created subscriber connection. Closed-store checks are the store's (`closable`).
 */
export function nodeRedisDriver(
  link: NodeRedisLink,
  cluster: boolean,
  settings: NodeRedisDriverSettings,
): KvDriver {
  let closed = false;
  let subscriber: Subscriber | undefined;

  // Built once: the hot path allocates no closures of its own.
  const fail = (error: unknown): never => {
    throw mapError(error, closed);
  };
  /** Send now when connected (the hot path: one check), else once connected or failed. */
  const sendRaw = (
    argv: readonly string[],
    firstKey: string | undefined,
    readonly: boolean,
  ): Promise<unknown> =>
    link.ready()
      ? link.send(argv as string[], firstKey, readonly)
      : link.wait().then(() => link.send(argv as string[], firstKey, readonly));
  const send = (command: Command): Promise<Reply> =>
    sendRaw(
      command.argv,
      command.keys.length > 0 ? command.argv[command.keys[0] as number] : undefined,
      command.readonly,
    ).then(undefined, fail) as Promise<Reply>;

  // EVAL first, EVALSHA once accepted, EVAL again after NOSCRIPT: see ScriptLoader.
  const scripts = new ScriptLoader();
  const nodeOf = (call: ScriptCall): string => (cluster ? link.nodeOf(call.keys[0]) : '');

  /** The answer is recorded against the slot's owner as known once it arrived (after a MOVED). */
  async function sendScript(call: ScriptCall, argv: readonly string[]): Promise<Reply> {
    let reply: unknown;
    try {
      reply = await sendRaw(argv, call.keys[0], call.script.readonly === true);
    } catch (error) {
      if (isErrorReply(error) && scripts.answered(call, nodeOf(call), error.message)) {
        return sendScript(call, scripts.evalArgv(call));
      }
      return fail(error);
    }
    scripts.answered(call, nodeOf(call), undefined);
    return reply as Reply;
  }

  function runScript(call: ScriptCall): Promise<Reply> {
    if (cluster && !sameSlot(call.keys)) return Promise.reject(crossSlot(call));
    return sendScript(call, scripts.argv(call, nodeOf(call)));
  }

  function runCommand(command: Command): Promise<Reply> {
    if (cluster && command.keys.length > 1) {
      const parts = splitBySlot(command);
      if (parts) {
        const name = command.argv[0] as string;
        return Promise.all(
          parts.map((p) => send({ argv: p.argv, keys: [1], readonly: command.readonly })),
        ).then((replies) => mergeParts(name, parts, replies));
      }
    }
    return send(command);
  }

  const settle = (reply: Reply): Reply | Error => reply;
  const asError = (error: unknown): Reply | Error => error as Error;

  async function* scanNode(node: NodeRedisClient, request: ScanRequest): AsyncGenerator<string[]> {
    let cursor = '0';
    const tail = ['MATCH', request.match, 'COUNT', String(request.count)];
    if (request.type) tail.push('TYPE', request.type);
    do {
      let reply: unknown;
      try {
        reply = await node.sendCommand(['SCAN', cursor, ...tail]);
      } catch (error) {
        fail(error);
      }
      const [next, keys] = reply as [string, string[]];
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }

  const ensureReady = (): Promise<void> => (link.ready() ? Promise.resolve() : link.wait());

  return {
    name: ADAPTER,
    capabilities: ioredisCapabilities(cluster),
    command(command: Command): Promise<Reply> {
      const blocking = blockingError(command.argv, ADAPTER);
      if (blocking) return Promise.reject(blocking);
      return runCommand(command);
    },
    script(call: ScriptCall): Promise<Reply> {
      return runScript(call);
    },
    batch(entries: readonly BatchEntry[]): Promise<Array<Reply | Error>> {
      if (entries.length === 0) return Promise.resolve([]);
      // Every entry is handed to node-redis in this one synchronous loop: they leave together
      // (one write per node), in batch order; a NOSCRIPT retry goes in a later write.
      return batchRefusingBlocking(entries, ADAPTER, (run) =>
        Promise.all(
          run.map((entry) =>
            ('command' in entry ? runCommand(entry.command) : runScript(entry.call)).then(settle, asError),
          ),
        ),
      );
    },
    async *scan(request: ScanRequest): AsyncGenerator<string[]> {
      try {
        await ensureReady();
      } catch (error) {
        fail(error);
      }
      let nodes: NodeRedisClient[] = [];
      try {
        nodes = await link.scanClients();
      } catch (error) {
        fail(error);
      }
      for (const node of nodes) yield* scanNode(node, request);
    },
    publish(channel: string, message: string): Promise<number> {
      if (!cluster)
        return send({ argv: ['PUBLISH', channel, message], keys: [], readonly: false }) as Promise<number>;
      return ensureReady()
        .then(() => link.pubsubClient())
        .then((node) => node.sendCommand(['PUBLISH', channel, message]))
        .then(undefined, fail) as Promise<number>;
    },
    subscribe(channels, handler, events) {
      subscriber ??= new Subscriber({
        open: (hooks) =>
          nodeRedisSubscriberConnection(
            () => ensureReady().then(() => link.pubsubClient()),
            hooks,
            settings.maxRetries,
          ),
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
      await link.close(settings.owned);
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

/** Calls waiting for a connection, failed together after too many failed attempts. */
class ConnectWait {
  readonly promise: Promise<void>;
  failures = 0;
  resolve!: () => void;
  reject!: (error: KvError) => void;
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** Close a node-redis client: gracefully when connected, at once otherwise; never throws. */
async function closeClient(client: {
  isOpen: boolean;
  isReady?: boolean;
  close(): Promise<unknown>;
  destroy(): void;
}): Promise<void> {
  if (!client.isOpen) return;
  try {
    if (client.isReady === false) client.destroy();
    else await client.close();
  } catch {
    try {
      client.destroy();
    } catch {
      // Already closed.
    }
  }
}

/**
 * The link of a standalone client. Fail fast: while the client is (re)connecting, a call waits
 * for it, and fails with E_CONNECTION once `maxRetries + 1` connection attempts have failed since
 * it started waiting (node-redis's own offline queue would wait forever). `refused()` is a
 * verdict of the server's handshake (a database it refuses) that fails every call.
 */
export function standaloneLink(
  client: NodeRedisClient,
  options: {
    readonly maxRetries: number;
    readonly commandOptions: NodeRedisCommandOptions | undefined;
    readonly refused?: () => KvError | undefined;
    /**
     * A command without a reply after this many ms fails with E_TIMEOUT (0: off). node-redis's
     * own `timeout` covers only the wait to be written, so the adapter keeps the deadline.
     */
    readonly commandTimeoutMs?: number | undefined;
    /**
     * Replace a connection whose oldest command in flight has had no reply for this long (0:
     * off). node-redis's own `socketTimeout` is an idle timer that writes reset, so it cannot
     * tell a stalled connection under load from a busy one.
     */
    readonly silentMs?: number | undefined;
  },
): NodeRedisLink {
  const { commandOptions, maxRetries } = options;
  let waiting: ConnectWait | undefined;
  let closed = false;
  let send = (argv: string[]): Promise<unknown> => client.sendCommand(argv, commandOptions);
  let watchdog: ReturnType<typeof setInterval> | undefined;
  /** With a watch: resolves once no command is in flight (or the watch ended a dead connection). */
  let drained: (() => Promise<void>) | undefined;
  const timeoutMs = options.commandTimeoutMs ?? 0;
  const silentMs = options.silentMs ?? 0;
  if (timeoutMs > 0 || silentMs > 0) {
    // Replies come in order, so the oldest command in flight is the one a deadline concerns.
    // The hot path only counts; one timer ticks at a quarter of the shorter deadline and, when
    // the oldest command is past one, replaces the connection: every command in flight on it
    // fails (E_TIMEOUT past commandTimeoutMs, else E_CONNECTION), and node-redis reconnects.
    // A command past its deadline is failed between 1x and 1.25x the deadline.
    const watch = new InFlightTicks();
    const period = Math.max(5, Math.floor(Math.min(...[timeoutMs, silentMs].filter((ms) => ms > 0)) / 4));
    const ticksOf = (ms: number): number => (ms > 0 ? Math.ceil(ms / period) + 1 : Number.POSITIVE_INFINITY);
    const timeoutTicks = ticksOf(timeoutMs);
    const silentTicks = ticksOf(silentMs);
    /** Commands below this sequence number were failed by a command timeout. */
    let timedOutBelow = 0;
    const onReply = (reply: unknown): unknown => {
      watch.answered();
      return reply;
    };
    const onError = (error: unknown): never => {
      if (watch.answered() < timedOutBelow) {
        throw new KvError('E_TIMEOUT', 'command timed out (commandTimeoutMs)', {
          adapter: ADAPTER,
          cause: error,
        });
      }
      throw error;
    };
    send = (argv) => {
      watch.sent();
      return client.sendCommand(argv, commandOptions).then(onReply, onError);
    };
    drained = async () => {
      // Bounded: the watch ends a connection whose oldest command is past a deadline.
      while (watch.oldestAge() >= 0 && client.isReady) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(period, 20)));
      }
    };
    watchdog = setInterval(() => {
      watch.tick++;
      const age = watch.oldestAge();
      if (age < 0 || (age < timeoutTicks && age < silentTicks) || !client.isReady) return;
      if (age >= timeoutTicks) timedOutBelow = watch.sentCount;
      try {
        client.destroy();
      } catch {
        // Already closed.
      }
      // While the store closes, a dead connection is only ended (its graceful close waits for replies).
      if (!closed) client.connect().catch(() => undefined);
    }, period);
    watchdog.unref?.();
  }
  client.on('error', ((error: unknown) => {
    const w = waiting;
    if (!w) return;
    const verdict = options.refused?.();
    if (verdict || ++w.failures > maxRetries) {
      waiting = undefined;
      w.reject(verdict ?? mapError(error, closed));
    }
  }) as (...args: never[]) => void);
  client.on('ready', () => {
    const w = waiting;
    waiting = undefined;
    w?.resolve();
  });
  client.on('end', () => {
    const w = waiting;
    waiting = undefined;
    w?.reject(
      options.refused?.() ??
        (closed
          ? mapError(undefined, true)
          : new KvError('E_CONNECTION', 'the node-redis client ended', { adapter: ADAPTER })),
    );
  });
  return {
    ready: () => client.isReady,
    wait() {
      if (client.isReady) return Promise.resolve();
      const verdict = options.refused?.();
      if (verdict) return Promise.reject(verdict);
      if (closed || !client.isOpen) {
        return Promise.reject(
          closed
            ? mapError(undefined, true)
            : new KvError(
                'E_CONNECTION',
                'the node-redis client is closed (connect it, or pass an open one)',
                {
                  adapter: ADAPTER,
                },
              ),
        );
      }
      waiting ??= new ConnectWait();
      return waiting.promise;
    },
    send: (argv) => send(argv),
    nodeOf: () => '',
    scanClients: () => Promise.resolve([client]),
    pubsubClient: () => Promise.resolve(client),
    async close(owned) {
      closed = true;
      const w = waiting;
      waiting = undefined;
      w?.reject(mapError(new Error('closed'), true));
      if (owned) {
        if (drained) {
          // Graceful, like node-redis's close(), but bounded: the watch keeps running until the
          // commands in flight are answered, or ends a connection gone silent.
          await drained();
          try {
            client.destroy();
          } catch {
            // Already closed.
          }
        } else {
          await closeClient(client);
        }
      }
      if (watchdog !== undefined) clearInterval(watchdog);
    },
  };
}

/**
 * The link of a Cluster. It is ready once the topology is known; a call made before that waits
 * for `connect()`, and a failed discovery (no seed node answers) fails the waiting calls with
 * E_CONNECTION at once; the next call tries again. Node connections fail fast on their own
 * (`disableOfflineQueue` on the nodes the adapter creates).
 */
export function clusterLink(
  cluster: NodeRedisCluster,
  options: {
    readonly commandOptions: NodeRedisCommandOptions | undefined;
    readonly connected: boolean;
    /** A command without a reply after this many ms fails with E_TIMEOUT (0 or absent: off). */
    readonly commandTimeoutMs?: number | undefined;
  },
): NodeRedisLink {
  const { commandOptions } = options;
  let ready = options.connected;
  let connecting: Promise<void> | undefined;
  let closed = false;
  const master = (slot: number): NodeRedisShardNode | undefined => cluster.slots[slot]?.master;
  let send = (argv: string[], firstKey: string | undefined, readonly: boolean): Promise<unknown> =>
    cluster.sendCommand(firstKey, readonly, argv, commandOptions);
  const deadlines = options.commandTimeoutMs ? replyDeadlines(options.commandTimeoutMs) : undefined;
  if (deadlines) {
    const direct = send;
    send = (argv, firstKey, readonly) => deadlines.watch(direct(argv, firstKey, readonly));
  }
  return {
    ready: () => ready,
    wait() {
      if (ready) return Promise.resolve();
      if (closed) return Promise.reject(mapError(new Error('closed'), true));
      connecting ??= (cluster.isOpen ? Promise.resolve() : cluster.connect()).then(
        () => {
          ready = true;
          connecting = undefined;
        },
        (error: unknown) => {
          connecting = undefined;
          throw mapError(error, closed);
        },
      );
      return connecting;
    },
    send: (argv, firstKey, readonly) => send(argv, firstKey, readonly),
    nodeOf: (key) => (key === undefined ? '' : (master(slotOf(key))?.address ?? '')),
    async scanClients() {
      return Promise.all(cluster.masters.map((m) => cluster.nodeClient(m)));
    },
    async pubsubClient() {
      // The master of slot 0, for subscribers and publishers alike: PUBLISH's receiver count
      // covers one node's subscribers only, so every process agrees on one node (as on ioredis).
      const node = master(0) ?? cluster.masters[0];
      if (!node) throw mapError(new Error('Cluster is disconnected: no master'), false);
      return cluster.nodeClient(node);
    },
    async close(owned) {
      closed = true;
      deadlines?.stop();
      if (!owned) return;
      if (!cluster.isOpen) return;
      try {
        await cluster.close();
      } catch {
        try {
          cluster.destroy();
        } catch {
          // Already closed.
        }
      }
    },
  };
}
