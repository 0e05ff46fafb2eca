import type { Reply, ScriptCall } from '../../driver.js';
import { fromReplyError, type KvError } from '../../errors.js';
import { ADAPTER, mapRequestError, type PipelineEntry, type Transport } from './transport.js';

/** One queued command or script call, settled with its reply or its error. */
export interface QueuedEntry {
  readonly argv?: readonly string[];
  readonly call?: ScriptCall;
  /** Send the script by EVAL at once: the retry of an EVALSHA that answered NOSCRIPT. */
  readonly evalNow?: boolean;
  settle(result: Reply | KvError): void;
}

interface Sent {
  readonly entry: QueuedEntry;
  /** The script went as EVALSHA: a NOSCRIPT answer is retried with EVAL. */
  readonly bySha: boolean;
}

function scriptArgv(call: ScriptCall, bySha: boolean): string[] {
  // Read-only scripts go as EVALSHA_RO / EVAL_RO: Redis then refuses any write they attempt.
  const ro = call.script.readonly ? '_RO' : '';
  const argv = [
    (bySha ? 'EVALSHA' : 'EVAL') + ro,
    bySha ? call.script.sha : call.script.lua,
    String(call.keys.length),
  ];
  for (const k of call.keys) argv.push(k);
  for (const a of call.args) argv.push(a);
  return argv;
}

/**
 * Keeps one caller's commands in order over HTTP. `@upstash/redis`'s auto-pipelining sends
 * reads and writes in separate concurrent requests, so `set` then `get` issued together can be
 * answered read-first. Here at most one request is in flight: everything issued while it runs
 * goes, in issue order, into the next `/pipeline` request. That is one HTTP request per batch
 * of concurrent calls, and Redis runs the commands in the order the caller issued them.
 *
 * Scripts go by EVALSHA. A request is cut right after an EVALSHA of a script this adapter has
 * not seen succeed yet, so that if it answers NOSCRIPT the EVAL retry runs before any later
 * command: order holds even on first use. (After a SCRIPT FLUSH on the server, a known script's
 * EVAL retry can run after the commands that followed it in the same request.)
 */
export class OrderedPipeline {
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #maxCommands: number;
  readonly #groups: QueuedEntry[][] = [];
  readonly #loaded = new Set<string>();
  #running = false;
  /** Requests sent, for tests that count round trips. */
  requests = 0;

  constructor(transport: Transport, timeoutMs: number, maxCommands: number) {
    this.#transport = transport;
    this.#timeoutMs = timeoutMs;
    this.#maxCommands = maxCommands;
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
    }
  }

  #take(): Sent[] {
    const sent: Sent[] = [];
    const loadedHere = new Set<string>();
    while (this.#groups.length > 0) {
      const group = this.#groups[0] as QueuedEntry[];
      if (sent.length > 0 && sent.length + group.length > this.#maxCommands) break;
      this.#groups.shift();
      let cut = false;
      for (const entry of group) {
        const call = entry.call;
        if (!call) {
          sent.push({ entry, bySha: false });
          continue;
        }
        const sha = call.script.sha;
        const known = this.#loaded.has(sha) || loadedHere.has(sha);
        const bySha = entry.evalNow !== true;
        if (bySha && !known) cut = true;
        if (!bySha) loadedHere.add(sha);
        sent.push({ entry, bySha });
      }
      if (cut) break;
    }
    return sent;
  }

  async #send(sent: Sent[]): Promise<void> {
    const commands = sent.map(({ entry, bySha }) =>
      entry.call ? scriptArgv(entry.call, bySha) : (entry.argv as readonly string[]),
    );
    let answers: PipelineEntry[];
    try {
      this.requests++;
      answers = await this.#transport.pipeline(commands, this.#timeoutMs);
    } catch (error) {
      const mapped = mapRequestError(error);
      for (const { entry } of sent) entry.settle(mapped);
      return;
    }
    const retries: QueuedEntry[] = [];
    for (let i = 0; i < sent.length; i++) {
      const { entry, bySha } = sent[i] as Sent;
      const answer = answers[i];
      if (answer === undefined) {
        entry.settle(fromReplyError('ERR the pipeline answer has fewer entries than commands', ADAPTER));
        continue;
      }
      const error = answer.error;
      if (entry.call) {
        if (bySha && typeof error === 'string' && error.startsWith('NOSCRIPT')) {
          retries.push({ call: entry.call, settle: entry.settle, evalNow: true });
          continue;
        }
        // Any other answer means Redis has the script cached now (EVAL caches even a failing body).
        if (typeof error !== 'string' || !error.includes('compiling'))
          this.#loaded.add(entry.call.script.sha);
      }
      if (typeof error === 'string') entry.settle(fromReplyError(error, ADAPTER));
      else entry.settle((answer.result ?? null) as Reply);
    }
    // The EVAL retries go first, before anything queued meanwhile.
    if (retries.length > 0) this.#groups.unshift(retries);
  }
}
