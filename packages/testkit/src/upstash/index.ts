export { stripUpstashFlags } from './scripts.js';
export { startUpstashServer, type UpstashServer, type UpstashServerOptions } from './server.js';
