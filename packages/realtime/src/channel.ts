import type { KvStore } from '@raptorflow/core';
import type { Subscription } from '@raptorflow/core/driver';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { REALTIME_ERRORS } from './errors.js';
import { emitOperation, type FeatureHub, operationStart } from './events.js';
import type { ResolvedRealtimeOptions } from './options.js';
import { APPEND, encodeAppendArgs } from './scripts/index.js';

/** A message schema: a zod schema, or anything with zod's `safeParse`. */
export interface MessageSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** One message of a channel. */
export interface RealtimeMessage<T> {
  /** Its id in the channel: whole numbers from 1, in append order (the SSE `id:`). */
  readonly id: number;
  readonly data: T;
}

/** What {@link Channel.replayAfter} returns. */
export interface Replay<T> {
  /** The messages after the id asked for, in id order (at most the `replay` option's count). */
  readonly messages: readonly RealtimeMessage<T>[];
  /**
   * True when the reader missed messages the buffer no longer holds, or the channel's sequence
   * started again (quiet for longer than `retention`): reload the state, then apply `messages`.
   */
  readonly reset: boolean;
  /** The id to continue from: the last message's, else the channel's current id. */
  readonly lastId: number;
}

/** What {@link Channel.publish} returns. */
export interface PublishResult {
  /** The message's id in the channel. */
  readonly id: number;
  /** How many subscriptions received it live (0 on a store without pub/sub). */
  readonly receivers: number;
}

/** A typed JSON channel of one workspace; see {@link RealtimeWorkspace.channel}. */
export interface Channel<T> {
  /** The channel's name. */
  readonly name: string;
  /** The workspace it belongs to. */
  readonly workspace: string;
  /**
   * Validate `data` against the schema, keep it in the replay buffer with the next id, and
   * deliver it to live subscribers. Two round trips on Redis (the append script, then PUBLISH
   * of `<id>:<json>`, which needs the id the script gives; README "Round trips" says why the
   * script does not publish itself).
   * Refused with `E_REALTIME_INVALID_MESSAGE` or `E_REALTIME_MESSAGE_TOO_LARGE` before any write.
   */
  publish(data: T): Promise<PublishResult>;
  /**
   * Call `handler` for each live message (from this process or any other on the store). A
   * message that fails the schema (another version's writer) is dropped and counted as a
   * `deliver` event with outcome `invalid`. One store subscription per channel per process,
   * shared by every handler. Needs `capabilities.pubsub` (`E_UNSUPPORTED` otherwise).
   */
  subscribe(handler: (message: RealtimeMessage<T>) => void): Promise<Subscription>;
  /** The id of the channel's latest message (0 when none is kept). One round trip. */
  lastId(): Promise<number>;
  /** The buffered messages after `lastId` (0: all), with the gap check; one round trip. */
  replayAfter(lastId: number): Promise<Replay<T>>;
}

/** Where one channel's keys and pub/sub channel live, relative to the workspace's group view. */
export interface ChannelKeys {
  readonly seq: string;
  readonly log: string;
  readonly topic: string;
}

/** Live fan-out: one store subscription per (workspace view, channel), many handlers. */
export class Fanout {
  private readonly topics = new Map<
    string,
    { handlers: Set<(raw: string) => void>; sub: Promise<Subscription> }
  >();

  async add(
    group: KvStore,
    key: string,
    topic: string,
    handler: (raw: string) => void,
  ): Promise<Subscription> {
    let entry = this.topics.get(key);
    if (!entry) {
      const handlers = new Set<(raw: string) => void>();
      const sub = group.subscribe(topic, (raw) => {
        for (const h of handlers) h(raw);
      });
      entry = { handlers, sub };
      this.topics.set(key, entry);
      sub.catch(() => {
        if (this.topics.get(key) === entry) this.topics.delete(key);
      });
    }
    const own = (raw: string): void => handler(raw);
    entry.handlers.add(own);
    const current = entry;
    await current.sub;
    return {
      unsubscribe: async () => {
        current.handlers.delete(own);
        if (current.handlers.size === 0 && this.topics.get(key) === current) {
          this.topics.delete(key);
          await (await current.sub).unsubscribe();
        }
      },
    };
  }

  async close(): Promise<void> {
    const entries = [...this.topics.values()];
    this.topics.clear();
    await Promise.allSettled(entries.map(async (e) => (await e.sub).unsubscribe()));
  }
}

/** Split a stored or published `<id>:<json>` and validate it; `undefined` when it is not one of ours. */
export function decodeMessage<T>(raw: string, schema: MessageSchema<T>): RealtimeMessage<T> | undefined {
  const colon = raw.indexOf(':');
  if (colon < 1) return undefined;
  const id = Number(raw.slice(0, colon));
  if (!Number.isSafeInteger(id) || id < 1) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw.slice(colon + 1));
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? { id, data: parsed.data } : undefined;
}

const ENCODER = new TextEncoder();

/** Build one channel. */
export function createChannel<T>(ctx: {
  readonly group: KvStore;
  readonly workspace: string;
  readonly name: string;
  readonly schema: MessageSchema<T>;
  readonly options: ResolvedRealtimeOptions;
  readonly hub: FeatureHub;
  readonly fanout: Fanout;
}): Channel<T> {
  const { group, workspace, name, schema, options, hub, fanout } = ctx;
  const seqKey = `ch:${name}:seq`;
  const logKey = `ch:${name}:log`;
  const topic = `ch:${name}`;
  const keys = Object.freeze([seqKey, logKey]);
  const fanoutKey = `${group.prefix}\u0000${topic}`;

  function encode(data: T): string {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw REALTIME_ERRORS.error(
        'E_REALTIME_INVALID_MESSAGE',
        `publish: channel ${describeValue(name)}: the message does not match the schema: ${String(
          (parsed.error as { message?: unknown })?.message ?? parsed.error,
        ).slice(0, 300)}`,
      );
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(parsed.data);
    } catch (error) {
      throw REALTIME_ERRORS.error(
        'E_REALTIME_INVALID_MESSAGE',
        `publish: the message is not JSON: ${String(error)}`,
      );
    }
    if (json === undefined) {
      throw REALTIME_ERRORS.error(
        'E_REALTIME_INVALID_MESSAGE',
        'publish: the message is not JSON (undefined)',
      );
    }
    const bytes = json.length * 3 <= options.maxMessageBytes ? 0 : ENCODER.encode(json).length;
    if (bytes > options.maxMessageBytes) {
      throw REALTIME_ERRORS.error(
        'E_REALTIME_MESSAGE_TOO_LARGE',
        `publish: the message has ${bytes} bytes of JSON; maxMessageBytes is ${options.maxMessageBytes}`,
      );
    }
    return json;
  }

  return {
    name,
    workspace,
    async publish(data) {
      const started = operationStart(hub);
      try {
        const json = encode(data);
        const id = await group.eval(APPEND, keys, encodeAppendArgs(json, options.replay, options.retention));
        const receivers = group.capabilities.pubsub ? await group.publish(topic, `${id}:${json}`) : 0;
        emitOperation(hub, 'publish', workspace, started, 'ok', undefined, { channel: name, receivers });
        return { id, receivers };
      } catch (error) {
        emitOperation(hub, 'publish', workspace, started, 'error', error, { channel: name });
        throw error;
      }
    },
    subscribe(handler) {
      if (typeof handler !== 'function') {
        return Promise.reject(
          invalidArgument('subscribe', `handler: expected a function, got ${describeValue(handler)}`),
        );
      }
      return fanout.add(group, fanoutKey, topic, (raw) => {
        const message = decodeMessage(raw, schema);
        if (message === undefined) {
          emitOperation(hub, 'deliver', workspace, operationStart(hub), 'invalid', undefined, {
            channel: name,
          });
          return;
        }
        handler(message);
      });
    },
    async lastId() {
      const raw = await group.get(seqKey);
      return raw === null ? 0 : Number(raw);
    },
    async replayAfter(lastId) {
      if (!Number.isSafeInteger(lastId) || lastId < 0) {
        throw invalidArgument(
          'replayAfter',
          `lastId: expected a whole number >= 0, got ${describeValue(lastId)}`,
        );
      }
      const started = operationStart(hub);
      try {
        // Inclusive of lastId: finding it proves nothing was trimmed between it and the next one.
        const [seqRaw, found] = await group
          .batch()
          .get(seqKey)
          .zrangeByScore(logKey, lastId, Number.POSITIVE_INFINITY)
          .exec();
        const seq = seqRaw === null ? 0 : Number(seqRaw);
        // The sequence started again (quiet for longer than `retention`): everything kept is new
        // to this reader. Rare, so a second round trip rather than reading the whole buffer always.
        const restarted = seq < lastId;
        const raws = restarted ? await group.zrangeByScore(logKey, 0, Number.POSITIVE_INFINITY) : found;
        const after = restarted ? 0 : lastId;
        const messages: RealtimeMessage<T>[] = [];
        let invalid = 0;
        let first: number | undefined;
        for (const raw of raws) {
          const id = Number(raw.slice(0, raw.indexOf(':')));
          first ??= id;
          if (id <= after) continue;
          const message = decodeMessage(raw, schema);
          if (message === undefined) invalid++;
          else messages.push(message);
        }
        const reset = lastId > 0 && (restarted || (first !== undefined && first > lastId + 1));
        const last = messages.at(-1)?.id ?? Math.max(seq, reset ? 0 : lastId);
        emitOperation(hub, 'replay', workspace, started, reset ? 'reset' : 'ok', undefined, {
          channel: name,
          messages: messages.length,
          invalid,
        });
        return { messages, reset, lastId: last };
      } catch (error) {
        emitOperation(hub, 'replay', workspace, started, 'error', error, { channel: name });
        throw error;
      }
    },
  };
}
