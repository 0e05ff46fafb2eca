import { describeValue, featureKeyspace, invalidArgument } from '@raptorflow/core/kit';
import { type Channel, createChannel, Fanout, type MessageSchema } from './channel.js';
import { FEATURE, featureHub } from './events.js';
import { parseRealtimeOptions, type RealtimeOptions } from './options.js';
import { createPresence, type Presence } from './presence.js';
import { type SseOptions, sseResponse } from './sse.js';

/** One workspace's channels and rooms; see {@link Realtime.workspace}. */
export interface RealtimeWorkspace {
  /** The workspace id. */
  readonly id: string;
  /**
   * A typed JSON channel. `name`: letters, digits, `.`, `_`, `-`, at most 64. Every message is
   * checked against `schema` when published and again when received.
   */
  channel<T>(name: string, schema: MessageSchema<T>): Channel<T>;
  /** Who is in `room` (same name rules as a channel). */
  presence(room: string): Presence;
  /** A server-sent-events `Response` for `channel` (Fetch API: Hono, Next.js, Workers, Deno). */
  sse<T>(channel: Channel<T>, request: Request, options?: SseOptions): Promise<Response>;
}

/** Real-time messaging on a store; see {@link createRealtime}. */
export interface Realtime {
  /** The view of one workspace: its keys and pub/sub channels cannot reach another's. */
  workspace(id: string): RealtimeWorkspace;
  /** End this process's store subscriptions (open SSE streams stop receiving). The store stays open. */
  close(): Promise<void>;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function checkName(where: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw invalidArgument(
      where,
      `${field}: expected 1 to 64 letters, digits, '.', '_' or '-', got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Typed JSON channels, server-sent events with `Last-Event-ID` replay, and presence, on any
 * RaptorFlow KV store, scoped per workspace.
 *
 * ```ts fragment
 * const realtime = createRealtime({ store });
 * const ws = realtime.workspace('acme');
 * const chat = ws.channel('chat', z.object({ text: z.string() }));
 * await chat.publish({ text: 'hi' });
 * return ws.sse(chat, request); // in a route handler
 * ```
 */
export function createRealtime(options: RealtimeOptions): Realtime {
  const resolved = parseRealtimeOptions(options);
  const keys = featureKeyspace(resolved.store, { feature: FEATURE, prefix: resolved.prefix });
  const hub = featureHub(resolved.store);
  const fanout = new Fanout();
  const sseContext = {
    heartbeat: resolved.heartbeat,
    pollInterval: resolved.pollInterval,
    pubsub: resolved.store.capabilities.pubsub,
  };
  return {
    workspace(id) {
      if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
        throw invalidArgument(
          'workspace',
          `id: expected a non-empty string of at most 128 characters, got ${describeValue(id)}`,
        );
      }
      const group = keys.group(id);
      return {
        id,
        channel(name, schema) {
          checkName('channel', 'name', name);
          if (typeof (schema as Partial<MessageSchema<unknown>> | undefined)?.safeParse !== 'function') {
            throw invalidArgument(
              'channel',
              `schema: expected a zod schema (an object with safeParse), got ${describeValue(schema)}`,
            );
          }
          return createChannel({ group, workspace: id, name, schema, options: resolved, hub, fanout });
        },
        presence(room) {
          checkName('presence', 'room', room);
          return createPresence({ group, workspace: id, room, options: resolved, hub });
        },
        sse(channel, request, sseOptions) {
          return sseResponse(channel, request, sseContext, sseOptions);
        },
      };
    },
    close: () => fanout.close(),
  };
}
