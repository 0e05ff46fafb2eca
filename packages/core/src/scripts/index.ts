import type { Script } from '../script.js';
import { COMPARE_AND_DELETE } from './compare-and-delete.js';
import { COMPARE_AND_EXTEND } from './compare-and-extend.js';
import { COMPARE_AND_SET } from './compare-and-set.js';
import { FENCING_COUNTER } from './fencing-counter.js';

export { COMPARE_AND_DELETE, compareAndDeleteArgs } from './compare-and-delete.js';
export { COMPARE_AND_EXTEND, compareAndExtendArgs } from './compare-and-extend.js';
export { COMPARE_AND_SET, compareAndSetArgs } from './compare-and-set.js';
export { FENCING_COUNTER, fencingCounterArgs } from './fencing-counter.js';

/** Every primitive script of core, for the SHA check and the differential test. */
export const PRIMITIVE_SCRIPTS: readonly Script<unknown>[] = Object.freeze([
  COMPARE_AND_SET,
  COMPARE_AND_DELETE,
  COMPARE_AND_EXTEND,
  FENCING_COUNTER,
]);
