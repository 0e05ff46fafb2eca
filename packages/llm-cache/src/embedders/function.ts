import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import type { Embedder } from './embedder.js';

/** Options of {@link functionEmbedder}. */
export interface FunctionEmbedderOptions {
  /** A stable name for the function and its model: part of the semantic partition. */
  id: string;
  /** One vector per text, in order. */
  embed: (
    texts: readonly string[],
    signal?: AbortSignal,
  ) => Promise<readonly ArrayLike<number>[]> | readonly ArrayLike<number>[];
  /** The similarity threshold calibrated for it. @default 0.85 */
  threshold?: number | undefined;
  /**
   * The function computes in this process without I/O (see `Embedder.local`): the exact and the
   * semantic read become one script. @default false
   */
  local?: boolean | undefined;
}

/** An embedder from a function you already have (transformers.js with a local model, a hosted API client). */
export function functionEmbedder(options: FunctionEmbedderOptions): Embedder {
  if (typeof options?.id !== 'string' || options.id.length === 0) {
    throw invalidArgument(
      'functionEmbedder',
      `id: expected a non-empty string, got ${describeValue(options?.id)}`,
    );
  }
  if (typeof options.embed !== 'function') {
    throw invalidArgument('functionEmbedder', 'embed: expected a function');
  }
  const { id, embed, threshold = 0.85, local = false } = options;
  return { id, threshold, local: local === true, embed: async (texts, signal) => embed(texts, signal) };
}
