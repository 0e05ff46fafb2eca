import { connect, type Socket } from 'node:net';

/** An error reply of Redis (`-ERR ...`), kept as a value so pipelines can report it in place. */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/** A RESP2 reply with bulk strings kept as raw bytes, so binary values survive until encoding. */
export type RedisReply = Buffer | number | null | RedisReplyError | RedisReply[];

/** One argument as the REST body gave it, already turned into text. */
export type RedisArg = string | Buffer;

const CRLF = Buffer.from('\r\n');

function encodeCommand(argv: readonly RedisArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** Parse one RESP2 value at `pos`; undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, pos: number): { value: RedisReply; end: number } | undefined {
  const lineEnd = buf.indexOf(CRLF, pos);
  if (lineEnd < 0) return undefined;
  const type = buf[pos];
  const next = lineEnd + 2;
  switch (type) {
    case 0x2b: // '+': a status reply is a string like any other for the JSON protocol.
      return { value: buf.subarray(pos + 1, lineEnd), end: next };
    case 0x2d: // '-'
      return { value: new RedisReplyError(buf.toString('utf8', pos + 1, lineEnd)), end: next };
    case 0x3a: // ':'
      return { value: Number(buf.toString('latin1', pos + 1, lineEnd)), end: next };
    case 0x24: {
      // '$'
      const len = Number(buf.toString('latin1', pos + 1, lineEnd));
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: Buffer.from(buf.subarray(next, next + len)), end: next + len + 2 };
    }
    case 0x2a: {
      // '*'
      const len = Number(buf.toString('latin1', pos + 1, lineEnd));
      if (len < 0) return { value: null, end: next };
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < len; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type byte ${String(type)}`);
  }
}

interface Waiter {
  resolve(reply: RedisReply): void;
  reject(error: Error): void;
}

/**
 * One RESP2 connection to redis-server. Commands written by one `send` go out in a single write,
 * so a MULTI ... EXEC block can never interleave with another request's commands. Replies are
 * matched to waiters in order; replies nobody waits for (pub/sub pushes) go to `onPush`.
 */
export class RespConnection {
  readonly #socket: Socket;
  readonly #waiters: Waiter[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #closed = false;
  /** Called with each reply that arrives while no command waits (subscriber connections). */
  onPush: ((reply: RedisReply) => void) | undefined;
  /** Called once when the connection ends, for whatever reason. */
  onClose: ((error: Error | undefined) => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('redis connection closed')));
  }

  /** Connect to `host:port`, rejecting after `timeoutMs`. */
  static connect(host: string, port: number, timeoutMs = 2000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to redis at ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RespConnection(socket));
      });
    });
  }

  /** True once the socket ended; the pool replaces such a connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Write every command at once and resolve to their replies, in order. */
  send(commands: ReadonlyArray<readonly RedisArg[]>): Promise<RedisReply[]> {
    if (this.#closed) return Promise.reject(new Error('redis connection closed'));
    const replies = commands.map(
      () =>
        new Promise<RedisReply>((resolve, reject) => {
          this.#waiters.push({ resolve, reject });
        }),
    );
    this.#socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  /** Close the socket; pending commands fail. */
  close(): void {
    this.#socket.destroy();
    this.#fail(new Error('redis connection closed'));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let pos = 0;
    for (;;) {
      let parsed: { value: RedisReply; end: number } | undefined;
      try {
        parsed = parseReply(this.#buffer, pos);
      } catch (error) {
        this.#socket.destroy();
        this.#fail(error as Error);
        return;
      }
      if (!parsed) break;
      pos = parsed.end;
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(parsed.value);
      else this.onPush?.(parsed.value);
    }
    this.#buffer = pos === this.#buffer.length ? Buffer.alloc(0) : this.#buffer.subarray(pos);
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.onClose?.(error);
  }
}

/**
 * A small round-robin pool of connections for ordinary requests. A dead connection is
 * replaced on next use, so a Redis restart only fails the requests that were in flight.
 */
export class RespPool {
  readonly #host: string;
  readonly #port: number;
  readonly #slots: Array<Promise<RespConnection> | undefined>;
  #next = 0;

  constructor(host: string, port: number, size: number) {
    this.#host = host;
    this.#port = port;
    this.#slots = new Array(size).fill(undefined);
  }

  /** A live connection, connecting lazily. */
  async acquire(): Promise<RespConnection> {
    const index = this.#next;
    this.#next = (this.#next + 1) % this.#slots.length;
    const existing = this.#slots[index];
    if (existing) {
      const connection = await existing.catch(() => undefined);
      if (connection && !connection.closed) return connection;
    }
    const fresh = RespConnection.connect(this.#host, this.#port);
    this.#slots[index] = fresh;
    fresh.catch(() => {
      if (this.#slots[index] === fresh) this.#slots[index] = undefined;
    });
    return fresh;
  }

  /** A dedicated connection (subscribers), not part of the pool. */
  dedicated(): Promise<RespConnection> {
    return RespConnection.connect(this.#host, this.#port);
  }

  /** Close every pooled connection. */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    for (const slot of slots) {
      const connection = await slot?.catch(() => undefined);
      connection?.close();
    }
  }
}
