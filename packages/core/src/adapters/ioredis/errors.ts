import { fromReplyError, isKvError, KvError } from '../../errors.js';

/** Name of this adapter in errors and `store.name`. */
export const ADAPTER = 'ioredis';

// Texts ioredis uses for connection failures (ioredis 5 and 6, standalone and Cluster).
const CONNECTION_TEXTS = [
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  "Cluster isn't ready",
  'Cluster is disconnected',
  'Too many Cluster redirections',
  'connect ETIMEDOUT',
  'Connection manually closed',
  // ioredis `socketTimeout`: the connection went silent with commands in flight.
  'Socket timeout',
];

/** Node socket error codes that mean the server cannot be reached (shared by the Redis adapters). */
export const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_DESTROYED',
]);

/**
 * Map anything ioredis rejects with to a KvError with a stable code:
 * server error replies through `fromReplyError`, connection failures to E_CONNECTION,
 * `commandTimeout` expiry to E_TIMEOUT, and anything after `close()` to E_CLOSED.
 */
export function mapError(error: unknown, closed: boolean): KvError {
  if (isKvError(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (closed) return new KvError('E_CLOSED', 'the store was closed', { adapter: ADAPTER, cause: error });
  // ReplyError (redis-errors) is what the server answered; ClusterAllFailedError wraps the last one.
  if (e.name === 'ReplyError') {
    return fromReplyError(message, ADAPTER, error);
  }
  if (message === 'Command timed out') {
    return new KvError('E_TIMEOUT', 'command timed out (commandTimeoutMs)', {
      adapter: ADAPTER,
      cause: error,
    });
  }
  if (
    e.name === 'MaxRetriesPerRequestError' ||
    e.name === 'ClusterAllFailedError' ||
    (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) ||
    CONNECTION_TEXTS.some((text) => message.includes(text))
  ) {
    return new KvError('E_CONNECTION', message, { adapter: ADAPTER, cause: error });
  }
  return new KvError('E_COMMAND', message, { adapter: ADAPTER, cause: error });
}
