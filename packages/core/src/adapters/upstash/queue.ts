import type { Reply, ScriptCall } from '../../driver.js';
import { fromReplyError, type KvError } from '../../errors.js';
import { ScriptLoader } from '../../script-loader.js';
import { ADAPTER, mapRequestError, type PipelineEntry, type Transport } from './transport.js';

/** One queued command or script call, settled with its reply or its error. */
export interface QueuedEntry {
  readonly argv?: readonly string[];
  readonly call?: ScriptCall;
  /** Positions of the keys in `argv` (a script call names its keys itself). */
  readonly keys?: readonly number[];
  /** The command to send, fixed when the entry is taken into a request (scripts: see ScriptLoader). */
  argvSent?: readonly string[];
  settle(result: Reply | KvError): void;
}

/**
 * Keeps one caller's commands in order over HTTP. `@upstash/redis`'s auto-pipelining sends
 * reads and writes in separate concurrent requests, so `set` then `get` issued together can be
 * answered read-first. Here at most one request is in flight: everything issued while it runs
 * goes, in issue order, into the next `/pipeline` request. That is one HTTP request per batch
 * of concurrent calls, and Redis runs the commands in the order the caller issued them.
 *
 * Scripts go as the shared `ScriptLoader` says: EVAL until the server accepted them, then
 * EVALSHA, so order holds on first use. A NOSCRIPT answer (after a SCRIPT FLUSH) is retried by
 * EVAL in the next request, ahead of anything queued meanwhile but after the commands that
 * followed it in the same request.
 */
export class OrderedPipeline {
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #maxCommands: number;
  readonly #groups: QueuedEntry[][] = [];
  readonly #scripts: ScriptLoader;
  readonly #onIdle: () => void;
  #running = false;
  /** Requests sent, for tests that count round trips. */
  requests = 0;

  constructor(
    transport: Transport,
    timeoutMs: number,
    maxCommands: number,
    scripts: ScriptLoader = new ScriptLoader(),
    onIdle: () => void = () => {},
  ) {
    this.#transport = transport;
    this.#timeoutMs = timeoutMs;
    this.#maxCommands = maxCommands;
    this.#scripts = scripts;
    this.#onIdle = onIdle;
  }

  /** Nothing queued and no request in flight. */
  get idle(): boolean {
    return !this.#running;
  }

  /** Queue entries that must travel in one request (a batch, or a single command). */
  push(group: QueuedEntry[]): void {
    this.#groups.push(group);
    if (!this.#running) {
      this.#running = true;
      // A microtask: the calls issued in the same tick join this request.
      queueMicrotask(() => void this.#drain());
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#groups.length > 0) {
        const sent = this.#take();
        await this.#send(sent);
      }
    } finally {
      this.#running = false;
      this.#onIdle();
    }
  }

  #take(): QueuedEntry[] {
    const sent: QueuedEntry[] = [];
    while (this.#groups.length > 0) {
      const group = this.#groups[0] as QueuedEntry[];
      if (sent.length > 0 && sent.length + group.length > this.#maxCommands) break;
      this.#groups.shift();
      for (const entry of group) {
        // A retry already holds its EVAL; anything else is decided now, with what is known now.
        if (entry.call && entry.argvSent === undefined) entry.argvSent = this.#scripts.argv(entry.call);
        sent.push(entry);
      }
    }
    return sent;
  }

  async #send(sent: QueuedEntry[]): Promise<void> {
    const commands = sent.map((entry) => (entry.argvSent ?? entry.argv) as readonly string[]);
    let answers: PipelineEntry[];
    try {
      this.requests++;
      answers = await this.#transport.pipeline(commands, this.#timeoutMs);
    } catch (error) {
      const mapped = mapRequestError(error);
      for (const entry of sent) entry.settle(mapped);
      return;
    }
    const retries: QueuedEntry[] = [];
    for (let i = 0; i < sent.length; i++) {
      const entry = sent[i] as QueuedEntry;
      const answer = answers[i];
      if (answer === undefined) {
        entry.settle(fromReplyError('ERR the pipeline answer has fewer entries than commands', ADAPTER));
        continue;
      }
      const error = answer.error;
      const call = entry.call;
      if (call && this.#scripts.answered(call, '', typeof error === 'string' ? error : undefined)) {
        retries.push({ call, settle: entry.settle, argvSent: this.#scripts.evalArgv(call) });
        continue;
      }
      if (typeof error === 'string') entry.settle(fromReplyError(error, ADAPTER));
      else entry.settle((answer.result ?? null) as Reply);
    }
    // The EVAL retries go first, before anything queued meanwhile.
    if (retries.length > 0) this.#groups.unshift(retries);
  }
}

/** The lane of a group that must run alone, after everything before it and before everything after it. */
const ALONE = -1;

/**
 * Several requests in flight (`maxConcurrentRequests`), with the order a caller can rely on kept.
 *
 * Each key belongs to one lane, chosen by a hash of its Cluster hash tag (the part in `{}`, or
 * the whole key), and each lane is an {@link OrderedPipeline}: at most one request in flight per
 * lane, so the commands on one key, and on keys that share a hash tag, run in issue order, as on
 * a Redis Cluster. A group (a batch, or one command) whose keys fall in several lanes, or that
 * names no key (PUBLISH, SCAN, PING, a keyless script), runs alone: it waits until every lane is
 * idle and everything issued after it waits for it. With one lane this is the single ordered
 * pipeline: every call in issue order.
 */
export class LanedPipeline {
  readonly #lanes: OrderedPipeline[];
  /** Groups issued behind a group that runs alone, in issue order. */
  readonly #held: Array<{ group: QueuedEntry[]; lane: number }> = [];
  /** `waiting`: a group that runs alone waits for the lanes to go idle; `running`: it is in flight. */
  #alone: 'none' | 'waiting' | 'running' = 'none';

  constructor(transport: Transport, timeoutMs: number, maxCommands: number, lanes: number) {
    const scripts = new ScriptLoader();
    this.#lanes = Array.from(
      { length: lanes },
      () => new OrderedPipeline(transport, timeoutMs, maxCommands, scripts, () => this.#settle()),
    );
  }

  /** Requests sent, for tests that count round trips. */
  get requests(): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.requests;
    return n;
  }

  /** Queue entries that must travel in one request (a batch, or a single command). */
  push(group: QueuedEntry[]): void {
    const lane = this.#lanes.length === 1 ? 0 : laneOf(group, this.#lanes.length);
    if (this.#alone !== 'none') {
      this.#held.push({ group, lane });
      return;
    }
    if (lane !== ALONE) {
      (this.#lanes[lane] as OrderedPipeline).push(group);
      return;
    }
    this.#held.push({ group, lane });
    this.#alone = 'waiting';
    this.#settle();
  }

  /** Called whenever a lane goes idle: start the lone group, or release what waited behind it. */
  #settle(): void {
    if (this.#alone === 'none') return;
    for (const lane of this.#lanes) if (!lane.idle) return;
    if (this.#alone === 'waiting') {
      this.#alone = 'running';
      const head = this.#held.shift() as { group: QueuedEntry[] };
      (this.#lanes[0] as OrderedPipeline).push(head.group);
      return;
    }
    // The lone group is answered: release the held groups up to the next one that runs alone.
    this.#alone = 'none';
    while (this.#held.length > 0) {
      const next = this.#held[0] as { group: QueuedEntry[]; lane: number };
      if (next.lane === ALONE) {
        this.#alone = 'waiting';
        this.#settle();
        return;
      }
      this.#held.shift();
      (this.#lanes[next.lane] as OrderedPipeline).push(next.group);
    }
  }
}

/** The lane every key of `group` falls in, or ALONE when they fall in several or there is none. */
function laneOf(group: readonly QueuedEntry[], lanes: number): number {
  let lane = ALONE;
  for (const entry of group) {
    const keys = entry.call ? entry.call.keys : keysOf(entry);
    if (keys.length === 0) return ALONE;
    for (const key of keys) {
      const l = tagHash(key) % lanes;
      if (lane === ALONE) lane = l;
      else if (l !== lane) return ALONE;
    }
  }
  return lane;
}

function keysOf(entry: QueuedEntry): string[] {
  const argv = entry.argv as readonly string[];
  return (entry.keys ?? []).map((i) => argv[i] as string);
}

/** FNV-1a over the key's hash tag (Redis Cluster's rule), so keys that share a tag share a lane. */
export function tagHash(key: string): number {
  let start = 0;
  let end = key.length;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
