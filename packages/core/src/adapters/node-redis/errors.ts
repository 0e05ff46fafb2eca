import { fromReplyError, isKvError, KvError } from '../../errors.js';
import { CONNECTION_CODES } from '../ioredis/errors.js';

/** Name of this adapter in errors and `store.name`. */
export const ADAPTER = 'node-redis';

/** node-redis error classes (by name, so a duplicate install of the library maps the same). */
const CONNECTION_CLASSES = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'SocketClosedUnexpectedlyError',
  'RootNodesUnavailableError',
  'ReconnectStrategyError',
  'DisconnectsClientError',
  'SocketTimeoutDuringMaintenanceError',
]);

/** The class names on `error`'s prototype chain (node-redis's errors leave `name` as `Error`). */
function classNames(error: object): string[] {
  const out: string[] = [];
  for (let p = Object.getPrototypeOf(error); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const name = (p as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string') out.push(name);
  }
  return out;
}

/** True for a server's error reply (node-redis `ErrorReply`: `SimpleError` or `BlobError`). */
export function isErrorReply(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && classNames(error).includes('ErrorReply');
}

/**
 * Map anything node-redis rejects with to a KvError with a stable code, as the ioredis adapter
 * does: server error replies through `fromReplyError`, connection failures to E_CONNECTION,
 * command timeouts to E_TIMEOUT, and anything after `close()` to E_CLOSED.
 */
export function mapError(error: unknown, closed: boolean): KvError {
  if (isKvError(error)) return error;
  if (closed) return new KvError('E_CLOSED', 'the store was closed', { adapter: ADAPTER, cause: error });
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    code?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const names = typeof error === 'object' && error !== null ? classNames(error) : [];
  if (names.includes('ErrorReply')) return fromReplyError(message, ADAPTER, error);
  if (names.includes('TimeoutError') && !names.includes('SocketTimeoutDuringMaintenanceError')) {
    return new KvError('E_TIMEOUT', 'command timed out (commandTimeoutMs)', {
      adapter: ADAPTER,
      cause: error,
    });
  }
  if (
    names.some((n) => CONNECTION_CLASSES.has(n)) ||
    (typeof e.code === 'string' && CONNECTION_CODES.has(e.code))
  ) {
    return new KvError('E_CONNECTION', message, { adapter: ADAPTER, cause: error });
  }
  return new KvError('E_COMMAND', message, { adapter: ADAPTER, cause: error });
}
