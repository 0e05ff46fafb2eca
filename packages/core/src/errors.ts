/**
 * Stable error codes. The same failure gives the same code on every adapter and layer,
 * so callers can branch on `code` without knowing which store is configured.
 */
export const KV_ERROR_CODES = {
  /** Options passed to a factory failed validation. The message names the field. */
  E_INVALID_OPTIONS: 'E_INVALID_OPTIONS',
  /** An argument of a call is not acceptable (a non-positive TTL, a malformed score bound, a lone surrogate). */
  E_INVALID_ARGUMENT: 'E_INVALID_ARGUMENT',
  /** The key holds a value of another type (Redis `WRONGTYPE`). */
  E_WRONG_TYPE: 'E_WRONG_TYPE',
  /** The stored value is not a number, or the arithmetic would overflow (Redis `ERR value is not an integer`). */
  E_NOT_A_NUMBER: 'E_NOT_A_NUMBER',
  /** The store cannot be reached: refused, reset, DNS failure, closed by the server. */
  E_CONNECTION: 'E_CONNECTION',
  /** A call did not complete within its time limit. Its effect on the store is unknown. */
  E_TIMEOUT: 'E_TIMEOUT',
  /** A script failed while running (a Lua error, or an error raised by its JavaScript twin). */
  E_SCRIPT: 'E_SCRIPT',
  /** The keys of one call map to different Cluster slots. */
  E_CROSSSLOT: 'E_CROSSSLOT',
  /** A value is larger than the store accepts (`capabilities.maxValueBytes`). */
  E_VALUE_TOO_LARGE: 'E_VALUE_TOO_LARGE',
  /** A stored value could not be decoded, or a value could not be encoded. */
  E_CODEC: 'E_CODEC',
  /** The store was closed by the caller. */
  E_CLOSED: 'E_CLOSED',
  /** The store lacks a capability the call needs (see `capabilities`). */
  E_UNSUPPORTED: 'E_UNSUPPORTED',
  /** The store is out of memory or refused a write for its own limits (Redis `OOM`). */
  E_STORE_FULL: 'E_STORE_FULL',
  /** The fallback circuit is open and the call was not allowed to reach the primary store. */
  E_CIRCUIT_OPEN: 'E_CIRCUIT_OPEN',
  /** Any other error reported by the store. The message carries the store's text. */
  E_COMMAND: 'E_COMMAND',
} as const;

/** One of core's {@link KV_ERROR_CODES}. */
export type CoreErrorCode = keyof typeof KV_ERROR_CODES;

/**
 * A feature package's own code, `E_<FEATURE>_<WHAT>` (`E_QUEUE_JOB_NOT_FOUND`,
 * `E_LOCK_NOT_HELD`), declared with the kit's `defineErrorCodes`.
 */
export type FeatureErrorCode = `E_${Uppercase<string>}_${Uppercase<string>}`;

/** A stable error code: one of core's, or one a feature package declared. */
export type KvErrorCode = CoreErrorCode | FeatureErrorCode;

/** The shape of every code: what {@link isKvError} accepts, so feature codes pass across installs. */
const CODE_SHAPE = /^E_[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** Options of {@link KvError}. */
export interface KvErrorOptions {
  /** The underlying error, kept for diagnosis. */
  cause?: unknown;
  /** Name of the adapter or layer that raised the error (`memory`, `ioredis`, `upstash`, ...). */
  adapter?: string;
}

/**
 * The one error type of RaptorFlow KV. Check it with {@link isKvError}, which also works
 * across duplicate installs where `instanceof` does not.
 */
export class KvError extends Error {
  override readonly name = 'KvError';
  /** Stable code: branch on this, not on the message. */
  readonly code: KvErrorCode;
  /** Adapter or layer that raised it, when known. */
  readonly adapter: string | undefined;

  constructor(code: KvErrorCode, message: string, options: KvErrorOptions = {}) {
    super(
      options.adapter ? `[raptorflow] [${options.adapter}] ${message}` : `[raptorflow] ${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.adapter = options.adapter;
  }
}

/**
 * True when `value` is a {@link KvError} (core's or a feature package's code), optionally with
 * the given code. It checks the name and the code's shape, not `instanceof`, so errors from a
 * duplicate install of core are recognised too.
 */
export function isKvError(value: unknown, code?: KvErrorCode): value is KvError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { name?: unknown; code?: unknown };
  if (v.name !== 'KvError' || typeof v.code !== 'string' || !CODE_SHAPE.test(v.code)) return false;
  return code === undefined || v.code === code;
}

/**
 * Map an error reply of Redis (or of the memory emulation, which raises the same texts) to a
 * {@link KvError}. Every adapter sends server errors through this one function, so the same
 * failure gets the same code everywhere.
 */
export function fromReplyError(message: string, adapter?: string, cause?: unknown): KvError {
  const code = replyErrorCode(message);
  return new KvError(code, message, { adapter, cause });
}

/**
 * What Redis appends to the error of a `redis.call` inside a script. Without it, a command's
 * error has the same code inside a script as outside (the memory twin raises the command's own
 * error); a Lua error of the body itself (`ERR user_script:3: …`) still reads as `E_SCRIPT`.
 */
const SCRIPT_SUFFIX = / script: [0-9a-f]{40}, on @user_script:\d+\.$/;

function replyErrorCode(reply: string): KvErrorCode {
  const message = reply.replace(SCRIPT_SUFFIX, '');
  if (message.startsWith('WRONGTYPE')) return 'E_WRONG_TYPE';
  if (message.startsWith('CROSSSLOT')) return 'E_CROSSSLOT';
  if (message.startsWith('OOM')) return 'E_STORE_FULL';
  if (message.startsWith('NOSCRIPT')) return 'E_SCRIPT';
  if (
    message.includes('is not an integer') ||
    message.includes('is not a valid float') ||
    message.includes('would overflow') ||
    message.includes('resulting score is not a number') ||
    message.includes('increment would produce NaN or Infinity') ||
    message.includes('hash value is not an integer') ||
    message.includes('hash value is not a float')
  ) {
    return 'E_NOT_A_NUMBER';
  }
  if (
    message.includes('user_script') ||
    message.includes('Error running script') ||
    message.includes('Error compiling script') ||
    message.startsWith('ERR script') ||
    message.startsWith('ERR Script')
  ) {
    return 'E_SCRIPT';
  }
  if (
    message.startsWith('ERR syntax error') ||
    message.includes('invalid expire time') ||
    message.includes('min or max is not a float') ||
    message.includes('wrong number of arguments') ||
    message.includes('is out of range')
  ) {
    return 'E_INVALID_ARGUMENT';
  }
  return 'E_COMMAND';
}

/** Wrap anything thrown into a {@link KvError}, keeping KvErrors as they are. */
export function toKvError(error: unknown, adapter?: string): KvError {
  if (isKvError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KvError('E_COMMAND', message, { adapter, cause: error });
}
