import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RedisReply, RedisReplyError, RespPool } from '../resp-connection.js';
import { encodeEntry, encodeReply, type PreparedCommand, prepareCommand, RequestError } from './protocol.js';
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
  /** Bearer token clients must send. @default a random 32-hex-digit token */
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

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Start an HTTP server that speaks the Upstash Redis REST protocol in front of a real
 * redis-server: `POST /`, `/pipeline`, `/multi-exec`, and `/subscribe/<channel>` and
 * `/psubscribe/<pattern>` as server-sent events. For tests and local development; Node only.
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
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: `ERR method ${req.method} is not allowed` });
      return;
    }
    if (!tokenMatches(req.headers.authorization, token)) {
      req.resume();
      sendJson(res, 401, { error: 'Unauthorized' });
      return;
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const rawPath = (req.url ?? '/').split('?')[0] as string;
    const path = rawPath.replace(/\/+$/, '');
    res.setHeader('upstash-sync-token', '0');

    if (path.startsWith('/subscribe/') || path.startsWith('/psubscribe/')) {
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

    const body = parseJson(await readBody(req, limit));
    if (path === '') {
      const [reply] = await run([prepareCommand(body, scripts)]);
      if (reply instanceof RedisReplyError) sendJson(res, 400, { error: reply.message });
      else sendJson(res, 200, { result: encodeReply(reply as RedisReply, base64) });
    } else if (path === '/pipeline') {
      const replies = await run(parseCommandList(body, scripts));
      sendJson(
        res,
        200,
        replies.map((r) => encodeEntry(r, base64)),
      );
    } else if (path === '/multi-exec') {
      const replies = await runTransaction(parseCommandList(body, scripts));
      sendJson(
        res,
        200,
        replies.map((r) => encodeEntry(r, base64)),
      );
    } else {
      sendJson(res, 404, { error: `ERR unknown path ${rawPath}` });
    }
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
