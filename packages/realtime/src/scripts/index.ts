import type { Script } from '@raptorflow/core';
import { APPEND } from './append.js';
import { PRESENCE_LIST } from './presence-list.js';
import { PRESENCE_TOUCH } from './presence-touch.js';

export { APPEND, encodeAppendArgs, parseAppendReply } from './append.js';
export {
  PRESENCE_LIST,
  type PresenceListReply,
  type PresentMember,
  parsePresenceListReply,
} from './presence-list.js';
export { PRESENCE_TOUCH } from './presence-touch.js';

/**
 * Every script of `@raptorflow/realtime`, one concept per file in `src/scripts/`: the
 * differential test replays each on memory (the twin) and on redis-server (the Lua).
 */
export const REALTIME_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  APPEND,
  PRESENCE_TOUCH,
  PRESENCE_LIST,
]);
