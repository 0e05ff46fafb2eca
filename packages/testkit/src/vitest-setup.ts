// Puts 'vitest' in the program so the ProvidedContext augmentation below resolves in the declaration build (tsconfig.build.json).
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startCluster } from './redis-cluster.js';
import { startRedis } from './redis-server.js';
import { startUpstashServer, type UpstashServer } from './upstash/server.js';

/** Addresses of the servers the global setup started, read in tests with `inject('raptorflow')`. */
export interface TestServers {
  /** A standalone redis-server. */
  redis: { host: string; port: number; url: string };
  /** A 3-master Redis Cluster. */
  cluster: { nodes: Array<{ host: string; port: number }> };
  /** The local Upstash-compatible REST server in front of the standalone redis-server. */
  upstash: { url: string; token: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    raptorflow: TestServers;
  }
}

/**
 * Vitest global setup shared by every package: starts one redis-server, one 3-master Cluster
 * and the local Upstash REST server (in front of the standalone server) on free loopback ports,
 * provides their addresses, and stops them afterwards (the Redis processes by PID).
 * A missing redis-server fails the run (it never skips), with the command that installs it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let upstash: UpstashServer;
  try {
    cluster = await startCluster();
  } catch (error) {
    await redis.stop();
    throw error;
  }
  try {
    upstash = await startUpstashServer({ redisUrl: redis.url });
  } catch (error) {
    await Promise.all([redis.stop(), cluster.stop()]);
    throw error;
  }
  project.provide('raptorflow', {
    redis: { host: redis.host, port: redis.port, url: redis.url },
    cluster: { nodes: cluster.nodes.map((n) => ({ ...n })) },
    upstash: { url: upstash.url, token: upstash.token },
  });
  return async () => {
    await upstash.stop();
    await Promise.all([redis.stop(), cluster.stop()]);
  };
}
