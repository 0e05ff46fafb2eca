import * as z from 'zod';
import { memoryAdapter } from '../adapters/memory.js';
import type {
  BatchEntry,
  Command,
  KvDriver,
  MessageHandler,
  Reply,
  ScanRequest,
  ScriptCall,
  Subscription,
} from '../driver.js';
import { isKvError, KvError } from '../errors.js';
import { Emitter } from '../events.js';
import { createDeadlines } from '../kit/deadline.js';
import { parseOptions } from '../kit/options.js';
import { isStoreFailure, STORE_FAILURE_POLICIES, type StoreFailurePolicy } from '../kit/policy.js';
import { requireStore } from '../kit/store-arg.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';
import { type BreakerRoute, type BreakerState, type BreakerTransition, CircuitBreaker } from './breaker.js';

/**
 * What a call does when the primary store is unavailable (circuit open, connection error,
 * timeout): the kit's `StoreFailurePolicy`, one vocabulary for this layer and every feature
 * package. Choose per kind of data; see `layers/README.md`:
 * - `fallback`: run it on the fallback store. Rate limits and locks become per-process, caches
 *   start cold, and writes made there are never copied back to the primary.
 * - `fail-open`: reject with `E_CIRCUIT_OPEN` / `E_CONNECTION` / `E_TIMEOUT` at once, and let the
 *   feature treat it as "allow" (a rate limiter admits, a cache computes).
 * - `fail-closed`: reject the same way, and let the feature treat it as "deny" (a rate limiter
 *   rejects, a lock is not acquired).
 * The layer itself behaves the same for `fail-open` and `fail-closed` (it rejects fast); the
 * difference is the feature's promise, readable from `store.failover.policy`.
 * @deprecated Use `StoreFailurePolicy` from `@raptorflow/core/kit` (the same type).
 */
export type FailurePolicy = StoreFailurePolicy;

/** Options of {@link withFailover}. */
export interface FailoverOptions {
  /** The store used while the primary is unavailable. @default a new `memoryAdapter()` */
  fallback?: KvStore | undefined;
  /**
   * Longest wait for one primary call (command, script, batch, scan page), in ms. A call that
   * times out fails with `E_TIMEOUT`; whether it took effect on the primary is unknown. Checked
   * by the kit's deadline sweep, so the error comes up to max(5, timeoutMs / 10) ms late (at
   * most 100 ms).
   * @default 1000
   */
  timeoutMs?: number | undefined;
  /** What a call does when the primary is unavailable. @default 'fallback' */
  policy?: FailurePolicy | undefined;
  /** Circuit breaker settings. */
  breaker?:
    | {
        /** Failures (connection errors or timeouts) within `windowMs` that open the circuit. @default 5 */
        failureThreshold?: number | undefined;
        /** Width of the failure-counting window, in ms. @default 10000 */
        windowMs?: number | undefined;
        /** Time the circuit stays open before one probe call tries the primary, in ms. @default 5000 */
        cooldownMs?: number | undefined;
      }
    | undefined;
  /** Clock of the breaker, in ms; replace it in tests. @default Date.now */
  now?: (() => number) | undefined;
}

const OPTIONS = z
  .object({
    fallback: z.custom<KvStore>((v) => typeof v === 'object' && v !== null && 'driver' in v).optional(),
    timeoutMs: z.number().int().positive().default(1000),
    policy: z.enum(STORE_FAILURE_POLICIES).default('fallback'),
    breaker: z
      .object({
        failureThreshold: z.number().int().positive().default(5),
        windowMs: z.number().int().positive().default(10_000),
        cooldownMs: z.number().int().positive().default(5000),
      })
      .strict()
      .default({ failureThreshold: 5, windowMs: 10_000, cooldownMs: 5000 }),
    now: z.custom<() => number>((v) => typeof v === 'function').optional(),
  })
  .strict();

/** Events of a failover layer. */
export interface FailoverEvents extends Record<string, unknown> {
  /** The circuit changed state. */
  state: BreakerTransition & { readonly at: number };
  /** A primary call failed with a connection error or a timeout (counted by the breaker). */
  failure: { readonly error: KvError; readonly probe: boolean };
}

/** Counters of a failover layer (a fresh snapshot per read). */
export interface FailoverStats {
  /** Calls answered by the primary. */
  readonly primary: number;
  /** Calls answered by the fallback store. */
  readonly fallback: number;
  /** Primary calls that failed with a connection error. */
  readonly failures: number;
  /** Primary calls that timed out. */
  readonly timeouts: number;
  /** Calls rejected fast with `E_CIRCUIT_OPEN` (policies `fail-open` / `fail-closed`). */
  readonly rejected: number;
  /** Times the circuit opened. */
  readonly opened: number;
}

/** The failover state shared by a store and its policy views. */
export interface FailoverControl {
  /** `closed` (primary in use), `open` (primary skipped) or `half-open` (one probe in flight). */
  readonly state: BreakerState;
  /** This view's policy. */
  readonly policy: FailurePolicy;
  readonly stats: FailoverStats;
  readonly events: Emitter<FailoverEvents>;
  /** The fallback store (its data is per-process when it is memory). */
  readonly fallback: KvStore;
  /**
   * A view with another policy, sharing this breaker, fallback and counters. It is a store on
   * this layer itself: layers and namespace views above it are not part of it.
   */
  withPolicy(policy: FailurePolicy): FailoverStore;
  /** Open the circuit now (maintenance); it probes the primary again after the cool-down. */
  trip(): void;
}

/** A store built by {@link withFailover}. */
export interface FailoverStore extends KvStore {
  readonly failover: FailoverControl;
}

/**
 * True for errors that mean "the store failed", as opposed to a caller's mistake: the kit's
 * `isStoreFailure` (`E_CONNECTION`, `E_TIMEOUT`, `E_CIRCUIT_OPEN`, `E_CLOSED`, `E_STORE_FULL`,
 * `E_COMMAND`).
 * @deprecated Use `isStoreFailure` from `@raptorflow/core/kit` (the same function).
 */
export const isUnavailableError: (error: unknown) => error is KvError = isStoreFailure;

/**
 * The breaker's own rule, narrower than `isStoreFailure`: only "the primary did not answer"
 * (`E_CONNECTION`, `E_TIMEOUT`) counts as a failure and sends a call to the fallback. A store
 * that answered with an error (`E_COMMAND`: `READONLY`, `LOADING`, …) answered: the error
 * reaches the caller, whose policy decides, and the circuit stays closed.
 */
function isBreakerFailure(error: unknown): error is KvError {
  return isKvError(error) && (error.code === 'E_CONNECTION' || error.code === 'E_TIMEOUT');
}

/**
 * Timeouts on every call, a circuit breaker and a fallback store (memory by default).
 *
 * - Every primary call has a deadline of `timeoutMs`; a late call fails with `E_TIMEOUT` and its
 *   outcome on the primary is unknown (a write may still land there).
 * - Connection errors and timeouts count as failures; caller errors (`E_WRONG_TYPE`,
 *   `E_INVALID_ARGUMENT`, script errors...) are answers and count as success.
 * - `failureThreshold` failures within `windowMs` open the circuit: calls skip the primary.
 *   After `cooldownMs` one probe call tries the primary: success closes the circuit, failure
 *   re-opens it. Every change is a `state` event; `store.failover.state` serves health checks.
 * - With policy `fallback`, a call that fails on the primary, or that arrives while the circuit
 *   is open, runs on the fallback store. Writes made there are not replayed to the primary
 *   when it returns, and data written to the primary is not visible there.
 */
export function withFailover(primary: KvStore, options?: FailoverOptions): FailoverStore {
  requireStore('withFailover', primary, 'primary');
  const o = parseOptions('withFailover', OPTIONS, options);
  if (o.fallback !== undefined) requireStore('withFailover', o.fallback, 'fallback');
  const fallback = o.fallback ?? memoryAdapter();
  const events = new Emitter<FailoverEvents>();
  const counts = { primary: 0, fallback: 0, failures: 0, timeouts: 0, rejected: 0, opened: 0 };
  const now = o.now ?? Date.now;
  const breaker = new CircuitBreaker(
    o.breaker,
    (t) => {
      if (t.to === 'open') counts.opened++;
      if (events.has('state')) events.emit('state', { ...t, at: now() });
    },
    now,
  );
  const name = `failover(${primary.name})`;
  const p = primary.driver;
  const f = fallback.driver;
  const timeoutMs = o.timeoutMs;
  // One sweep for every call of this layer and its policy views instead of a timer per call
  // (a `setTimeout` + `clearTimeout` pair per command costs more than the sweep). A deadline
  // fires at most max(5, timeoutMs / 10) ms late, at most 100 ms.
  const deadlines = createDeadlines('withFailover');
  const outcome = ` on ${p.name} (its outcome there is unknown)`;

  /**
   * `call`, or `E_TIMEOUT` after `timeoutMs`. A call settling after its timeout is harmless: the
   * kit's handlers keep it from going unhandled.
   */
  function timed<T>(what: string, call: Promise<T>): Promise<T> {
    return deadlines.track(call, timeoutMs, what + outcome);
  }

  function driverFor(policy: FailurePolicy, control: FailoverControl): KvDriver {
    function run<T>(what: string, onPrimary: () => Promise<T>, onFallback: () => Promise<T>): Promise<T> {
      const route: BreakerRoute = breaker.route();
      if (route === 'blocked') return unavailable(what, onFallback, undefined);
      let call: Promise<T>;
      try {
        call = onPrimary();
      } catch (error) {
        breaker.succeeded(route);
        return Promise.reject(error);
      }
      return timed(what, call).then(
        (value) => {
          counts.primary++;
          breaker.succeeded(route);
          return value;
        },
        (error: unknown) => {
          if (!isBreakerFailure(error)) {
            breaker.succeeded(route);
            throw error;
          }
          if (error.code === 'E_TIMEOUT') counts.timeouts++;
          else counts.failures++;
          if (events.has('failure')) events.emit('failure', { error, probe: route === 'probe' });
          breaker.failed(route);
          return unavailable(what, onFallback, error);
        },
      );
    }

    function unavailable<T>(
      what: string,
      onFallback: () => Promise<T>,
      cause: KvError | undefined,
    ): Promise<T> {
      if (policy === 'fallback') {
        counts.fallback++;
        return onFallback();
      }
      if (cause) return Promise.reject(cause);
      counts.rejected++;
      return Promise.reject(
        new KvError('E_CIRCUIT_OPEN', `${what} not sent: the circuit to ${p.name} is open`, {
          adapter: name,
        }),
      );
    }

    const driver: KvDriver = {
      name,
      capabilities: p.capabilities,
      // The primary is the chain findLayer walks: the fallback is this layer's own business.
      inner: p,
      layer: { kind: 'failover', control },
      command: (command: Command): Promise<Reply> =>
        run(
          command.argv[0] as string,
          () => p.command(command),
          () => f.command(command),
        ),
      script: (call: ScriptCall): Promise<Reply> =>
        run(
          `script ${call.script.name}`,
          () => p.script(call),
          () => f.script(call),
        ),
      batch: (entries: readonly BatchEntry[]): Promise<Array<Reply | Error>> =>
        run(
          'batch',
          () => p.batch(entries),
          () => f.batch(entries),
        ),
      scan: (request: ScanRequest): AsyncIterable<string[]> => scanPages(request),
      close: async () => {
        await Promise.allSettled([p.close(), f.close()]);
      },
    };

    async function* scanPages(request: ScanRequest): AsyncIterable<string[]> {
      const route = breaker.route();
      if (route === 'blocked') {
        if (policy !== 'fallback') {
          await unavailable('scan', () => Promise.resolve(undefined), undefined);
        }
        counts.fallback++;
        yield* f.scan(request);
        return;
      }
      const pages = p.scan(request)[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<string[]>;
        try {
          next = await timed('scan', pages.next());
        } catch (error) {
          if (isBreakerFailure(error)) breaker.failed(route);
          else breaker.succeeded(route);
          throw error;
        }
        breaker.succeeded(route);
        if (next.done) return;
        yield next.value;
      }
    }

    const publish = p.publish?.bind(p);
    if (publish) {
      driver.publish = (channel: string, message: string): Promise<number> =>
        run(
          'PUBLISH',
          () => publish(channel, message),
          () => (f.publish ? f.publish(channel, message) : Promise.resolve(0)),
        );
    }
    const subscribe = p.subscribe?.bind(p);
    if (subscribe) {
      // Subscribe on both stores: messages published while the circuit is open go to the fallback.
      driver.subscribe = async (channels, handler: MessageHandler, ev): Promise<Subscription> => {
        const local = f.subscribe ? await f.subscribe(channels, handler) : undefined;
        try {
          const remote = await timed('SUBSCRIBE', subscribe(channels, handler, ev));
          return {
            unsubscribe: async () => {
              await Promise.allSettled([remote.unsubscribe(), local?.unsubscribe()]);
            },
          };
        } catch (error) {
          await local?.unsubscribe();
          throw error;
        }
      };
    }
    return driver;
  }

  function build(policy: FailurePolicy): FailoverStore {
    const control: FailoverControl = {
      get state() {
        return breaker.state;
      },
      policy,
      get stats(): FailoverStats {
        return { ...counts };
      },
      events,
      fallback,
      withPolicy: (other: FailurePolicy) => build(other),
      trip: () => breaker.trip(),
    };
    const store = createStore(driverFor(policy, control), primary.prefix);
    return Object.assign(store, { failover: control });
  }
  return build(o.policy);
}
