import { type Analysis, analyse } from '../text/analyse.js';
import type { Embedder } from './embedder.js';

/** Options of {@link hashingEmbedder}. */
export interface HashingEmbedderOptions {
  /** Vector length. @default 512 */
  dims?: number | undefined;
}

// FNV-1a, 32 bits: a stable hash with no dependency, the same on every runtime.
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function add(vector: Float64Array, feature: string, weight: number): void {
  const h = fnv1a(feature);
  // One bit of the hash for the sign: collisions cancel out on average instead of piling up.
  vector[h % vector.length] = (vector[h % vector.length] as number) + (h & 0x80000000 ? -weight : weight);
}

/** The vector of an analysed prompt; see {@link hashingEmbedder}. */
export function hashVector(analysis: Analysis, dims: number): Float64Array {
  const vector = new Float64Array(dims);
  const { content } = analysis;
  for (let i = 0; i < content.length; i++) {
    const word = content[i] as string;
    add(vector, `w:${word}`, 1);
    if (i + 1 < content.length) add(vector, `b:${word} ${content[i + 1]}`, 0.5);
    const padded = `^${word}$`;
    for (let j = 0; j + 3 <= padded.length; j++) add(vector, `c:${padded.slice(j, j + 3)}`, 0.25);
  }
  let sum = 0;
  for (const x of vector) sum += x * x;
  if (sum > 0) for (let i = 0; i < dims; i++) vector[i] = (vector[i] as number) / Math.sqrt(sum);
  return vector;
}

/**
 * The default embedder: offline, no download, no `node:` modules. Feature hashing of stemmed
 * content words (weight 1), word bigrams (0.5) and character trigrams (0.25) into `dims`
 * signed dimensions, L2-normalised. Lexical: it finds rewordings that keep some words or word
 * stems, not synonyms ("ocean"/"sea"); plug in a model through {@link Embedder} for those.
 */
export function hashingEmbedder(options: HashingEmbedderOptions = {}): Embedder {
  const dims = options.dims ?? 512;
  return {
    id: `hash-${dims}`,
    threshold: DEFAULT_HASH_THRESHOLD,
    local: true,
    async embed(texts) {
      return texts.map((text) => hashVector(analyse(text), dims));
    },
  };
}

/** The similarity threshold of {@link hashingEmbedder} (with the guards on). */
export const DEFAULT_HASH_THRESHOLD = 0.5;
