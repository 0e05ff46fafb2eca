import { connect } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../src/fault-proxy.js';
import { respCommand } from '../src/resp.js';

const { redis } = inject('raptorflow');
let proxy: FaultProxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

function openSocket(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  const closed = new Promise<string>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    socket.on('close', () => resolve('close'));
  });
  const reply = () =>
    new Promise<string>((resolve) => {
      socket.once('data', (d) => resolve(d.toString()));
    });
  return { socket, closed, reply };
}

describe('startFaultProxy', () => {
  it('passes traffic through to redis', async () => {
    proxy = await startFaultProxy({ target: redis });
    expect(await respCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
    expect(proxy.accepted).toBe(1);
  });

  it('adds latency without reordering', async () => {
    proxy = await startFaultProxy({ target: redis });
    proxy.latency(100);
    // A reply held back 100 ms each way cannot arrive within 20 ms.
    await expect(respCommand(proxy.host, proxy.port, ['PING'], 20)).rejects.toThrow(/timeout/);
    expect(await respCommand(proxy.host, proxy.port, ['ECHO', 'x'], 5000)).toBe('x');
    proxy.latency(0);
    expect(await respCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
  });

  it('dropAll resets open connections and keeps accepting new ones', async () => {
    proxy = await startFaultProxy({ target: redis });
    const c = openSocket(proxy.port);
    const first = c.reply();
    c.socket.write('PING\r\n');
    expect(await first).toBe('+PONG\r\n');
    proxy.dropAll();
    expect(await c.closed).toMatch(/ECONNRESET|close/);
    expect(proxy.open).toBe(0);
    expect(await respCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
  });

  it('stallOpen silences open connections both ways, keeps them open, and forwards new ones', async () => {
    proxy = await startFaultProxy({ target: redis });
    const c = openSocket(proxy.port);
    const first = c.reply();
    c.socket.write('PING\r\n');
    expect(await first).toBe('+PONG\r\n');
    // A subscriber connection shows the server-to-client direction stalls too.
    const sub = openSocket(proxy.port);
    const subscribed = sub.reply();
    sub.socket.write('SUBSCRIBE stall-test\r\n');
    expect(await subscribed).toContain('subscribe');

    expect(proxy.stallOpen()).toBe(2);
    expect(proxy.stalled).toBe(2);
    expect(proxy.mode).toBe('pass');
    let answered = false;
    let heard = false;
    let ended = false;
    c.socket.once('data', () => {
      answered = true;
    });
    sub.socket.once('data', () => {
      heard = true;
    });
    c.socket.once('close', () => {
      ended = true;
    });
    c.socket.write('PING\r\n');
    // A new connection is forwarded, and the server still has the stalled subscriber attached
    // (PUBLISH counts it as a receiver): the server side of the connection stays open.
    expect(await respCommand(proxy.host, proxy.port, ['PUBLISH', 'stall-test', 'x'])).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(false);
    expect(heard).toBe(false);
    expect(ended).toBe(false);
    expect(c.socket.destroyed).toBe(false);
    expect(proxy.stalled).toBe(2);
    // A stalled connection stays stalled; closing it on the client side frees it.
    c.socket.destroy();
    sub.socket.destroy();
    await Promise.all([c.closed, sub.closed]);
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.stalled).toBe(0);
    expect(proxy.open).toBe(0);
  });

  it('refuse stops accepting; passThrough listens again on the same port', async () => {
    proxy = await startFaultProxy({ target: redis });
    const port = proxy.port;
    await proxy.refuse();
    await expect(respCommand('127.0.0.1', port, ['PING'], 1000)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await proxy.passThrough();
    expect(proxy.port).toBe(port);
    expect(await respCommand('127.0.0.1', port, ['PING'])).toBe('PONG');
  });

  it('black-hole accepts but never answers, for open and new connections', async () => {
    proxy = await startFaultProxy({ target: redis });
    const c = openSocket(proxy.port);
    const first = c.reply();
    c.socket.write('PING\r\n');
    expect(await first).toBe('+PONG\r\n');
    await proxy.blackHole();
    let answered = false;
    c.socket.once('data', () => {
      answered = true;
    });
    c.socket.write('PING\r\n');
    await expect(respCommand(proxy.host, proxy.port, ['PING'], 200)).rejects.toThrow(/timeout/);
    expect(answered).toBe(false);
    expect(proxy.mode).toBe('black-hole');
    await proxy.passThrough();
    expect(await respCommand(proxy.host, proxy.port, ['PING'])).toBe('PONG');
    c.socket.destroy();
  });

  it('stop closes the listener and every connection', async () => {
    proxy = await startFaultProxy({ target: redis });
    const c = openSocket(proxy.port);
    const first = c.reply();
    c.socket.write('PING\r\n');
    await first;
    const port = proxy.port;
    await proxy.stop();
    proxy = undefined;
    expect(await c.closed).toBe('close');
    await expect(respCommand('127.0.0.1', port, ['PING'], 1000)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
