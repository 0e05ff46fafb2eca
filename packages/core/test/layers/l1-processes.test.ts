import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type RedisServer, respCommand, startRedis } from '@raptorflow/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Our own server: CLIENT KILL TYPE pubsub must not reach other test files' subscribers.
let redis: RedisServer;
const CHILD = fileURLToPath(new URL('../fixtures/layers-l1-child.ts', import.meta.url));
const CHANNEL = `l1-test:${process.pid}`;
const PREFIX = `l1proc:${process.pid}:`;

interface Child {
  proc: ChildProcess;
  call(op: string, key?: string, value?: string): Promise<unknown>;
}

interface Stats {
  hits: number;
  misses: number;
  invalidations: number;
  clears: number;
  size: number;
}

async function startChild(): Promise<Child> {
  const proc = spawn(process.execPath, ['--conditions=@raptorflow/source', '--import', 'tsx', CHILD], {
    env: { ...process.env, REDIS_URL: redis.url, L1_CHANNEL: CHANNEL },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let onReady: (() => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const msg = JSON.parse(line) as {
      ready?: boolean;
      id: number;
      ok: boolean;
      value?: unknown;
      error?: string;
    };
    if (msg.ready) return onReady?.();
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.value);
    else p?.reject(new Error(msg.error));
  });
  await ready;
  return {
    proc,
    call(op, key, value) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        proc.stdin?.write(`${JSON.stringify({ id, op, key, value })}\n`);
      });
    },
  };
}

/**
 * Poll `check` until it holds; returns whether it did. The message or reconnect decides; the
 * 15 s bound only stops a hang (counted tries 10 ms apart ran out on a busy machine's scheduler).
 */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

let a: Child;
let b: Child;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startChild(), startChild()]);
}, 30_000);

afterAll(async () => {
  for (const c of [a, b]) {
    if (!c) continue;
    await Promise.race([c.call('close'), new Promise((r) => setTimeout(r, 2000))]);
    if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  }
  await redis?.stop();
});

describe('withL1 across two processes on one Redis', () => {
  it('a write in one process is never read stale in the other once its invalidation arrived', async () => {
    const key = `${PREFIX}k`;
    await a.call('set', key, 'v0');
    await a.call('flush');
    // a's invalidation of its own first write may still be on its way to b and evict b's copy:
    // read until b serves the key from its L1.
    const hit = await eventually(async () => {
      expect(await b.call('get', key)).toBe('v0');
      return ((await b.call('stats')) as Stats).hits >= 1;
    });
    expect(hit).toBe(true);
    for (let round = 1; round <= 30; round++) {
      const [writer, reader] = round % 2 === 0 ? [a, b] : [b, a];
      // Warm the reader's L1 with the current value.
      expect(await reader.call('get', key)).toBe(`v${round - 1}`);
      const before = ((await reader.call('stats')) as Stats).invalidations;
      await writer.call('set', key, `v${round}`);
      await writer.call('flush');
      const arrived = await eventually(
        async () => ((await reader.call('stats')) as Stats).invalidations > before,
      );
      expect(arrived).toBe(true);
      expect(await reader.call('get', key)).toBe(`v${round}`);
    }
  });

  it('empties the L1 when the subscriber is disconnected (CLIENT KILL TYPE pubsub)', async () => {
    const keys = [`${PREFIX}x`, `${PREFIX}y`];
    for (const k of keys) await a.call('set', k, 'x');
    await a.call('flush');
    // a's invalidations of its own writes may still be on their way to b and evict b's copies:
    // read until b holds both keys in its L1.
    let filled: Stats | undefined;
    await eventually(async () => {
      for (const k of keys) expect(await b.call('get', k)).toBe('x');
      const stats = (await b.call('stats')) as Stats;
      if (stats.size >= 2) filled = stats;
      return filled !== undefined;
    });
    expect(filled?.size).toBeGreaterThanOrEqual(2);
    const before = filled as Stats;
    await respCommand(redis.host, redis.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    const cleared = await eventually(async () => {
      const s = (await b.call('stats')) as Stats;
      return s.clears > before.clears && s.size === 0;
    });
    expect(cleared).toBe(true);
    // And the bus works again after the reconnect.
    await b.call('get', keys[0]);
    const inv = ((await b.call('stats')) as Stats).invalidations;
    await a.call('set', keys[0] as string, 'changed');
    await a.call('flush');
    expect(await eventually(async () => ((await b.call('stats')) as Stats).invalidations > inv)).toBe(true);
    expect(await b.call('get', keys[0])).toBe('changed');
  });
});
