/** Where metrics writes what must not pass silently; `console` fits. */
export interface MetricsLogger {
  info?(message: string, fields: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
  error(message: string, fields: Readonly<Record<string, unknown>>): void;
}

/** What an `onAlert` callback receives: a state change of a store's circuit breaker. */
export interface MetricsAlert {
  readonly kind: 'breaker';
  /** The `store` label of the store. */
  readonly store: string;
  readonly from: string;
  readonly to: string;
  /** When it changed, ms since the epoch. */
  readonly at: number;
}

/** Log kinds, each rate-limited on its own. */
export type LogKind = 'breaker' | 'fallback' | 'store-error';

/**
 * At most `perMinute` lines per kind per minute; past that, lines are counted and the next line
 * that gets through carries `suppressed: n`, so a failing store cannot flood the log.
 */
export class RateLimitedLog {
  readonly #logger: MetricsLogger | undefined;
  readonly #perMinute: number;
  readonly #clock: () => number;
  readonly #windows = new Map<LogKind, { start: number; sent: number; suppressed: number }>();

  constructor(logger: MetricsLogger | undefined, perMinute: number, clock: () => number) {
    this.#logger = logger;
    this.#perMinute = perMinute;
    this.#clock = clock;
  }

  /** True when a logger is set (callers skip building fields otherwise). */
  get on(): boolean {
    return this.#logger !== undefined;
  }

  write(
    kind: LogKind,
    level: 'info' | 'warn' | 'error',
    message: string,
    fields: Record<string, unknown>,
  ): void {
    const logger = this.#logger;
    if (logger === undefined) return;
    const now = this.#clock();
    let w = this.#windows.get(kind);
    if (w === undefined || now - w.start >= 60_000) {
      w = { start: now, sent: 0, suppressed: w?.suppressed ?? 0 };
      this.#windows.set(kind, w);
    }
    if (w.sent >= this.#perMinute) {
      w.suppressed++;
      return;
    }
    w.sent++;
    const out = w.suppressed > 0 ? { ...fields, kind, suppressed: w.suppressed } : { ...fields, kind };
    w.suppressed = 0;
    const write = level === 'info' ? (logger.info ?? logger.warn) : logger[level];
    try {
      write.call(logger, `[raptorflow/metrics] ${message}`, out);
    } catch {
      // A broken logger must not break the store call whose event is being logged.
    }
  }
}
