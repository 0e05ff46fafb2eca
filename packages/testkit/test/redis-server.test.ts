import { describe, expect, inject, it, onTestFinished } from 'vitest';
import {
  commandStats,
  countClientCommands,
  countCommands,
  diffCommandStats,
  respCommand,
  startRedis,
} from '../src/index.js';

describe('testkit servers', () => {
  it('the global setup provides a live standalone server and a healthy cluster', async () => {
    const { redis, cluster } = inject('raptorflow');
    expect(await respCommand(redis.host, redis.port, ['PING'])).toBe('PONG');
    expect(cluster.nodes).toHaveLength(3);
    for (const node of cluster.nodes) {
      expect(node.port + 10000).toBeLessThan(65536);
      const info = await respCommand(node.host, node.port, ['CLUSTER', 'INFO']);
      expect(info).toContain('cluster_state:ok');
    }
  });

  it('counts commands from INFO commandstats deltas', async () => {
    // A server of its own: the shared one sees other test files' commands at the same time.
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const before = await commandStats(redis.host, redis.port);
    await respCommand(redis.host, redis.port, ['SET', 'testkit:count', '1']);
    await respCommand(redis.host, redis.port, ['GET', 'testkit:count']);
    const delta = diffCommandStats(before, await commandStats(redis.host, redis.port));
    expect(delta.get('set')).toBe(1);
    expect(delta.get('get')).toBe(1);
  });

  it('counts the commands clients sent, apart from those scripts ran inside themselves', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.stop());
    const script =
      "redis.call('SET', KEYS[1], '1') redis.call('INCR', KEYS[2]) return redis.call('GET', KEYS[1])";
    const run = async () => {
      await respCommand(redis.host, redis.port, ['SCRIPT', 'LOAD', script]);
      await respCommand(redis.host, redis.port, ['EVAL', script, '2', 'testkit:a', 'testkit:b']);
      await respCommand(redis.host, redis.port, ['get', 'testkit:a']);
    };
    // commandstats counts a script's own calls under their names; MONITOR tells them apart.
    expect(await countCommands(redis, run)).toEqual({ 'script|load': 1, eval: 1, set: 1, incr: 1, get: 2 });
    expect(await countClientCommands(redis, run)).toEqual({ 'script|load': 1, eval: 1, get: 1 });
    expect(await countClientCommands(redis, async () => {})).toEqual({});
    // Nested: both counts of one window, neither disturbed by the other's own commands.
    let sent: Record<string, number> = {};
    const all = await countCommands(redis, async () => {
      sent = await countClientCommands(redis, run);
    });
    expect(all).toEqual({ 'script|load': 1, eval: 1, set: 1, incr: 1, get: 2 });
    expect(sent).toEqual({ 'script|load': 1, eval: 1, get: 1 });
  });

  it('kills and restarts a server on the same port, and stops it by PID', async () => {
    const server = await startRedis();
    const pid = server.pid;
    expect(pid).toBeGreaterThan(0);
    await server.kill();
    await expect(respCommand(server.host, server.port, ['PING'], 300)).rejects.toThrow();
    await server.restart();
    expect(await respCommand(server.host, server.port, ['PING'])).toBe('PONG');
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});
