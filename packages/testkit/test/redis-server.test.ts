import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { commandStats, diffCommandStats, respCommand, startRedis } from '../src/index.js';

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
