import type { Reply, ScriptCall } from '../../driver.js';
import { fromReplyError, type KvError } from '../../errors.js';
import { ScriptLoader } from '../../script-loader.js';
import { ADAPTER, mapRequestError, type PipelineEntry, type Transport } from './transport.js';

/** One queued command or script call, settled with its reply or its error. */
export interface QueuedEntry {
  readonly argv?: readonly string[];
  readonly call?: ScriptCall;
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
  readonly #scripts = new ScriptLoader();
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
