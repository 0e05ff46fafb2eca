/**
 * `@raptorflow/session`: the public surface. The Express/Node and Fetch middlewares are here
 * too; the `express-session` store is at `@raptorflow/session/express-session`.
 */
export { SESSION_ERRORS, type SessionErrorCode } from './errors.js';
export type { SessionOperation } from './events.js';
export { type ClientFingerprint, fingerprintHash, ipPrefix } from './fingerprint.js';
export type {
  RequestSession,
  SessionCookieOptions,
  SessionMiddlewareOptions,
} from './http/common.js';
export { type SessionHandler, withSessions } from './http/fetch.js';
export { requestSession, sessionErrorHandler, sessionMiddleware } from './http/node.js';
export {
  createLegacySessions,
  type LegacyMetadata,
  type LegacySession,
  type LegacySessions,
  type LegacySessionsOptions,
} from './legacy.js';
export type { FingerprintPolicy, SessionData, SessionsOptions } from './options.js';
export {
  CREATE,
  type CreateReply,
  DESTROY,
  ES_SCAN,
  ES_WRITE,
  type EsScanReply,
  type EsWriteReply,
  EXTEND,
  type ExtendReply,
  encodeCreateArgs,
  encodeGetArgs,
  encodeUpdateArgs,
  formatRecord,
  GET,
  type GetReply,
  LIST,
  type ListedSession,
  type ListReply,
  parseRecord,
  REVOKE_ALL,
  ROTATE,
  type RotateReply,
  SESSION_SCRIPTS,
  type SessionRecord,
  UPDATE,
} from './scripts/index.js';
export {
  ACTIVE_COUNT_CHUNK,
  type CreateOptions,
  createSessions,
  type GetOptions,
  type IssuedSession,
  type Session,
  type SessionInfo,
  type Sessions,
} from './sessions.js';
export { TOKEN_PATTERN } from './token.js';
