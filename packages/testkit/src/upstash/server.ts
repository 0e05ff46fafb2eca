import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RedisReply, RedisReplyError, RespPool } from '../resp-connection.js';
import {
  encodeEntry,
  encodeReply,
  type PreparedCommand,
  pathCommand,
  prepareCommand,
  RequestError,
} from './protocol.js';
import { ScriptShaMap } from './scripts.js';
import { openSubscription } from './sse.js';

/** Options of {@link startUpstashServer}. */
export interface UpstashServerOptions {
  /** The redis-server to serve, `redis://host:port`. */
  redisUrl: string;
  /** Port to listen on. @default a free port chosen by the OS */
  port?: number;
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /**
   * Bearer token clients must send (`Authorization: Bearer <token>`, or `?_token=<token>` on the
   * URL as Upstash also accepts). @default a random 32-hex-digit token
   */
  token?: string;
  /** Largest request body accepted, in bytes; larger bodies get 413. @default 10 MiB */
  maxBodyBytes?: number;
  /** Redis connections shared by ordinary requests. @default 4 */
  poolSize?: number;
  /** Interval of SSE heartbeat comments on idle subscriptions, in ms. @default 15000 */
  heartbeatMs?: number;
}

/** A running local Upstash-compatible server. */
export interface UpstashServer {
  /** Base URL for `new Redis({ url, token })`, e.g. `http://127.0.0.1:8079`. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Stop listening, end every open subscription stream and close the Redis connections. */
  stop(): Promise<void>;
}

const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new RequestError(413, `ERR request body of ${declared} bytes exceeds the limit of ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RequestError(413, `ERR request body exceeds the limit of ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RequestError(400, 'ERR the request body is not valid JSON');
  }
}

function parseCommandList(value: unknown, scripts: ScriptShaMap): PreparedCommand[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, 'ERR the body must be a non-empty JSON array of command arrays');
  }
  return value.map((entry) => prepareCommand(entry, scripts));
}

function tokenMatches(header: string | undefined, query: string | null, token: string): boolean {
  const text = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : header ? undefined : query;
  if (text === undefined || text === null) return false;
  const given = Buffer.from(text);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Paths of the JSON-body endpoints; any other path is a path-style command. */
const SSE_PREFIXES = ['/subscribe/', '/psubscribe/'];

/**
 * Which commands write, from the server's own `COMMAND` table (flag `write`), read once. Scripts
 * and functions count as writes unless they are the `_RO` forms: the server cannot see inside.
 */
async function loadWriteCommands(pool: RespPool): Promise<Set<string>> {
  const [table] = await (await pool.acquire()).send([['COMMAND']]);
  const writes = new Set(['EVAL', 'EVALSHA', 'FCALL']);
  if (!Array.isArray(table)) return writes;
  for (const entry of table) {
    if (!Array.isArray(entry) || !Buffer.isBuffer(entry[0]) || !Array.isArray(entry[2])) continue;
    if (entry[2].some((flag) => Buffer.isBuffer(flag) && flag.toString() === 'write'))
      writes.add(entry[0].toString().toUpperCase());
  }
  return writes;
}

/**
 * Start an HTTP server that speaks the Upstash Redis REST protocol in front of a real
 * redis-server: `POST /`, `/pipeline`, `/multi-exec`, `/subscribe/<channel>` and
 * `/psubscribe/<pattern>` as server-sent events, and path-style commands (`GET /get/foo`,
 * `POST /set/foo/bar`). Upstash's own behaviours are copied: an `upstash-sync-token` that grows
 * after writes, `SCAN … WITHTYPE`, `COPY k k` answering 0. For tests and local development; Node only.
 */
export async function startUpstashServer(options: UpstashServerOptions): Promise<UpstashServer> {
  const redis = new URL(options.redisUrl);
  const redisHost = redis.hostname || '127.0.0.1';
  const redisPort = Number(redis.port || 6379);
  const token = options.token ?? randomBytes(16).toString('hex');
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const heartbeatMs = options.heartbeatMs ?? 15000;
  const pool = new RespPool(redisHost, redisPort, options.poolSize ?? 4);
  const scripts = new ScriptShaMap();
  const streams = new Set<() => void>();
  // Read-your-writes: the `upstash-sync-token` answered on every response. It counts the write
  // commands this server has run, so it grows after every write and only then; a client sends
  // back the last one it saw. One redis-server has no replica to wait for, so a token is never
  // waited on: every read already sees every acknowledged write.
  let writesRun = 0;
  let writeCommands: Promise<Set<string>> | undefined;
  async function countWrites(commands: PreparedCommand[]): Promise<void> {
    writeCommands ??= loadWriteCommands(pool).catch((error: unknown) => {
      writeCommands = undefined;
      throw error;
    });
    const writes = await writeCommands;
    for (const c of commands) if (c.refused === undefined && writes.has(c.argv[0] as string)) writesRun++;
  }

  /** Send the commands that may reach Redis on one connection; refused ones get their error in place. */
  async function run(commands: PreparedCommand[]): Promise<RedisReply[]> {
    const sendable = commands.filter((c) => c.refused === undefined);
    const replies =
      sendable.length === 0 ? [] : await (await pool.acquire()).send(sendable.map((c) => c.argv));
    let at = 0;
    return commands.map((c) => {
      if (c.refused !== undefined) return new RedisReplyError(c.refused);
      const reply = replies[at++] as RedisReply;
      return c.fixReply ? c.fixReply(reply) : reply;
    });
  }

  async function runTransaction(commands: PreparedCommand[]): Promise<RedisReply[]> {
    const refused = commands.find((c) => c.refused !== undefined);
    if (refused) throw new RequestError(400, refused.refused as string);
    const connection = await pool.acquire();
    // MULTI, the commands and EXEC leave in one write on one connection: nothing can interleave.
    const replies = await connection.send([['MULTI'], ...commands.map((c) => c.argv), ['EXEC']]);
    const exec = replies[replies.length - 1] as RedisReply;
    if (exec instanceof RedisReplyError) {
      const queued = replies.slice(1, -1).find((r) => r instanceof RedisReplyError);
      const detail = queued instanceof RedisReplyError ? ` (${queued.message})` : '';
      throw new RequestError(400, `${exec.message}${detail}`);
    }
    if (!Array.isArray(exec)) throw new RequestError(400, 'ERR transaction aborted');
    return exec.map((reply, i) => {
      const fix = commands[i]?.fixReply;
      return fix ? fix(reply) : reply;
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const rawPath = url.pathname;
    const path = rawPath.replace(/\/+$/, '');
    const jsonEndpoint = path === '' || path === '/pipeline' || path === '/multi-exec';
    const sse = SSE_PREFIXES.some((prefix) => path.startsWith(prefix));
    // POST everywhere; GET and PUT too for path-style commands (`GET /get/foo`), as Upstash.
    const allowed =
      req.method === 'POST' || (!jsonEndpoint && !sse && (req.method === 'GET' || req.method === 'PUT'));
    if (!allowed) {
      req.resume();
      res.setHeader('Allow', jsonEndpoint || sse ? 'POST' : 'GET, POST, PUT');
      sendJson(res, 405, { error: `ERR method ${req.method} is not allowed on ${rawPath}` });
      return;
    }
    if (!tokenMatches(req.headers.authorization, url.searchParams.get('_token'), token)) {
      req.resume();
      sendJson(res, 401, { error: 'Unauthorized' });
      return;
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    res.setHeader('upstash-sync-token', String(writesRun));

    if (sse) {
      req.resume();
      const pattern = path.startsWith('/psubscribe/');
      const raw = path.slice(pattern ? '/psubscribe/'.length : '/subscribe/'.length);
      let channel: string;
      try {
        channel = decodeURIComponent(raw);
      } catch {
        channel = raw;
      }
      await openSubscription({ res, pool, channel, pattern, heartbeatMs, streams });
      return;
    }

    const raw = await readBody(req, limit);
    if (path === '' || !jsonEndpoint) {
      const command = prepareCommand(
        jsonEndpoint ? parseJson(raw) : pathCommand(path, url.searchParams, raw),
        scripts,
      );
      const [reply] = await run([command]);
      await countWrites([command]);
      res.setHeader('upstash-sync-token', String(writesRun));
      if (reply instanceof RedisReplyError) sendJson(res, 400, { error: reply.message });
      else sendJson(res, 200, { result: encodeReply(reply as RedisReply, base64) });
      return;
    }
    const commands = parseCommandList(parseJson(raw), scripts);
    const replies = path === '/pipeline' ? await run(commands) : await runTransaction(commands);
    await countWrites(commands);
    res.setHeader('upstash-sync-token', String(writesRun));
    sendJson(
      res,
      200,
      replies.map((r) => encodeEntry(r, base64)),
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof RequestError) {
        if (error.status === 413) res.setHeader('Connection', 'close');
        sendJson(res, error.status, { error: error.message });
      } else {
        // Redis unreachable or the connection dropped mid-request: the client must still get JSON.
        sendJson(res, 500, { error: `ERR redis unavailable: ${(error as Error).message}` });
      }
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    port,
    async stop() {
      for (const end of [...streams]) end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await pool.close();
    },
  };
}
