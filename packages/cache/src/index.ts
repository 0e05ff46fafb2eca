export type { Duration, StoreFailurePolicy } from '@raptorflow/core/kit';
export { type CacheClient, createCache } from './cache.js';
export { type CachedDecorator, type CachedOptions, cached } from './cached.js';
export type { GetOptions, GetOrSetOptions, SetOptions } from './call-options.js';
export type { CacheEventScope, CacheEvents, CacheResult, CacheStatus } from './events.js';
export type { Factory, FactoryContext } from './get-or-set.js';
export { MAX_KEY_LENGTH } from './keys.js';
export { NamespaceCache, type SetManyEntry, type WorkspaceOps } from './namespace-cache.js';
export type { CacheOptions, LegacyStoreErrorPolicy, NamespaceOptions, StoreErrorPolicy } from './options.js';
export type { PurgeHandle, PurgeReport } from './purge.js';
export {
  CACHE_SCRIPTS,
  DELETE_SCRIPT,
  type GenReply,
  READ_SCRIPT,
  RELEASE_SCRIPT,
  WRITE_SCRIPT,
} from './scripts/index.js';
export { WorkspaceCache } from './workspace-cache.js';
