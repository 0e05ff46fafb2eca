import { KvError } from '../../errors.js';
import { ADAPTER } from './errors.js';

/**
 * The send times of the commands in flight on one connection, in the coarse ticks of one
 * interval timer. Redis answers a connection's commands in order, so the oldest command in
 * flight is always the next to be answered: a ring of ticks indexed by sequence number is all
 * the bookkeeping a reply deadline needs (no timer, promise or closure per command).
 */
export class InFlightTicks {
  #ticks = new Uint32Array(256);
  #sent = 0;
  #answered = 0;
  /** The current tick, advanced by the owner's timer. */
  tick = 0;

  /** A command was written; returns its sequence number. */
  sent(): number {
    if (this.#sent - this.#answered === this.#ticks.length) this.#grow();
    this.#ticks[this.#sent % this.#ticks.length] = this.tick;
    return this.#sent++;
  }

  /** The oldest command in flight was answered (or failed); returns its sequence number. */
  answered(): number {
    return this.#answered++;
  }

  /** Commands sent so far: every sequence number below it is sent. */
  get sentCount(): number {
    return this.#sent;
  }

  /** How many ticks ago the oldest command in flight was sent; -1 when none is in flight. */
  oldestAge(): number {
    if (this.#answered >= this.#sent) return -1;
    return this.tick - (this.#ticks[this.#answered % this.#ticks.length] as number);
  }

  #grow(): void {
    const old = this.#ticks;
    const next = new Uint32Array(old.length * 2);
    for (let seq = this.#answered; seq < this.#sent; seq++)
      next[seq % next.length] = old[seq % old.length] as number;
    this.#ticks = next;
  }
}

/**
 * The reply deadline of a Cluster's commands. Replies from several nodes come in any order, so
 * unlike a standalone connection there is no single oldest command: each call is one entry of a
 * Set (insertion order = send order), stamped with the tick of one interval timer, which fails
 * the entries past the deadline from the oldest on with E_TIMEOUT. The command stays with
 * node-redis, whose late reply is dropped; its effect is unknown. A call is failed between 1x and
 * 1.25x the deadline (plus the timer's lateness).
 */
export function replyDeadlines(timeoutMs: number): {
  watch(reply: Promise<unknown>): Promise<unknown>;
  stop(): void;
} {
  const period = Math.max(5, Math.floor(timeoutMs / 4));
  const limit = Math.ceil(timeoutMs / period);
  const pending = new Set<{ readonly tick: number; readonly reject: (error: KvError) => void }>();
  let tick = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const sweep = (): void => {
    tick++;
    for (const call of pending) {
      if (tick - call.tick <= limit) break;
      pending.delete(call);
      call.reject(new KvError('E_TIMEOUT', 'command timed out (commandTimeoutMs)', { adapter: ADAPTER }));
    }
    if (pending.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    watch(reply) {
      return new Promise((resolve, reject) => {
        const call = { tick, reject };
        pending.add(call);
        if (timer === undefined) {
          timer = setInterval(sweep, period);
          timer.unref?.();
        }
        reply.then(
          (value) => {
            pending.delete(call);
            resolve(value);
          },
          (error: unknown) => {
            pending.delete(call);
            reject(error);
          },
        );
      });
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
