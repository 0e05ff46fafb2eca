import { type RedisReply, RedisReplyError } from '../resp-connection.js';
import type { ScriptShaMap } from './scripts.js';

/** A request the server refuses as a whole: answered with `status` and `{ error }`. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Commands that change connection state or block. They would break a pooled connection for
 * every other request, and Upstash's REST API rejects them too.
 */
const FORBIDDEN = new Set([
  'MULTI',
  'EXEC',
  'DISCARD',
  'WATCH',
  'UNWATCH',
  'SELECT',
  'AUTH',
  'HELLO',
  'QUIT',
  'RESET',
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
  'SHUTDOWN',
  'SYNC',
  'PSYNC',
  'REPLICAOF',
  'SLAVEOF',
  'FAILOVER',
]);

/** CLIENT subcommands that do not change what the pooled connection does. */
const CLIENT_ALLOWED = new Set(['SETINFO', 'ID', 'GETNAME', 'INFO', 'LIST']);

/** A validated command: argv as strings, plus an optional fix-up of its reply. */
export interface PreparedCommand {
  readonly argv: string[];
  /** Set when the command must not reach Redis: answered with this error in place. */
  readonly refused?: string;
  /** Rewrites the reply (SCRIPT LOAD answers the SHA of the body the client sent). */
  readonly fixReply?: (reply: RedisReply) => RedisReply;
}

function toArg(value: unknown, index: number): string {
  if (typeof value === 'string') return value;
  // The client passes numbers through (`["set","k","v","ex",100]`); String() matches what it would send as text.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new RequestError(
    400,
    `ERR argument ${index} must be a string, number or boolean, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
  );
}

/** Validate one command array of the body and apply the Upstash-only rewrites. */
export function prepareCommand(value: unknown, scripts: ScriptShaMap): PreparedCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, 'ERR a command must be a non-empty JSON array');
  }
  if (typeof value[0] !== 'string' || value[0].length === 0) {
    throw new RequestError(400, 'ERR the command name must be a non-empty string');
  }
  const argv = value.map(toArg);
  const name = (argv[0] as string).toUpperCase();
  argv[0] = name;
  if (FORBIDDEN.has(name)) return { argv, refused: `ERR command ${name} is not allowed over REST` };
  const sub = argv[1]?.toUpperCase();
  if (name === 'CLIENT' && (sub === undefined || !CLIENT_ALLOWED.has(sub))) {
    return { argv, refused: `ERR CLIENT ${sub ?? ''} is not allowed over REST` };
  }
  if ((name === 'XREAD' || name === 'XREADGROUP') && argv.some((a) => a.toUpperCase() === 'BLOCK')) {
    return { argv, refused: `ERR blocking ${name} is not allowed over REST` };
  }
  if ((name === 'EVAL' || name === 'EVAL_RO') && argv[1] !== undefined) {
    argv[1] = scripts.rewrite(argv[1]).body;
  } else if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && argv[1] !== undefined) {
    argv[1] = scripts.toRedis(argv[1]);
  } else if (name === 'SCRIPT' && sub === 'LOAD' && argv[2] !== undefined) {
    const { body, clientSha } = scripts.rewrite(argv[2]);
    argv[2] = body;
    return {
      argv,
      fixReply: (reply) => (reply instanceof RedisReplyError ? reply : Buffer.from(clientSha)),
    };
  } else if (name === 'SCRIPT' && sub === 'EXISTS') {
    for (let i = 2; i < argv.length; i++) argv[i] = scripts.toRedis(argv[i] as string);
  }
  return { argv };
}

/**
 * A RESP2 reply as the JSON the client expects. In base64 mode every string is encoded at
 * every depth (the client base64-decodes each one; a raw `OK` inside an array would decode to
 * garbage); numbers and null pass through. Plain mode sends UTF-8 text, invalid bytes as U+FFFD.
 */
export function encodeReply(reply: RedisReply, base64: boolean): unknown {
  if (reply === null || typeof reply === 'number') return reply;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
  if (reply instanceof RedisReplyError) {
    // Only a Lua table can nest an error in an array; the client has no type for it: send its text.
    return base64 ? Buffer.from(reply.message, 'utf8').toString('base64') : reply.message;
  }
  return reply.map((item) => encodeReply(item, base64));
}

/** One pipeline or transaction entry: `{ result }` or `{ error }`. Errors are never encoded. */
export function encodeEntry(reply: RedisReply, base64: boolean): { result?: unknown; error?: string } {
  if (reply instanceof RedisReplyError) return { error: reply.message };
  return { result: encodeReply(reply, base64) };
}
