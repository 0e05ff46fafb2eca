import type { Script } from '@raptorflow/core';
import { DELETE_SCRIPT } from './delete.js';
import { READ_SCRIPT } from './read.js';
import { RELEASE_SCRIPT } from './release.js';
import { WRITE_SCRIPT } from './write.js';

export { DELETE_SCRIPT, deleteScriptKeys, encodeDeleteArgs } from './delete.js';
export { type Generations, type GenReply, parseGenReply } from './generations.js';
export { encodeReadArgs, parseReadRest, READ_SCRIPT, type ReadSlot, readScriptKeys } from './read.js';
export { encodeReleaseArgs, RELEASE_SCRIPT } from './release.js';
export { encodeWriteArgs, WRITE_SCRIPT, writeScriptKeys } from './write.js';

/** Every script of the package, for the differential test and the SHA check. */
export const CACHE_SCRIPTS: readonly Script<unknown>[] = [
  READ_SCRIPT,
  WRITE_SCRIPT,
  DELETE_SCRIPT,
  RELEASE_SCRIPT,
];
