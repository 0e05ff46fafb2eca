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
  } else if (name === 'SCAN' && argv.slice(2).some((a) => a.toUpperCase() === 'WITHTYPE')) {
    return scanWithType(argv);
  } else if (name === 'COPY' && argv.length >= 3 && argv[1] === argv[2] && !hasDbOption(argv)) {
    // Redis 7.0 answers "ERR source and destination objects are the same"; Upstash answers 0
    // (nothing copied). A PING keeps the command's place in a pipeline or transaction.
    return { argv: ['PING'], fixReply: () => 0 };
  }
  return { argv };
}

function hasDbOption(argv: string[]): boolean {
  return argv.slice(3).some((a) => a.toUpperCase() === 'DB');
}

/**
 * `SCAN cursor [MATCH p] [COUNT n] [TYPE t] WITHTYPE`, Upstash's extension: the keys come back
 * as `[cursor, [key, type, key, type, …]]`. One script runs the SCAN (the same cursor, the other
 * options as given) and TYPE on each key it returns, so the pairs are read at one instant and
 * the command stays one entry in a pipeline or transaction.
 */
const SCAN_WITH_TYPE = `local r = redis.call('SCAN', unpack(ARGV))
local out = {}
for _, key in ipairs(r[2]) do
  out[#out + 1] = key
  out[#out + 1] = redis.call('TYPE', key)['ok']
end
return { r[1], out }`;

function scanWithType(argv: string[]): PreparedCommand {
  const args = argv.slice(1).filter((a, i) => i === 0 || a.toUpperCase() !== 'WITHTYPE');
  return { argv: ['EVAL', SCAN_WITH_TYPE, '0', ...args] };
}

/**
 * A path-style call, as Upstash's docs show it: `GET /set/foo/bar/EX/100`, each path segment one
 * argument (percent-decoded); a non-empty request body is appended as the last argument, then
 * every query parameter but `_token` as a name and a value (`?EX=100` adds `EX`, `100`).
 */
export function pathCommand(path: string, query: URLSearchParams, body: Buffer): string[] {
  const argv = path
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new RequestError(400, `ERR the path segment "${segment}" is not valid percent-encoding`);
      }
    });
  if (body.length > 0) argv.push(body.toString('utf8'));
  for (const [name, value] of query) {
    if (name === '_token') continue;
    argv.push(name);
    if (value !== '') argv.push(value);
  }
  return argv;
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
