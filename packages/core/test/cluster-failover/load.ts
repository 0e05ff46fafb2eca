import { performance } from 'node:perf_hooks';
import { isKvError } from '../../src/errors.js';
import type { KvStore } from '../../src/types.js';

const FAILURE_BACKOFF_MS = 10;

/** One write of the load: a SET of a unique key, an RPUSH of a unique id, or an INCR of a shared counter. */
export interface Write {
  readonly index: number;
  readonly kind: 'set' | 'rpush' | 'incr';
  readonly key: string;
  /** The value set or the id pushed (the written index, as text). */
  readonly value: string;
  /** `acked`: the store answered; `failed`: it rejected (the effect is unknown); `pending`: never answered. */
  status: 'pending' | 'acked' | 'failed';
  /** Position of the answer in the run's sequence of answers (0 while pending). */
  seq: number;
  /** The error code and message of a failed write. */
  code: string | undefined;
  message: string | undefined;
  /** Started after the run was told the store had recovered. */
  afterRecovery: boolean;
  /** `performance.now()` when it was sent and answered; `ms` is the call's duration. */
  startedAt: number;
  endedAt: number;
  ms: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly store: KvStore;
  /** Prefix of every key of this run. */
  readonly prefix: string;
  /** Lists and counters the RPUSHes and INCRs share. */
  readonly lists: number;
  readonly counters: number;
  /** Writes in flight at once. */
  readonly concurrency: number;
  /** Writes answered (either way) before `onFault` is called once. */
  readonly faultAfter: number;
  /** Injects the fault; its promise resolves when the store is known to have recovered. */
  readonly onFault: (seqNow: () => number) => Promise<void>;
  /** Writes acknowledged after recovery that end the run. */
  readonly tail: number;
  /** Bounds of the run whatever happens: writes issued, and wall time for issuing new ones. */
  readonly maxWrites: number;
  readonly maxMs: number;
}

/** What {@link runLoad} did. */
export interface LoadResult {
  readonly writes: Write[];
  /** The fault's promise rejected with this (recovery was not seen). */
  readonly faultError: unknown;
  /** The run ended because `tail` writes were acknowledged after recovery (not on a bound). */
  readonly completed: boolean;
}

/** Key, kind and value of write `index`: SET, RPUSH and INCR in turn, over many slots (no hash tags). */
export function planWrite(index: number, o: Pick<LoadOptions, 'prefix' | 'lists' | 'counters'>): Write {
  const kind = (['set', 'rpush', 'incr'] as const)[index % 3] as Write['kind'];
  const key =
    kind === 'set'
      ? `${o.prefix}s:${index}`
      : kind === 'rpush'
        ? `${o.prefix}l:${index % o.lists}`
        : `${o.prefix}c:${index % o.counters}`;
  return {
    index,
    kind,
    key,
    value: String(index),
    status: 'pending',
    seq: 0,
    code: undefined,
    message: undefined,
    afterRecovery: false,
    startedAt: 0,
    endedAt: 0,
    ms: 0,
  };
}

function send(store: KvStore, w: Write): Promise<unknown> {
  if (w.kind === 'set') return store.set(w.key, w.value);
  if (w.kind === 'rpush') return store.rpush(w.key, w.value);
  return store.incrBy(w.key, 1);
}

/**
 * Run a bounded write load with `concurrency` workers, inject the fault after `faultAfter`
 * answers, and end once `tail` writes were acknowledged after the fault's promise resolved
 * (or on `maxWrites` / `maxMs`). Every write's outcome and answer order is recorded.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const writes: Write[] = [];
  const started = performance.now();
  let seq = 0;
  let recovered = false;
  let ackedAfter = 0;
  let fault: Promise<void> | undefined;
  let faultError: unknown;

  const worker = async (): Promise<void> => {
    while (ackedAfter < o.tail && writes.length < o.maxWrites && performance.now() - started < o.maxMs) {
      const w = planWrite(writes.length, o);
      w.afterRecovery = recovered;
      writes.push(w);
      const t0 = performance.now();
      w.startedAt = t0;
      try {
        await send(o.store, w);
        w.status = 'acked';
        if (w.afterRecovery) ackedAfter++;
      } catch (error) {
        w.status = 'failed';
        w.endedAt = performance.now();
        w.ms = w.endedAt - t0;
        w.code = isKvError(error) ? error.code : String(error);
        w.message = error instanceof Error ? error.message.slice(0, 120) : undefined;
        // A caller backs off after a failure, as an application would: a circuit that rejects
        // at once would otherwise spin the loop through its whole bound in the cool-down.
        await new Promise((r) => setTimeout(r, FAILURE_BACKOFF_MS));
      }
      if (w.status === 'acked') {
        w.endedAt = performance.now();
        w.ms = w.endedAt - t0;
      }
      w.seq = ++seq;
      if (fault === undefined && seq >= o.faultAfter) {
        fault = o
          .onFault(() => seq)
          .then(
            () => {
              recovered = true;
            },
            (error: unknown) => {
              faultError = error;
              ackedAfter = o.tail; // stop the load: without recovery there is nothing more to learn
            },
          );
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await fault;
  return { writes, faultError, completed: ackedAfter >= o.tail && faultError === undefined };
}
