import * as z from 'zod';
import type { BatchEntry, Command, KvDriver, Reply, ScriptCall } from '../driver.js';
import { isKvError, type KvErrorCode } from '../errors.js';
import { Emitter } from '../events.js';
import { parseOptions } from '../kit/options.js';
import { requireStore } from '../kit/store-arg.js';
import { createStore } from '../store.js';
import type { KvStore } from '../types.js';

/** One command or script that ran on the store. */
export interface KvCallEvent {
  /** `command` or `script`. */
  readonly kind: 'command' | 'script';
  /** The command name (`GET`, `EVALSHA` is reported as the script's name) or the script's name. */
  readonly name: string;
  /** How many keys the call named. */
  readonly keys: number;
  /** Time from send to reply, in ms (fractional). For a batch entry, the whole batch's time. */
  readonly durationMs: number;
  /** The error code when the call failed. */
  readonly error: KvErrorCode | undefined;
  /** The adapter (with its layers) that ran it, e.g. `l1(ioredis)`. */
  readonly adapter: string;
  /** Entries in the batch this call was part of; 0 outside a batch. */
  readonly batch: number;
}

/** Events of {@link instrument}. */
export interface InstrumentEvents extends Record<string, unknown> {
  /** One per command or script, also one per entry of a batch. */
  call: KvCallEvent;
}

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Emit on this emitter (e.g. one shared by several stores). @default a new one */
  events?: Emitter<InstrumentEvents> | undefined;
}

/** The control of an {@link instrument} layer, as `findLayer(store, 'instrument')` returns it. */
export interface InstrumentControl {
  /** Listen to `call` here. */
  readonly events: Emitter<InstrumentEvents>;
}

/** A store built by {@link instrument}. */
export interface InstrumentedStore extends KvStore {
  /** Listen to `call` here. */
  readonly events: Emitter<InstrumentEvents>;
}

const OPTIONS = z
  .object({
    events: z
      .custom<Emitter<InstrumentEvents>>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as Emitter<InstrumentEvents>).emit === 'function' &&
          typeof (v as Emitter<InstrumentEvents>).has === 'function',
        'must be an Emitter (from @raptorflow/core)',
      )
      .optional(),
  })
  .strict();

function codeOf(error: unknown): KvErrorCode {
  return isKvError(error) ? error.code : 'E_COMMAND';
}

/**
 * Emit one `call` event per command or script (name, key count, duration, error code, adapter)
 * for the metrics package. With no listener attached a call costs one `has` check: no timer is
 * read and nothing is allocated. Wrap outermost to time what the caller sees (L1 hits included),
 * innermost to time only what reaches the store.
 */
export function instrument(store: KvStore, options?: InstrumentOptions): InstrumentedStore {
  requireStore('instrument', store);
  const o = parseOptions('instrument', OPTIONS, options);
  const inner = store.driver;
  const events = o.events ?? new Emitter<InstrumentEvents>();
  const adapter = inner.name;

  function observe<T>(
    call: Promise<T>,
    t0: number,
    emit: (durationMs: number, error: unknown, reply: T | undefined) => void,
  ): Promise<T> {
    return call.then(
      (reply) => {
        emit(performance.now() - t0, undefined, reply);
        return reply;
      },
      (error: unknown) => {
        emit(performance.now() - t0, error, undefined);
        throw error;
      },
    );
  }

  const control: InstrumentControl = { events };
  const driver: KvDriver = {
    name: inner.name,
    capabilities: inner.capabilities,
    inner,
    layer: { kind: 'instrument', control },
    command(command: Command): Promise<Reply> {
      if (!events.has('call')) return inner.command(command);
      return observe(inner.command(command), performance.now(), (durationMs, error) => {
        events.emit('call', {
          kind: 'command',
          name: command.argv[0] as string,
          keys: command.keys.length,
          durationMs,
          error: error === undefined ? undefined : codeOf(error),
          adapter,
          batch: 0,
        });
      });
    },
    script(call: ScriptCall): Promise<Reply> {
      if (!events.has('call')) return inner.script(call);
      return observe(inner.script(call), performance.now(), (durationMs, error) => {
        events.emit('call', {
          kind: 'script',
          name: call.script.name,
          keys: call.keys.length,
          durationMs,
          error: error === undefined ? undefined : codeOf(error),
          adapter,
          batch: 0,
        });
      });
    },
    batch(entries: readonly BatchEntry[]): Promise<Array<Reply | Error>> {
      if (!events.has('call')) return inner.batch(entries);
      return observe(inner.batch(entries), performance.now(), (durationMs, error, replies) => {
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i] as BatchEntry;
          const failed = error ?? (replies?.[i] instanceof Error ? replies[i] : undefined);
          const isScript = 'call' in entry;
          events.emit('call', {
            kind: isScript ? 'script' : 'command',
            name: isScript ? entry.call.script.name : (entry.command.argv[0] as string),
            keys: isScript ? entry.call.keys.length : entry.command.keys.length,
            durationMs,
            error: failed === undefined ? undefined : codeOf(failed),
            adapter,
            batch: entries.length,
          });
        }
      });
    },
    scan: (request) => inner.scan(request),
    close: () => inner.close(),
  };
  if (inner.publish) driver.publish = inner.publish.bind(inner);
  if (inner.subscribe) driver.subscribe = inner.subscribe.bind(inner);
  return Object.assign(createStore(driver, store.prefix), { events });
}
