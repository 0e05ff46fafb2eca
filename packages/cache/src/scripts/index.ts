import type { Script } from '@raptorflow/core';
import { COMPARE_AND_DELETE } from '@raptorflow/core/kit';
import { DELETE_SCRIPT } from './delete.js';
import { READ_SCRIPT } from './read.js';
import { WRITE_SCRIPT } from './write.js';

export { DELETE_SCRIPT, deleteScriptKeys, encodeDeleteArgs } from './delete.js';
export { type Generations, type GenReply, parseGenReply } from './generations.js';
export { encodeReadArgs, parseReadRest, READ_SCRIPT, type ReadSlot, readScriptKeys } from './read.js';
export { encodeWriteArgs, WRITE_SCRIPT, writeScriptKeys } from './write.js';

/**
 * The lease release: core's compare-and-delete primitive (delete the lease only while it holds
 * this process's token), no longer a script of the cache's own.
 * @deprecated Use `COMPARE_AND_DELETE` from `@raptorflow/core/kit`.
 */
export const RELEASE_SCRIPT: Script<boolean> = COMPARE_AND_DELETE;

/**
 * Every script the cache runs: its own three and core's compare-and-delete (lease release), for
 * the differential test and the SHA check.
 */
export const CACHE_SCRIPTS: readonly Script<unknown>[] = [
  READ_SCRIPT,
  WRITE_SCRIPT,
  DELETE_SCRIPT,
  COMPARE_AND_DELETE,
];
