import { isKvError } from '../errors.js';

/** How one fuzzed call ended: its value, or the code of the KvError it failed with. */
export type FuzzOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: string };

/** Options of {@link createFuzzHarness}. */
export interface FuzzHarnessOptions {
  /** A promise-returning call that has not settled after this long is a hang. @default 10000 */
  timeoutMs?: number | undefined;
  /**
   * Errors that may pass through as they are, counted as `passed through`: the caller's own (a
   * loader or handler that throws). Anything else that is not a KvError fails the call.
   * @default none
   */
  passThrough?: ((error: unknown) => boolean) | undefined;
}

/**
 * The contract every public API keeps under bad input (issue 20), checked call by call:
 * - a promise-returning API returns a promise, never throws synchronously, and settles within
 *   `timeoutMs`;
 * - a failure is a `KvError` with a code (or an error `passThrough` accepts);
 * - nothing is left unhandled: `start()` listens for unhandled rejections and uncaught
 *   exceptions, `unhandled` holds them.
 *
 * A call that breaks the contract throws an `Error` naming the operation (no runner's `expect`
 * needed). Every outcome is counted under `<operation> <ok|code>`; `report()` prints the table
 * that closing notes quote. The fuzz suites of core and of every feature package share it.
 */
export interface FuzzHarness {
  /**
   * A synchronous API (a factory): it returns, or throws a KvError. `operation` names the count;
   * `call` (e.g. the generated arguments) is added to the message of a broken contract.
   */
  sync(operation: string, run: () => unknown, call?: string): FuzzOutcome;
  /** A promise-returning API: see the contract above. */
  promised(operation: string, run: () => unknown, call?: string): Promise<FuzzOutcome>;
  /** Count an outcome the caller decided itself (e.g. `agree` / `disagree`). */
  count(operation: string, outcome: string): void;
  /** Outcome counts, keyed `<operation> <outcome>`. */
  readonly outcomes: ReadonlyMap<string, number>;
  /** Unhandled rejections and uncaught exceptions seen between `start()` and `stop()`. */
  readonly unhandled: readonly unknown[];
  /** Listen for unhandled rejections and uncaught exceptions (Node). */
  start(): void;
  /** Stop listening. */
  stop(): void;
  /** The counts as text, one `operation: outcome n, ...` line per operation, under `title`. */
  report(title: string): string;
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : `a thrown ${typeof error}`;
  } catch {
    return 'an unprintable error';
  }
}

type ProcessLike = {
  on(event: string, listener: (error: unknown) => void): unknown;
  off(event: string, listener: (error: unknown) => void): unknown;
};

/** A new {@link FuzzHarness}. */
export function createFuzzHarness(options: FuzzHarnessOptions = {}): FuzzHarness {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const outcomes = new Map<string, number>();
  const unhandled: unknown[] = [];
  const onUnhandled = (error: unknown): void => {
    unhandled.push(error);
  };
  const proc = (globalThis as { process?: ProcessLike }).process;

  const count = (operation: string, outcome: string): void => {
    const key = `${operation} ${outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  };

  const failure = (operation: string, error: unknown, call: string): FuzzOutcome => {
    if (isKvError(error)) {
      count(operation, error.code);
      return { ok: false, code: error.code };
    }
    if (options.passThrough?.(error)) {
      count(operation, 'passed through');
      return { ok: false, code: 'passed through' };
    }
    count(operation, 'not a KvError');
    throw new Error(`${call}: failed with ${describeError(error)}, not a KvError`, { cause: error });
  };

  return {
    sync(operation, run, call = operation) {
      try {
        const value = run();
        count(operation, 'ok');
        return { ok: true, value };
      } catch (error) {
        return failure(operation, error, call);
      }
    },

    async promised(operation, run, call = operation) {
      let returned: unknown;
      try {
        returned = run();
      } catch (error) {
        count(operation, 'sync throw');
        throw new Error(`${call}: threw synchronously (${describeError(error)}) instead of rejecting`, {
          cause: error,
        });
      }
      if (!(returned instanceof Promise)) {
        count(operation, 'not a promise');
        throw new Error(`${call}: returned ${typeof returned}, not a promise`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<typeof HANG>((resolve) => {
        timer = setTimeout(() => resolve(HANG), timeoutMs);
      });
      try {
        const value = await Promise.race([returned, hang]);
        if (value === HANG) {
          count(operation, 'hang');
          throw new HangError(`${call}: did not settle within ${timeoutMs} ms`);
        }
        count(operation, 'ok');
        return { ok: true, value };
      } catch (error) {
        if (error instanceof HangError) throw error;
        return failure(operation, error, call);
      } finally {
        clearTimeout(timer);
      }
    },

    count,
    outcomes,
    unhandled,

    start() {
      proc?.on('unhandledRejection', onUnhandled);
      proc?.on('uncaughtException', onUnhandled);
    },

    stop() {
      proc?.off('unhandledRejection', onUnhandled);
      proc?.off('uncaughtException', onUnhandled);
    },

    report(title) {
      const byOperation = new Map<string, Array<[string, number]>>();
      for (const [key, n] of outcomes) {
        const at = key.lastIndexOf(' ');
        // Outcomes are one word or `not a KvError` / `sync throw` / `passed through`: split on the operation.
        const operation = MULTIWORD.find((o) => key.endsWith(` ${o}`));
        const op = operation ? key.slice(0, -operation.length - 1) : key.slice(0, at);
        const outcome = operation ?? key.slice(at + 1);
        const rows = byOperation.get(op) ?? [];
        rows.push([outcome, n]);
        byOperation.set(op, rows);
      }
      const lines = [...byOperation.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(
          ([op, rows]) =>
            `  ${op}: ${rows
              .sort((a, b) => b[1] - a[1])
              .map(([o, n]) => `${o} ${n}`)
              .join(', ')}`,
        );
      return `${title}\n${lines.join('\n')}`;
    },
  };
}

const HANG = Symbol('hang');
const MULTIWORD = ['not a KvError', 'sync throw', 'not a promise', 'passed through'];

class HangError extends Error {}
