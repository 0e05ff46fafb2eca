/**
 * `@raptorflow/realtime`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */
export type {
  Channel,
  MessageSchema,
  PublishResult,
  RealtimeMessage,
  Replay,
} from './channel.js';
export { REALTIME_ERRORS, type RealtimeErrorCode } from './errors.js';
export type { RealtimeOperation } from './events.js';
export type { RealtimeOptions } from './options.js';
export type { Presence } from './presence.js';
export { createRealtime, type Realtime, type RealtimeWorkspace } from './realtime.js';
export {
  APPEND,
  encodeAppendArgs,
  PRESENCE_LIST,
  PRESENCE_TOUCH,
  type PresenceListReply,
  type PresentMember,
  parseAppendReply,
  parsePresenceListReply,
  REALTIME_SCRIPTS,
} from './scripts/index.js';
export type { SseOptions } from './sse.js';
