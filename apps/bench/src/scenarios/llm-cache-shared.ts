import type { ScenarioContext, ScenarioInstance } from '../types.js';

/*
 * Inputs of the llm-cache scenarios, built in setup (never in `op`) from the package's crowded
 * corpus (`crowdedPrompt`): N stored prompts, a reworded query per stored prompt (semantic hits),
 * and queries on other words (semantic misses: the lookup compares its full candidate budget and
 * finds nothing).
 */
const request = (content: string) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content }],
  params: { temperature: 0 },
});

/** Entries per partition of a scenario size. */
export const SIZES = { '1k': 1000, '10k': 10_000, '100k': 100_000 } as const;
export type Size = keyof typeof SIZES;
export type LlmOp = 'exact-hit' | 'semantic-hit' | 'semantic-miss' | 'brute-force';

const QUERIES = 1000;
/** Extra time a 10k-entry row's child may take for its setup, ms. */
export const MEDIUM_SETUP_MS = 180_000;
/** Extra time a 100k-entry row's child may take for its setup (the fill, the scans), ms. */
export const LONG_SETUP_MS = 600_000;
/** Entries per setMany call of the fill. */
const FILL = 1000;

/**
 * Fill one partition with `entries` prompts, then time one kind of lookup. Notes report what
 * the timed numbers do not show: candidates examined per lookup, memory per entry (Redis
 * MEMORY USAGE of the partition's keys), and how often the index found what a full scan finds.
 */
export async function llmCacheScenario(
  ctx: ScenarioContext,
  op: LlmOp,
  entries: number,
): Promise<ScenarioInstance> {
  const {
    createLlmCache,
    hashingEmbedder,
    analyse,
    guardFailure,
    crowdedPrompt,
    crowdedRewording,
    crowdedUnrelated,
  } = await import('@raptorflow/llm-cache');
  const { featureEvents } = await import('@raptorflow/core/kit');
  const root = await ctx.store();
  const prefix = `${ctx.fixtures.prefix}llm:`;
  const store = root.namespace(prefix);
  // The index is sized from maxEntries (bits, bands, candidates): 6/24/64 at 1k, 8/32/128 at
  // 10k, 12/48/128 at 100k.
  const llm = createLlmCache({ store, semantic: { maxEntries: entries + 1 } });
  const embedder = hashingEmbedder();
  const threshold = embedder.threshold ?? 0.5;
  const stored: string[] = Array.from({ length: entries }, (_, i) => crowdedPrompt(i));
  const notes: string[] = [];
  // The fill: setMany in calls of FILL entries (each one embedder call per 100 entries, a
  // pipeline of exact writes and one insert script per 100 entries), so 100k entries load in
  // seconds rather than one set (three round trips) per entry.
  const filling = performance.now();
  // The brute-force rows never read the store: they scan the vectors in process.
  for (let i = 0; op !== 'brute-force' && i < entries; i += FILL) {
    await llm.setMany(
      stored.slice(i, i + FILL).map((p, j) => ({
        request: request(p),
        value: `answer ${i + j}`,
        usage: { inputTokens: 20, outputTokens: 200 },
      })),
    );
  }
  if (op !== 'brute-force') {
    notes.push(
      `fill: ${entries} entries by setMany in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
    );
  }
  const picks = Array.from({ length: QUERIES }, (_, i) => (i * 7919) % entries);
  const prompts =
    op === 'exact-hit'
      ? picks.map((i) => stored[i] as string)
      : op === 'semantic-miss'
        ? picks.map((_, i) => crowdedUnrelated(i))
        : picks.map((i) => crowdedRewording(i));
  const requests = prompts.map(request);

  // Untimed sample: candidates examined (from the events), hits, and the brute-force answer.
  // Stored vectors kept sparse (most of the 512 components of a short prompt are 0), so the
  // scan does one multiply per non-zero component: the fair form of a brute-force scan.
  const vectors = (await embedder.embed(stored)) as Float64Array[];
  const sparse = vectors.map((v) => {
    const at: number[] = [];
    for (let k = 0; k < v.length; k++) if (v[k] !== 0) at.push(k);
    return { at: Uint16Array.from(at), values: Float64Array.from(at, (k) => v[k] as number) };
  });
  vectors.length = 0;
  const texts = stored.map((t) => analyse(t));
  /** The stored entry a full scan serves (closest four above the threshold, guards on), or -1. */
  const scan = (query: Float64Array, text: string): number => {
    const mine = analyse(text);
    const scored: [number, number][] = [];
    for (let j = 0; j < sparse.length; j++) {
      const { at, values } = sparse[j] as { at: Uint16Array; values: Float64Array };
      let dot = 0;
      for (let k = 0; k < at.length; k++) dot += (values[k] as number) * (query[at[k] as number] as number);
      if (dot >= threshold) scored.push([dot, j]);
    }
    scored.sort((a, b) => b[0] - a[0]);
    const served = scored
      .slice(0, 4)
      .find(([, j]) => guardFailure(mine, texts[j] as ReturnType<typeof analyse>) === undefined);
    return served ? served[1] : -1;
  };
  if (op !== 'brute-force') {
    let examined = 0;
    let lookups = 0;
    const off = featureEvents(root).on('operation', (e) => {
      if (e.feature === 'llm-cache' && typeof e.detail?.examined === 'number') {
        examined += e.detail.examined as number;
        lookups++;
      }
    });
    let hits = 0;
    let scanHits = 0;
    let agree = 0;
    // Hits that served another entry than the one reworded (a near miss no guard caught).
    let wrong = 0;
    let scanWrong = 0;
    const sample = Math.min(100, requests.length);
    for (let i = 0; i < sample; i++) {
      const hit = await llm.get(requests[i] as ReturnType<typeof request>);
      const [q] = (await embedder.embed([prompts[i] as string])) as Float64Array[];
      const full = scan(q as Float64Array, prompts[i] as string);
      const own = op === 'semantic-miss' ? -1 : (picks[i] as number);
      if (hit) hits++;
      if (hit && hit.value !== `answer ${own}`) wrong++;
      if (full >= 0) scanHits++;
      if (full >= 0 && full !== own) scanWrong++;
      if (Boolean(hit) === full >= 0 || hit?.stage === 'exact') agree++;
    }
    off();
    notes.push(
      `${entries} entries: ${lookups ? (examined / lookups).toFixed(1) : 'n/a'} vectors examined per semantic lookup; ` +
        `sample of ${sample}: ${hits} hits (${wrong} of another entry), full scan ${scanHits} hits (${scanWrong} of another entry), same decision ${agree}`,
    );
  }
  if (ctx.redis && op !== 'brute-force') {
    const { Redis } = await import('ioredis');
    const client = new Redis(ctx.redis.url);
    try {
      let partition = 0;
      let exact = 0;
      let exactKeys = 0;
      let sampled = 0;
      let cursor = '0';
      // Every partition key, and the first 200 exact-tier keys (scaled to all of them).
      for (let n = 0; n < 10_000; n++) {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        for (const key of keys) {
          const isPartition = key.includes(':{default:');
          if (!isPartition) exactKeys++;
          if (!isPartition && sampled >= 200) continue;
          const bytes = Number((await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
          if (isPartition) partition += bytes;
          else {
            exact += bytes;
            sampled++;
          }
        }
        cursor = next;
        if (cursor === '0') break;
      }
      exact = sampled ? (exact / sampled) * exactKeys : 0;
      notes.push(
        `memory per entry (Redis MEMORY USAGE): semantic partition ${(partition / entries).toFixed(0)} B, exact tier ${(exact / entries).toFixed(0)} B`,
      );
    } finally {
      client.disconnect();
    }
  }

  const teardown = async (): Promise<void> => {
    await llm.close();
    if (ctx.redis) {
      const { deleteUnder } = await import('./cache-shared.js');
      await deleteUnder(ctx.redis, prefix);
    }
  };
  if (op === 'brute-force') {
    // The same vectors scanned in process, every lookup: embed the query, cosine against all
    // of them, guards on the closest four (the index's topK). No store round trip at all.
    return {
      op: async (i) => {
        const prompt = prompts[i % QUERIES] as string;
        const [q] = (await embedder.embed([prompt])) as Float64Array[];
        return scan(q as Float64Array, prompt);
      },
      teardown,
      notes: () => notes,
    };
  }
  return {
    op: (i) => llm.get(requests[i % QUERIES] as ReturnType<typeof request>),
    teardown,
    notes: () => notes,
  };
}
