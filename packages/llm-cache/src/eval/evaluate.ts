import { cosine, type Embedder } from '../embedders/embedder.js';
import { type GuardName, type GuardOptions, guardFailure } from '../guards.js';
import { analyse } from '../text/analyse.js';
import { EVAL_PAIRS, type EvalPair, type PairKind } from './index.js';

/** How one kind of pair fared; see {@link evaluate}. */
export interface KindReport {
  readonly kind: PairKind;
  readonly pairs: number;
  /** Pairs served as a hit (for `paraphrase` that is right, for every other kind it is wrong). */
  readonly hits: number;
  /** Pairs above the threshold that a guard then refused, by guard. */
  readonly refusedBy: Readonly<Partial<Record<GuardName, number>>>;
}

/** Precision, recall and a row per kind of the evaluation set; see {@link evaluate}. */
export interface EvalReport {
  readonly threshold: number;
  /** Right hits / all hits served. 1 when nothing was served. */
  readonly precision: number;
  /** Paraphrases served / all paraphrases. */
  readonly recall: number;
  readonly kinds: readonly KindReport[];
  /** The pairs decided wrongly, with their similarity. */
  readonly mistakes: readonly (EvalPair & {
    readonly similarity: number;
    readonly refusedBy?: GuardName | undefined;
  })[];
}

/** What {@link evaluate} measures. */
export interface EvaluateOptions {
  embedder: Embedder;
  /** @default the embedder's `threshold`, else 0.8 */
  threshold?: number | undefined;
  guards?: GuardOptions | undefined;
  /** @default {@link EVAL_PAIRS} */
  pairs?: readonly EvalPair[] | undefined;
}

/** Score an embedder with the guards on the evaluation set, as the semantic tier decides a hit. */
export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const pairs = options.pairs ?? EVAL_PAIRS;
  const threshold = options.threshold ?? options.embedder.threshold ?? 0.8;
  const vectors = await options.embedder.embed(pairs.flatMap((p) => [p.a, p.b]));
  const kinds = new Map<
    PairKind,
    { pairs: number; hits: number; refusedBy: Partial<Record<GuardName, number>> }
  >();
  const mistakes: (EvalPair & { similarity: number; refusedBy?: GuardName | undefined })[] = [];
  let tp = 0;
  let fp = 0;
  let positives = 0;
  pairs.forEach((pair, i) => {
    const similarity = cosine(vectors[2 * i] as ArrayLike<number>, vectors[2 * i + 1] as ArrayLike<number>);
    let row = kinds.get(pair.kind);
    if (!row) {
      row = { pairs: 0, hits: 0, refusedBy: {} };
      kinds.set(pair.kind, row);
    }
    row.pairs++;
    let hit = false;
    let refused: GuardName | undefined;
    if (similarity >= threshold) {
      refused = guardFailure(analyse(pair.a), analyse(pair.b), options.guards);
      if (refused) row.refusedBy[refused] = (row.refusedBy[refused] ?? 0) + 1;
      else hit = true;
    }
    if (hit) row.hits++;
    if (pair.hit) positives++;
    if (hit && pair.hit) tp++;
    if (hit && !pair.hit) fp++;
    if (hit !== pair.hit) mistakes.push({ ...pair, similarity, refusedBy: refused });
  });
  return {
    threshold,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: positives === 0 ? 1 : tp / positives,
    kinds: [...kinds].map(([kind, row]) => ({ kind, ...row })),
    mistakes,
  };
}

/** The report as a Markdown table (one row per kind, then the totals). */
export function formatReport(report: EvalReport): string {
  const lines = [
    `threshold ${report.threshold}: precision ${report.precision.toFixed(3)}, recall ${report.recall.toFixed(3)}`,
    '',
    '| kind | pairs | served | refused by a guard |',
    '|---|---|---|---|',
  ];
  for (const k of report.kinds) {
    const refused = Object.entries(k.refusedBy)
      .map(([g, n]) => `${g} ${n}`)
      .join(', ');
    lines.push(`| ${k.kind} | ${k.pairs} | ${k.hits} | ${refused || '-'} |`);
  }
  return lines.join('\n');
}
