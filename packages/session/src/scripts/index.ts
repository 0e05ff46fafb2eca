import type { Script } from '@raptorflow/core';
import { CREATE } from './create.js';
import { DESTROY } from './destroy.js';
import { ES_SCAN } from './es-scan.js';
import { ES_WRITE } from './es-write.js';
import { EXTEND } from './extend.js';
import { GET } from './get.js';
import { LIST } from './list.js';
import { REVOKE_ALL } from './revoke-all.js';
import { ROTATE } from './rotate.js';
import { UPDATE } from './update.js';

export { CREATE, type CreateReply, encodeCreateArgs, parseCreateReply } from './create.js';
export { DESTROY } from './destroy.js';
export { ES_SCAN, type EsScanReply } from './es-scan.js';
export { ES_WRITE, type EsWriteReply } from './es-write.js';
export { EXTEND, type ExtendReply } from './extend.js';
export { encodeGetArgs, GET, type GetReply, parseGetReply } from './get.js';
export { LIST, type ListedSession, type ListReply } from './list.js';
export { REVOKE_ALL } from './revoke-all.js';
export { ROTATE, type RotateReply } from './rotate.js';
export { formatRecord, parseRecord, type SessionRecord } from './shared.js';
export { encodeUpdateArgs, UPDATE } from './update.js';

/**
 * Every script of `@raptorflow/session`, one per file in `src/scripts/`: the differential test
 * replays each on memory (the twin) and on redis-server (the Lua).
 */
export const SESSION_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  CREATE,
  GET,
  UPDATE,
  EXTEND,
  DESTROY,
  ROTATE,
  LIST,
  REVOKE_ALL,
  ES_WRITE,
  ES_SCAN,
]);
