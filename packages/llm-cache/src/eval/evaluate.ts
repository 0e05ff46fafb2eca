import { cosine, type Embedder } from '../embedders/embedder.js';
import { type GuardName, type GuardOptions, guardFailure } from '../guards.js';
import { chooseCandidate } from '../semantic/choose.js';
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

/** The crowded half of {@link EvalReport}. */
export interface CrowdedReport {
  /** Distinct prompts stored in the one partition. */
  readonly stored: number;
  /** Lookups that served an answer. */
  readonly served: number;
  /** Paraphrases served their own pair's answer, and queries served the same prompt stored. */
  readonly right: number;
  /**
   * Wrong entry served: a paraphrase answered with another stored prompt's answer, or a near
   * miss or unrelated prompt answered at all.
   */
  readonly wrongEntry: number;
  /** The lookups of {@link wrongEntry}: the query and the stored prompt whose answer it got. */
  readonly wrong: readonly { readonly query: string; readonly served: string; readonly kind: PairKind }[];
}

/** Precision, recall and a row per kind of the evaluation set; see {@link evaluate}. */
export interface EvalReport {
  readonly threshold: number;
  /** Right hits / all hits served. 1 when nothing was served. */
  readonly precision: number;
  /** Paraphrases served / all paraphrases. */
  readonly recall: number;
  readonly kinds: readonly KindReport[];
  /**
   * Every pair's first prompt stored in one partition, every second prompt looked up against all
   * of them (a full scan, then the lookup's decision: closest `topK` above the threshold, guards,
   * margin, siblings): how often the answer of another stored prompt is served.
   */
  readonly crowded: CrowdedReport;
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
  /** Candidates the crowded lookup checks, closest first. @default 4 */
  topK?: number | undefined;
  /** Lead over a runner-up with another answer; see the semantic option. @default 0.05 */
  margin?: number | undefined;
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
    crowded: crowdedLookups(pairs, vectors, threshold, {
      guards: options.guards ?? {},
      margin: options.margin ?? 0.05,
      topK: options.topK ?? 4,
    }),
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: positives === 0 ? 1 : tp / positives,
    kinds: [...kinds].map(([kind, row]) => ({ kind, ...row })),
    mistakes,
  };
}

function crowdedLookups(
  pairs: readonly EvalPair[],
  vectors: readonly ArrayLike<number>[],
  threshold: number,
  settings: { guards: GuardOptions; margin: number; topK: number },
): CrowdedReport {
  const pool = new Map<string, ArrayLike<number>>();
  pairs.forEach((p, i) => {
    if (!pool.has(p.a)) pool.set(p.a, vectors[2 * i] as ArrayLike<number>);
  });
  const stored = [...pool].map(([text, vector]) => ({ text, vector }));
  let served = 0;
  let right = 0;
  const wrong: { query: string; served: string; kind: PairKind }[] = [];
  pairs.forEach((pair, i) => {
    const query = vectors[2 * i + 1] as ArrayLike<number>;
    const candidates = stored
      .map((s) => ({ prompt: s.text, entry: s.text, score: cosine(query, s.vector) }))
      .filter((c) => c.score >= threshold)
      .sort((x, y) => y.score - x.score)
      .slice(0, settings.topK);
    const choice = chooseCandidate(analyse(pair.b), candidates, settings);
    if (choice.served < 0) return;
    served++;
    const entry = (candidates[choice.served] as { entry: string }).entry;
    // An identical stored prompt is the right answer whatever the pair's kind.
    if ((pair.hit && entry === pair.a) || entry === pair.b) right++;
    else wrong.push({ query: pair.b, served: entry, kind: pair.kind });
  });
  return { stored: stored.length, served, right, wrongEntry: wrong.length, wrong };
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
  const c = report.crowded;
  lines.push(
    '',
    `crowded (${c.stored} prompts in one partition): ${c.served} served, ${c.right} right, ${c.wrongEntry} wrong entry served`,
  );
  return lines.join('\n');
}
