import type { ServerResponse } from 'node:http';
import type { RedisReply, RespPool } from '../resp-connection.js';

/** What one subscription stream needs from the server. */
export interface SubscriptionOptions {
  res: ServerResponse;
  pool: RespPool;
  /** Channel, or pattern when `pattern` is true. */
  channel: string;
  pattern: boolean;
  heartbeatMs: number;
  /** Open streams, so the server can end them all on stop. */
  streams: Set<() => void>;
}

function text(value: RedisReply | undefined): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

/**
 * Write one event. The client splits lines on `\n` and reads each `data: ` line as one event,
 * so a payload holding a newline is sent as standard SSE continuation lines (`data: ` per
 * line, then a blank line); a reader that follows the SSE spec joins them back with `\n`.
 */
function writeEvent(res: ServerResponse, fields: string[]): void {
  const lines = fields.join(',').split('\n');
  res.write(`${lines.map((l) => `data: ${l}`).join('\n')}\n\n`);
}

/**
 * Serve `/subscribe/<channel>` or `/psubscribe/<pattern>`: one dedicated Redis subscriber
 * connection per HTTP stream, closed when the client aborts the request. Payloads are sent raw,
 * never base64, as Upstash does.
 */
export async function openSubscription(options: SubscriptionOptions): Promise<void> {
  const { res, channel, pattern } = options;
  const connection = await options.pool.dedicated();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    options.streams.delete(end);
    connection.close();
    res.end();
  };
  const heartbeat = setInterval(() => res.write(': ping\n\n'), options.heartbeatMs);
  heartbeat.unref();
  options.streams.add(end);
  res.on('close', end);
  connection.onClose = end;
  connection.onPush = (reply) => {
    if (!Array.isArray(reply)) return;
    const kind = text(reply[0]);
    if (kind === 'message') writeEvent(res, ['message', text(reply[1]), text(reply[2])]);
    else if (kind === 'pmessage')
      writeEvent(res, ['pmessage', text(reply[1]), text(reply[2]), text(reply[3])]);
  };

  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.flushHeaders();
  const [confirm] = await connection.send([[pattern ? 'PSUBSCRIBE' : 'SUBSCRIBE', channel]]);
  if (ended) return;
  if (Array.isArray(confirm)) writeEvent(res, [text(confirm[0]), text(confirm[1]), text(confirm[2])]);
}
