/**
 * `@raptorflow/queue`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */
export * from './scripts/index.js';
