import { NEAR_MISSES, type NegativeKind } from './near-misses.js';
import { PARAPHRASES } from './paraphrases.js';

export type { NegativeKind } from './near-misses.js';

/** The kind of an evaluation pair: `paraphrase` should hit, every other kind must miss. */
export type PairKind = 'paraphrase' | NegativeKind;

/** One pair of the evaluation set: prompt `a` is cached, prompt `b` is looked up. */
export interface EvalPair {
  readonly a: string;
  readonly b: string;
  readonly kind: PairKind;
  /** Whether `b` should be served `a`'s answer. */
  readonly hit: boolean;
}

/**
 * The public evaluation set of the semantic tier: paraphrases that should hit and near misses
 * (negations, numbers, antonyms, entities, units, scope words, swapped roles, times) plus
 * unrelated pairs that must not. `test/eval.test.ts` scores the default embedder and guards on it.
 */
export const EVAL_PAIRS: readonly EvalPair[] = Object.freeze([
  ...PARAPHRASES.map(([a, b]) => ({ a, b, kind: 'paraphrase' as const, hit: true })),
  ...Object.entries(NEAR_MISSES).flatMap(([kind, pairs]) =>
    pairs.map(([a, b]) => ({ a, b, kind: kind as NegativeKind, hit: false })),
  ),
]);
