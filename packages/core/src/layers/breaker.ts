/** States of a {@link CircuitBreaker}. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Settings of a {@link CircuitBreaker}, already validated. */
export interface BreakerSettings {
  /** Failures within `windowMs` that open the circuit. */
  readonly failureThreshold: number;
  /** Width of the failure-counting window, in ms. */
  readonly windowMs: number;
  /** Time the circuit stays open before one probe call is let through, in ms. */
  readonly cooldownMs: number;
}

/** Where the breaker sends a call. */
export type BreakerRoute = 'primary' | 'probe' | 'blocked';

/** A state change, as reported to the listener. */
export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Failures counted in the window when it opened (0 for other transitions). */
  readonly failures: number;
}

/**
 * closed → open after `failureThreshold` failures within `windowMs` → half-open after
 * `cooldownMs` (one probe call goes to the primary, every other call stays blocked) → closed
 * when the probe succeeds, open again (new cool-down) when it fails.
 *
 * Failures are kept as a ring of timestamps, so counting costs no allocation per call.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  readonly #onChange: (transition: BreakerTransition) => void;
  readonly #failures: number[];
  #head = 0;
  #state: BreakerState = 'closed';
  #openedAt = 0;
  #probing = false;

  constructor(
    settings: BreakerSettings,
    onChange: (transition: BreakerTransition) => void,
    now: () => number = Date.now,
  ) {
    this.#settings = settings;
    this.#onChange = onChange;
    this.#now = now;
    this.#failures = new Array(settings.failureThreshold).fill(Number.NEGATIVE_INFINITY);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Decide where the next call goes. A `probe` must be followed by {@link succeeded} or {@link failed}. */
  route(): BreakerRoute {
    if (this.#state === 'closed') return 'primary';
    if (this.#probing) return 'blocked';
    if (this.#state === 'open') {
      if (this.#now() - this.#openedAt < this.#settings.cooldownMs) return 'blocked';
      this.#move('half-open', 0);
    }
    this.#probing = true;
    return 'probe';
  }

  /** The primary answered (a caller error such as WRONGTYPE counts as an answer). */
  succeeded(route: BreakerRoute): void {
    if (route !== 'probe') return;
    this.#probing = false;
    this.#clearFailures();
    this.#move('closed', 0);
  }

  /** The primary failed to answer (connection error or timeout). */
  failed(route: BreakerRoute): void {
    const now = this.#now();
    if (route === 'probe') {
      this.#probing = false;
      this.#open(now, 1);
      return;
    }
    if (this.#state !== 'closed') return;
    // The ring holds the last `threshold` failure times; the oldest is the one about to be overwritten.
    this.#failures[this.#head] = now;
    this.#head = (this.#head + 1) % this.#failures.length;
    const oldest = this.#failures[this.#head] as number;
    if (now - oldest <= this.#settings.windowMs) this.#open(now, this.#failures.length);
  }

  /** Open the circuit now (e.g. from an operator's switch); the cool-down starts now. */
  trip(): void {
    this.#open(this.#now(), 0);
  }

  #open(now: number, failures: number): void {
    this.#openedAt = now;
    this.#clearFailures();
    this.#move('open', failures);
  }

  #clearFailures(): void {
    this.#failures.fill(Number.NEGATIVE_INFINITY);
    this.#head = 0;
  }

  #move(to: BreakerState, failures: number): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#onChange({ from, to, failures });
  }
}
