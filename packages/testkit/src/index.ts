export { type RunTsChildOptions, runTsChild, stopTsChildren } from './child.js';
export { type FaultMode, type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
export { findFreePort, isPortFree } from './ports.js';
export {
  type ClusterMember,
  parseClusterNodes,
  type RedisCluster,
  type StartClusterOptions,
  type SyncReplicasOptions,
  startCluster,
} from './redis-cluster.js';
export {
  findRedisServer,
  REDIS_INSTALL_HINT,
  type RedisServer,
  type StartRedisOptions,
  startRedis,
} from './redis-server.js';
export {
  commandStats,
  countClientCommands,
  countCommands,
  diffCommandStats,
  parseCommandStats,
  type RespValue,
  respCommand,
} from './resp.js';
export type { TestServers } from './vitest-setup.js';
