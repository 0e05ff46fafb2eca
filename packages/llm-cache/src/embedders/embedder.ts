/**
 * Turns texts into vectors for the semantic tier. Vectors of one embedder must have one length;
 * they need not be normalised (the cache normalises them).
 */
export interface Embedder {
  /**
   * A stable name for the embedder and its settings (`hash-512`, `openai:text-embedding-3-small`).
   * It is part of the semantic partition, so entries of another embedder are never compared.
   */
  readonly id: string;
  /** The default similarity threshold (cosine, 0..1, higher is closer) calibrated for it. */
  readonly threshold?: number | undefined;
  /**
   * True when `embed` computes in this process, cheaply and without I/O (the hashing embedder).
   * The cache then embeds before its first store call and reads the exact entry and the
   * nearest ones in one script; otherwise (a remote model) it embeds only after the exact tier
   * missed, so an exact hit never pays for an embedding. @default false
   */
  readonly local?: boolean | undefined;
  /** One vector per text, in order. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<readonly ArrayLike<number>[]>;
}

/** Scale a vector to length 1 (a zero vector stays zero). */
export function normalize(vector: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(vector);
  let sum = 0;
  for (const x of out) sum += x * x;
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
  }
  return out;
}

/** Cosine similarity of two vectors of one length (0 when either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
