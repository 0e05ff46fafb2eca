/** A listener of one event type. */
export type Listener<T> = (event: T) => void;

/**
 * A tiny typed event emitter that runs on every runtime (no `node:events`). `emit` is cheap
 * when nobody listens: callers check `has` before building an event object.
 */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  /** Add a listener; returns a function that removes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const list = this.#listeners[type] ?? [];
    this.#listeners[type] = [...list, listener];
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners[type];
    if (list) this.#listeners[type] = list.filter((l) => l !== listener);
  }

  /** True when at least one listener is attached for `type`. */
  has(type: keyof Events): boolean {
    const list = this.#listeners[type];
    return list !== undefined && list.length > 0;
  }

  /** Call each listener; a throwing listener does not stop the others or the caller. */
  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const list = this.#listeners[type];
    if (!list) return;
    for (const listener of list) {
      try {
        listener(event);
      } catch (error) {
        // A faulty listener (metrics, logging) must not break the store call that emitted.
        console.error('[raptorflow] event listener failed', error);
      }
    }
  }
}
