import { type GuardName, type GuardOptions, guardFailure, substitution } from '../guards.js';
import { type Analysis, analyse } from '../text/analyse.js';

/** A stored entry above the threshold, as the lookup returns it. */
export interface ChoiceCandidate {
  /** The stored prompt: analysed only when a rule needs it (most lookups read one or two). */
  readonly prompt: string;
  /** The stored answer: two candidates with the same answer never compete. */
  readonly entry: string;
  /** Cosine similarity to the query. */
  readonly score: number;
}

/** What {@link chooseCandidate} decided: the index of the entry to serve, or why none. */
export type Choice =
  | { readonly served: number }
  | { readonly served: -1; readonly refused: readonly GuardName[]; readonly ambiguous: boolean };

/** Settings of {@link chooseCandidate}. */
export interface ChoiceSettings {
  readonly guards: GuardOptions;
  /** Cosine the served entry must lead a runner-up with another answer by. */
  readonly margin: number;
}

/**
 * The entry a lookup serves among candidates above the threshold, closest first: the first the
 * guards accept, unless the query cannot tell it from another answer.
 *
 * - **Margin**: another answer that the guards accept within `margin` of the best makes the
 *   lookup a miss (`ambiguous`). In a crowded partition, the siblings of a prompt the index does
 *   not hold (one word swapped each) score alike.
 * - **Siblings**: when the best entry swaps a word of the query ("deploy" for "scale") and
 *   another candidate swaps that same word of the best entry ("monitor" for "deploy"), the
 *   partition holds several values of that word and not the query's: a miss (`ambiguous`).
 *   A single stored prompt is never refused by this rule, only a crowd of its variants.
 */
export function chooseCandidate(
  query: Analysis,
  candidates: readonly ChoiceCandidate[],
  settings: ChoiceSettings,
): Choice {
  const refused: GuardName[] = [];
  const texts = new Map<number, Analysis>();
  const text = (i: number): Analysis => {
    let t = texts.get(i);
    if (!t) {
      t = analyse((candidates[i] as ChoiceCandidate).prompt);
      texts.set(i, t);
    }
    return t;
  };
  let best = -1;
  for (let i = 0; i < candidates.length && best < 0; i++) {
    const guard = guardFailure(query, text(i), settings.guards);
    if (guard) refused.push(guard);
    else best = i;
  }
  if (best < 0) return { served: -1, refused, ambiguous: false };
  const top = candidates[best] as ChoiceCandidate;
  // The words of the best entry that stand where the query has others, if any.
  const swapped = substitution(query.content, text(best).content)?.[1];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i] as ChoiceCandidate;
    if (i === best || c.entry === top.entry) continue;
    if (i > best && top.score - c.score < settings.margin && !guardFailure(query, text(i), settings.guards)) {
      return { served: -1, refused, ambiguous: true };
    }
    // A candidate the guards refused counts here too: it still shows the word varies.
    const theirs = swapped && substitution(text(best).content, text(i).content)?.[0];
    if (theirs?.some((w) => swapped?.includes(w))) return { served: -1, refused, ambiguous: true };
  }
  return { served: best };
}
