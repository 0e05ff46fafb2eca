import type { KvStore } from '@raptorflow/core';
import type { Embedder } from '../embedders/embedder.js';
import { LLM_CACHE_ERRORS } from '../errors.js';
import type { GuardName, GuardOptions } from '../guards.js';
import {
  encodeSemanticInsertArgs,
  encodeSemanticLookupArgs,
  MAX_INSERT_BATCH,
  SEMANTIC_INSERT,
  SEMANTIC_LOOKUP,
  type SemanticInsertReply,
} from '../scripts/index.js';
import { analyse } from '../text/analyse.js';
import { type Choice, type ChoiceCandidate, chooseCandidate } from './choose.js';
import { encodeVector, lshFields, MAX_DIMS } from './vectors.js';

/** Settings of {@link createSemanticTier}. */
export interface SemanticTierSettings {
  readonly embedder: Embedder;
  readonly threshold: number;
  readonly guards: GuardOptions;
  readonly maxEntries: number;
  readonly maxCandidates: number;
  readonly topK: number;
  readonly margin: number;
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
  /** The request's own entry (its exact id), not a neighbour: `score` is 1. */
  readonly exact: boolean;
}

/** What a lookup that found nothing saw. */
export interface SemanticMiss {
  readonly examined: number;
  /** Candidates above the threshold that a guard refused, by guard. */
  readonly refused: readonly GuardName[];
  /**
   * True when two stored entries with different answers passed the threshold and the guards
   * within `margin` of each other: the query cannot tell them apart, so neither is served.
   */
  readonly ambiguous: boolean;
}

/** The embedded form of one prompt: computed once per call, used by lookup and insert. */
export interface Embedded {
  readonly text: string;
  readonly hex: string;
  readonly norm2: number;
  readonly fields: readonly string[];
}

/** One entry to write; see {@link SemanticTier.insert}. */
export interface SemanticItem {
  /** The entry's exact id (a prefix of the exact key): what a lookup's exact probe names. */
  readonly id: string;
  readonly query: Embedded;
  readonly entry: string;
  readonly ttlMs: number;
}

/** The semantic tier: an LSH index kept in the store, one partition per hash tag. */
export interface SemanticTier {
  embed(text: string): Promise<Embedded>;
  /** Many texts in one embedder call, in order. */
  embedMany(texts: readonly string[]): Promise<Embedded[]>;
  /**
   * One script: the entry of `exactId` when it is stored and unexpired (`''`: no probe), else
   * the nearest entry the guards accept.
   */
  lookup(
    store: KvStore,
    keys: PartitionKeys,
    exactId: string,
    query: Embedded,
  ): Promise<SemanticMatch | SemanticMiss>;
  /** Write entries of one partition: one script call per {@link MAX_INSERT_BATCH} entries. */
  insert(store: KvStore, keys: PartitionKeys, items: readonly SemanticItem[]): Promise<SemanticInsertReply>;
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
      return (await this.embedMany([text]))[0] as Embedded;
    },

    async embedMany(texts) {
      let vectors: readonly ArrayLike<number>[];
      try {
        vectors = await embedder.embed(texts);
      } catch (error) {
        throw LLM_CACHE_ERRORS.error(
          'E_LLM_CACHE_EMBEDDER',
          `embedder ${embedder.id} failed: ${String(error)}`,
          {
            cause: error,
          },
        );
      }
      if (!Array.isArray(vectors) || vectors.length !== texts.length) {
        throw LLM_CACHE_ERRORS.error(
          'E_LLM_CACHE_EMBEDDER',
          `embedder ${embedder.id} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`,
        );
      }
      return texts.map((text, k) => {
        const vector = vectors[k];
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
      });
    },

    async lookup(store, keys, exactId, query) {
      if (query.norm2 === 0 && exactId === '') return { examined: 0, refused: [], ambiguous: false };
      const reply = await store.eval(
        SEMANTIC_LOOKUP,
        [keys.vectors, keys.records, keys.buckets],
        encodeSemanticLookupArgs(
          exactId,
          query.hex,
          query.norm2,
          settings.threshold,
          settings.maxCandidates,
          settings.topK,
          query.fields,
        ),
      );
      const found: (ChoiceCandidate & { readonly expiresAt: number })[] = [];
      for (const candidate of reply.candidates) {
        let record: StoredRecord;
        try {
          record = JSON.parse(candidate.record) as StoredRecord;
        } catch {
          continue;
        }
        if (typeof record?.t !== 'string' || typeof record.e !== 'string') continue;
        if (reply.exact) {
          // The exact id is a prefix of the SHA-256 of the whole request: the text matches too.
          if (record.t !== query.text) break;
          return { entry: record.e, score: 1, examined: 0, expiresAt: candidate.expiresAt, exact: true };
        }
        found.push({
          prompt: record.t,
          entry: record.e,
          score: Math.min(1, candidate.dot / Math.sqrt(query.norm2 * candidate.norm2)),
          expiresAt: candidate.expiresAt,
        });
      }
      if (found.length === 0) return { examined: reply.examined, refused: [], ambiguous: false };
      const choice = chooseCandidate(analyse(query.text), found, settings);
      if (choice.served < 0) {
        const { refused, ambiguous } = choice as Extract<Choice, { refused: unknown }>;
        return { examined: reply.examined, refused, ambiguous };
      }
      const { entry, score, expiresAt } = found[choice.served] as (typeof found)[number];
      return { entry, score, examined: reply.examined, expiresAt, exact: false };
    },

    async insert(store, keys, items) {
      let evicted = 0;
      let last: SemanticInsertReply = { evicted: 0, size: 0, now: 0 };
      // Sequential batches: each call's work is bounded, and a partition is one slot anyway.
      for (let from = 0; from < items.length; from += MAX_INSERT_BATCH) {
        last = await store.eval(
          SEMANTIC_INSERT,
          [keys.index, keys.vectors, keys.records, keys.buckets],
          encodeSemanticInsertArgs(
            settings,
            items.slice(from, from + MAX_INSERT_BATCH).map((item) => ({
              id: item.id,
              ttlMs: item.ttlMs,
              norm2: item.query.norm2,
              fields: item.query.fields,
              hex: item.query.hex,
              record: JSON.stringify({ t: item.query.text, e: item.entry } satisfies StoredRecord),
            })),
          ),
        );
        evicted += last.evicted;
      }
      return { ...last, evicted };
    },
  };
}
