import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { LLM_CACHE_ERRORS } from '../errors.js';
import type { Embedder } from './embedder.js';

/** Options of {@link openAiEmbedder}. */
export interface OpenAiEmbedderOptions {
  /** The model (`text-embedding-3-small`, or whatever the endpoint serves). */
  model: string;
  /** The API base, up to and without `/embeddings`. @default 'https://api.openai.com/v1' */
  baseUrl?: string | undefined;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string | undefined;
  /** Ask the endpoint for vectors of this length (`dimensions`), when it supports it. */
  dimensions?: number | undefined;
  /** Extra headers (an `api-key` for Azure, an organisation). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** The similarity threshold for this model. @default 0.9 */
  threshold?: number | undefined;
  /** `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
}

/**
 * An embedder over any OpenAI-compatible `POST /embeddings` endpoint (OpenAI, Azure OpenAI,
 * vLLM, Ollama, LM Studio, LiteLLM…), through `fetch`: edge-safe.
 */
export function openAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const { model, apiKey, dimensions, headers, threshold = 0.9 } = options ?? ({} as OpenAiEmbedderOptions);
  if (typeof model !== 'string' || model.length === 0) {
    throw invalidArgument(
      'openAiEmbedder',
      `model: expected a non-empty string, got ${describeValue(model)}`,
    );
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const url = `${(options.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/embeddings`;
  return {
    id: `openai:${model}${dimensions ? `:${dimensions}` : ''}`,
    threshold,
    async embed(texts, signal) {
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ model, input: texts, ...(dimensions ? { dimensions } : {}) }),
        signal,
      });
      if (!response.ok) {
        const body = await response.text().catch(() => '');
        throw LLM_CACHE_ERRORS.error(
          'E_LLM_CACHE_EMBEDDER',
          `embeddings endpoint answered ${response.status}: ${body.slice(0, 200)}`,
        );
      }
      const json = (await response.json()) as { data?: { index?: number; embedding?: unknown }[] };
      const data = json?.data;
      if (!Array.isArray(data) || data.length !== texts.length) {
        throw LLM_CACHE_ERRORS.error(
          'E_LLM_CACHE_EMBEDDER',
          `embeddings endpoint returned ${describeValue(data)} for ${texts.length} texts`,
        );
      }
      const out: number[][] = new Array(texts.length);
      data.forEach((item, i) => {
        const at = typeof item?.index === 'number' ? item.index : i;
        if (!Array.isArray(item?.embedding) || at < 0 || at >= texts.length) {
          throw LLM_CACHE_ERRORS.error(
            'E_LLM_CACHE_EMBEDDER',
            'embeddings endpoint returned an item without an embedding',
          );
        }
        out[at] = item.embedding as number[];
      });
      return out;
    },
  };
}
