import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where connections are forwarded (a loopback redis-server). */
  target: { host: string; port: number };
  /** Port to listen on. @default a free loopback port chosen by the OS */
  port?: number;
}

/** What the proxy does with traffic now. */
export type FaultMode = 'pass' | 'refuse' | 'black-hole';

/** A fault-injecting TCP proxy on 127.0.0.1, between a client and a server. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly mode: FaultMode;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now (client side). */
  readonly open: number;
  /** Open connections stalled by {@link FaultProxy.stallOpen} (a subset of `open`). */
  readonly stalled: number;
  /** Delay every chunk, both directions, by `ms` (0 removes the delay). Order is kept. */
  latency(ms: number): void;
  /** Reset every open connection (RST on both sides). New connections are still accepted. */
  dropAll(): void;
  /**
   * Stall the connections open now: they stop forwarding in both directions (bytes are read and
   * dropped) but stay open on both sides, with no reset and no FIN, as a stuck relay or a
   * half-dead NAT entry does. The server stays healthy and new connections are accepted and
   * forwarded normally. A stalled connection never forwards again. Returns how many were stalled.
   */
  stallOpen(): number;
  /** Stop listening: new connections are refused (ECONNREFUSED). Open ones are kept. */
  refuse(): Promise<void>;
  /** Accept connections but never answer: data in either direction is swallowed, open ones included. */
  blackHole(): Promise<void>;
  /** Forward traffic again (listening again if refused). Connections black-holed earlier stay dead. */
  passThrough(): Promise<void>;
  /** Close the listener and every connection it opened. */
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Set when the pair was black-holed or stalled: it never forwards again. */
  dead: boolean;
  /** Set by `stallOpen()`: dead, yet both sockets are kept open. */
  stalled: boolean;
}

/**
 * Start a TCP proxy on loopback that forwards to `target` and can inject faults: added latency,
 * dropped (reset) connections, stalled open connections, refused connections and a black hole. `stop()` closes everything
 * it opened. Only loopback addresses are used.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = '127.0.0.1';
  const pairs = new Set<Pair>();
  let mode: FaultMode = 'pass';
  let delay = 0;
  let accepted = 0;
  let server: Server | undefined;
  let port = options.port ?? 0;
  let stopped = false;

  const forward = (pair: Pair, from: Socket, to: () => Socket | undefined) => {
    from.on('data', (chunk: Buffer) => {
      if (pair.dead || mode === 'black-hole') {
        pair.dead = true;
        return;
      }
      const send = () => {
        const target = to();
        if (!pair.dead && target && !target.destroyed) target.write(chunk);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  };

  const onConnection = (client: Socket) => {
    accepted++;
    const pair: Pair = { client, upstream: undefined, dead: mode === 'black-hole', stalled: false };
    pairs.add(pair);
    client.on('error', () => {});
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (pair.dead) return;
    // Pause until upstream is connected, so nothing the client sends first is lost.
    client.pause();
    const upstream = createConnection({ host: options.target.host, port: options.target.port });
    pair.upstream = upstream;
    upstream.on('error', () => {});
    upstream.on('close', () => {
      if (!pair.dead) client.destroy();
    });
    upstream.on('connect', () => client.resume());
    forward(pair, client, () => pair.upstream);
    forward(pair, upstream, () => pair.client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        const address = s.address();
        if (address && typeof address === 'object') port = address.port;
        server = s;
        resolve();
      });
    });

  // close() stops listening at once, but its callback waits for every accepted connection to
  // end: callers that keep connections open must not wait for it.
  const closeServer = (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return Promise.resolve();
    return new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();

  return {
    host,
    get port() {
      return port;
    },
    get url() {
      return `redis://${host}:${port}`;
    },
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    get stalled() {
      let n = 0;
      for (const pair of pairs) if (pair.stalled) n++;
      return n;
    },
    latency(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error('latency must be a number of ms >= 0');
      delay = ms;
    },
    dropAll() {
      for (const pair of pairs) {
        pair.dead = true;
        pair.client.resetAndDestroy();
        pair.upstream?.resetAndDestroy();
      }
      pairs.clear();
    },
    stallOpen() {
      let n = 0;
      for (const pair of pairs) {
        if (pair.stalled) continue;
        // Both sockets stay open: the client sees no error, only silence. Chunks already delayed
        // by `latency` are dropped too (`send` checks `dead`).
        pair.dead = true;
        pair.stalled = true;
        n++;
      }
      return n;
    },
    async refuse() {
      mode = 'refuse';
      void closeServer();
    },
    async blackHole() {
      mode = 'black-hole';
      for (const pair of pairs) {
        pair.dead = true;
        // Keep the client socket open (it must hang), but stop talking to the server.
        pair.upstream?.destroy();
        pair.upstream = undefined;
      }
      if (!server && !stopped) await listen();
    },
    async passThrough() {
      mode = 'pass';
      if (!server && !stopped) await listen();
    },
    async stop() {
      stopped = true;
      const closed = closeServer();
      for (const pair of pairs) {
        pair.dead = true;
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await closed;
    },
  };
}
