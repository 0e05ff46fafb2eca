import type { Script } from '@raptorflow/core';
import type { ScriptOutcome } from './envelope.js';
import { fixedWindow } from './fixed-window.js';
import { gcra } from './gcra.js';
import type { ManyReply } from './many.js';
import { slidingLog } from './sliding-log.js';
import { slidingWindow } from './sliding-window.js';
import { tokenBucket } from './token-bucket.js';

/**
 * Every algorithm, each from its own file. Adding one is that file plus its entry here (the
 * tuple's type, which `isolatedDeclarations` wants spelled out, and its value): the option's
 * values, the key tags and the scripts all derive from this list.
 */
export const ALGORITHM_LIST: readonly [
  typeof gcra,
  typeof fixedWindow,
  typeof slidingWindow,
  typeof slidingLog,
  typeof tokenBucket,
] = [gcra, fixedWindow, slidingWindow, slidingLog, tokenBucket];

/** Names of the algorithms a limiter can run. */
export type AlgorithmName = (typeof ALGORITHM_LIST)[number]['name'];

/** The algorithm option's values, in list order. */
export const ALGORITHM_NAMES: readonly AlgorithmName[] = Object.freeze(ALGORITHM_LIST.map((a) => a.name));

/** The algorithms, by name. */
export const ALGORITHMS: Readonly<Record<AlgorithmName, (typeof ALGORITHM_LIST)[number]>> = Object.freeze(
  Object.fromEntries(ALGORITHM_LIST.map((a) => [a.name, a])) as Record<
    AlgorithmName,
    (typeof ALGORITHM_LIST)[number]
  >,
);

/** One envelope script per algorithm; exported so differential tests can run them directly. */
export const RATE_LIMIT_SCRIPTS: Readonly<Record<AlgorithmName, Script<ScriptOutcome>>> = Object.freeze(
  Object.fromEntries(ALGORITHM_LIST.map((a) => [a.name, a.script])) as Record<
    AlgorithmName,
    Script<ScriptOutcome>
  >,
);

/** The combined script of each algorithm (several calls in one invocation, see `many.ts`). */
export const RATE_LIMIT_MANY_SCRIPTS: Readonly<Record<AlgorithmName, Script<ManyReply>>> = Object.freeze(
  Object.fromEntries(ALGORITHM_LIST.map((a) => [a.name, a.many])) as Record<AlgorithmName, Script<ManyReply>>,
);

export type { Algorithm, AlgorithmSpec, LimitCheck, LimitParams } from './algorithm.js';
export {
  argsEncoder,
  type BlockParams,
  defineAlgorithm,
  encodeRateLimitArgs,
  parseOutcome,
  type RateLimitCall,
  type ScriptOutcome,
} from './envelope.js';
export { encodeMany, type ManyCall, type ManyReply, parseMany } from './many.js';
