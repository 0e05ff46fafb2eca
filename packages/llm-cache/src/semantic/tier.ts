import type { KvStore } from '@raptorflow/core';
import type { Embedder } from '../embedders/embedder.js';
import { LLM_CACHE_ERRORS } from '../errors.js';
import { type GuardName, type GuardOptions, guardFailure } from '../guards.js';
import {
  encodeSemanticInsertArgs,
  encodeSemanticLookupArgs,
  SEMANTIC_INSERT,
  SEMANTIC_LOOKUP,
  type SemanticInsertReply,
} from '../scripts/index.js';
import { analyse } from '../text/analyse.js';
import { encodeVector, lshFields, MAX_DIMS } from './vectors.js';

/** Settings of {@link createSemanticTier}. */
export interface SemanticTierSettings {
  readonly embedder: Embedder;
  readonly threshold: number;
  readonly guards: GuardOptions;
  readonly maxEntries: number;
  readonly maxCandidates: number;
  readonly topK: number;
  readonly bands: number;
  readonly bits: number;
  readonly bucketSize: number;
}

/** One partition's keys: every key shares the hash tag `{<tenant>:<partition>}`. */
export interface PartitionKeys {
  readonly index: string;
  readonly vectors: string;
  readonly records: string;
  readonly buckets: string;
}

/** What a semantic lookup found. */
export interface SemanticMatch {
  /** The stored entry (its JSON, as given to `insert`). */
  readonly entry: string;
  /** Cosine similarity to the stored prompt. */
  readonly score: number;
  /** Stored vectors compared by the lookup script. */
  readonly examined: number;
  /** When the stored entry expires, ms on the store's clock. */
  readonly expiresAt: number;
}

/** What a lookup that found nothing saw. */
export interface SemanticMiss {
  readonly examined: number;
  /** Candidates above the threshold that a guard refused, by guard. */
  readonly refused: readonly GuardName[];
}

/** The embedded form of one prompt: computed once per call, used by lookup and insert. */
export interface Embedded {
  readonly text: string;
  readonly hex: string;
  readonly norm2: number;
  readonly fields: readonly string[];
}

/** The semantic tier: an LSH index kept in the store, one partition per hash tag. */
export interface SemanticTier {
  embed(text: string): Promise<Embedded>;
  lookup(store: KvStore, keys: PartitionKeys, query: Embedded): Promise<SemanticMatch | SemanticMiss>;
  insert(
    store: KvStore,
    keys: PartitionKeys,
    id: string,
    query: Embedded,
    entry: string,
    ttlMs: number,
  ): Promise<SemanticInsertReply>;
}

interface StoredRecord {
  /** The prompt text the entry was stored under. */
  readonly t: string;
  /** The entry. */
  readonly e: string;
}

/** Build the semantic tier of one cache. */
export function createSemanticTier(settings: SemanticTierSettings): SemanticTier {
  const { embedder } = settings;
  let dims: number | undefined;
  return {
    async embed(text) {
      let vectors: readonly ArrayLike<number>[];
      try {
        vectors = await embedder.embed([text]);
      } catch (error) {
        throw LLM_CACHE_ERRORS.error(
          'E_LLM_CACHE_EMBEDDER',
          `embedder ${embedder.id} failed: ${String(error)}`,
          {
            cause: error,
          },
        );
      }
      const vector = vectors?.[0];
      const length = vector?.length;
      if (
        !vector ||
        typeof length !== 'number' ||
        length < 1 ||
        length > MAX_DIMS ||
        (dims !== undefined && length !== dims)
      ) {
        throw LLM_CACHE_ERRORS.error(
          'E_LLM_CACHE_EMBEDDER',
          `embedder ${embedder.id} returned ${vector ? `a vector of length ${String(length)}` : 'no vector'}` +
            (dims === undefined ? ` (1 to ${MAX_DIMS})` : `, expected ${dims}`),
        );
      }
      for (let i = 0; i < length; i++) {
        if (!Number.isFinite(vector[i])) {
          throw LLM_CACHE_ERRORS.error(
            'E_LLM_CACHE_EMBEDDER',
            `embedder ${embedder.id} returned a non-finite component`,
          );
        }
      }
      dims = length;
      const { hex, norm2 } = encodeVector(vector);
      return { text, hex, norm2, fields: norm2 === 0 ? [] : lshFields(vector, settings) };
    },

    async lookup(store, keys, query) {
      if (query.norm2 === 0) return { examined: 0, refused: [] };
      const reply = await store.eval(
        SEMANTIC_LOOKUP,
        [keys.vectors, keys.records, keys.buckets],
        encodeSemanticLookupArgs(
          query.hex,
          query.norm2,
          settings.threshold,
          settings.maxCandidates,
          settings.topK,
          query.fields,
        ),
      );
      const refused: GuardName[] = [];
      let mine: ReturnType<typeof analyse> | undefined;
      for (const candidate of reply.candidates) {
        let record: StoredRecord;
        try {
          record = JSON.parse(candidate.record) as StoredRecord;
        } catch {
          continue;
        }
        if (typeof record?.t !== 'string' || typeof record.e !== 'string') continue;
        mine ??= analyse(query.text);
        const guard = guardFailure(mine, analyse(record.t), settings.guards);
        if (guard) {
          refused.push(guard);
          continue;
        }
        const score = candidate.dot / Math.sqrt(query.norm2 * candidate.norm2);
        return {
          entry: record.e,
          score: Math.min(1, score),
          examined: reply.examined,
          expiresAt: candidate.expiresAt,
        };
      }
      return { examined: reply.examined, refused };
    },

    insert(store, keys, id, query, entry, ttlMs) {
      const record: StoredRecord = { t: query.text, e: entry };
      return store.eval(
        SEMANTIC_INSERT,
        [keys.index, keys.vectors, keys.records, keys.buckets],
        encodeSemanticInsertArgs({
          id,
          ttlMs,
          maxEntries: settings.maxEntries,
          norm2: query.norm2,
          fields: query.fields,
          hex: query.hex,
          record: JSON.stringify(record),
          bucketSize: settings.bucketSize,
        }),
      );
    },
  };
}
