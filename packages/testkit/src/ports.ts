import { createServer } from 'node:net';

/** True when `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port in `[min, max)` whose companions (`port + offset` for each offset) are free too.
 * Redis Cluster needs its bus port at port + 10000, so cluster ports stay below 55536.
 */
export async function findFreePort(
  options: { min?: number; max?: number; companions?: number[] } = {},
): Promise<number> {
  const min = options.min ?? 20000;
  const max = options.max ?? 50000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = min + Math.floor(Math.random() * (max - min));
    if (!(await isPortFree(port))) continue;
    let ok = true;
    for (const offset of options.companions ?? []) {
      if (!(await isPortFree(port + offset))) {
        ok = false;
        break;
      }
    }
    if (ok) return port;
  }
  throw new Error(`no free loopback port found in [${min}, ${max})`);
}
