import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import type { LlmCache, LlmCallOptions } from './llm-cache.js';
import type { Usage } from './prices.js';
import type { LlmRequest } from './request.js';

/** The parts of an AI SDK language model the middleware reads (`LanguageModelV3`). */
export interface AiSdkModel {
  readonly provider: string;
  readonly modelId: string;
}

/** The parts of AI SDK call options the middleware reads (`LanguageModelV3CallOptions`). */
export interface AiSdkCallOptions {
  readonly prompt: readonly { readonly role: string; readonly content: unknown }[];
  readonly tools?: unknown;
  readonly [option: string]: unknown;
}

/** Options of {@link llmCacheMiddleware}. */
export interface LlmCacheMiddlewareOptions {
  cache: LlmCache;
  /** Tenant, namespace, bypass… for a call, from its options (read `providerOptions` or headers you set). */
  call?: ((params: AiSdkCallOptions) => LlmCallOptions) | LlmCallOptions | undefined;
}

/** A Vercel AI SDK language-model middleware (specification `v3`, AI SDK 6); see {@link llmCacheMiddleware}. */
export interface LlmCacheMiddleware {
  readonly specificationVersion: 'v3';
  wrapGenerate<R>(options: {
    doGenerate: () => PromiseLike<R>;
    params: AiSdkCallOptions;
    model: AiSdkModel;
  }): Promise<R>;
  wrapStream<R extends { stream: ReadableStream<unknown> }>(options: {
    doStream: () => PromiseLike<R>;
    params: AiSdkCallOptions;
    model: AiSdkModel;
  }): Promise<R>;
}

// Call options that never change the answer: transport, not content.
const TRANSPORT = new Set(['prompt', 'tools', 'abortSignal', 'headers', 'includeRawChunks']);

function toRequest(model: AiSdkModel, params: AiSdkCallOptions): LlmRequest {
  if (!Array.isArray(params?.prompt)) {
    throw invalidArgument(
      'llmCacheMiddleware',
      `params.prompt: expected an array, got ${describeValue(params?.prompt)}`,
    );
  }
  const rest = Object.fromEntries(
    Object.entries(params).filter(([k, v]) => !TRANSPORT.has(k) && v !== undefined),
  );
  return {
    model: `${model.provider}:${model.modelId}`,
    messages: params.prompt,
    tools: params.tools,
    params: rest,
  };
}

// JSON round trip: drops undefined fields (the cache stores strict JSON); dates become strings.
const plain = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

function usageOf(result: unknown): Usage | undefined {
  const usage = (result as { usage?: { inputTokens?: unknown; outputTokens?: unknown } })?.usage;
  const total = (x: unknown) =>
    typeof x === 'number'
      ? x
      : typeof (x as { total?: unknown })?.total === 'number'
        ? (x as { total: number }).total
        : undefined;
  return usage
    ? { inputTokens: total(usage.inputTokens), outputTokens: total(usage.outputTokens) }
    : undefined;
}

// Response timestamps are Dates in the AI SDK: give them back as Dates after the JSON trip.
function revive<T>(value: unknown): T {
  const fix = (o: unknown) => {
    if (o && typeof o === 'object' && typeof (o as { timestamp?: unknown }).timestamp === 'string') {
      (o as { timestamp: unknown }).timestamp = new Date((o as { timestamp: string }).timestamp);
    }
  };
  fix(value);
  fix((value as { response?: unknown })?.response);
  return value as T;
}

/**
 * A Vercel AI SDK middleware that answers `generateText` / `streamText` from an {@link LlmCache}:
 * `generate` results are cached whole; a stream is recorded part by part and written only after
 * it finished without an error part, and a hit is replayed as the same parts.
 *
 * ```ts
 * import { wrapLanguageModel } from 'ai';
 * const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: llmCacheMiddleware({ cache: llm }) });
 * ```
 */
export function llmCacheMiddleware(options: LlmCacheMiddlewareOptions): LlmCacheMiddleware {
  if (typeof options?.cache?.getOrCall !== 'function') {
    throw invalidArgument('llmCacheMiddleware', 'cache: expected an LlmCache');
  }
  const { cache, call } = options;
  const callOptions = (params: AiSdkCallOptions) => (typeof call === 'function' ? call(params) : call);
  return {
    specificationVersion: 'v3',

    async wrapGenerate({ doGenerate, params, model }) {
      const request = toRequest(model, params);
      const result = await cache.getOrCall(
        request,
        async () => {
          const { request: _sent, ...kept } = (await doGenerate()) as Record<string, unknown>;
          const response = kept.response as Record<string, unknown> | undefined;
          // Headers and raw bodies describe one HTTP exchange, not the answer: not stored.
          if (response)
            kept.response = { id: response.id, modelId: response.modelId, timestamp: response.timestamp };
          return plain(kept);
        },
        { ...callOptions(params), usage: usageOf },
      );
      return revive(structuredClone(result.value));
    },

    async wrapStream({ doStream, params, model }) {
      const request = toRequest(model, params);
      const opts = callOptions(params);
      const hit = await cache.get<unknown[]>(request, opts);
      if (hit && Array.isArray(hit.value)) {
        const parts = hit.value.map((p) => revive<unknown>(structuredClone(p)));
        const stream = new ReadableStream<unknown>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        });
        return { stream } as Awaited<ReturnType<typeof doStream>>;
      }
      const live = await doStream();
      const parts: unknown[] = [];
      let failed = false;
      const recorder = new TransformStream<unknown, unknown>({
        transform(part, controller) {
          const type = (part as { type?: unknown })?.type;
          if (type === 'error') failed = true;
          if (type !== 'raw') parts.push(part);
          controller.enqueue(part);
        },
        async flush() {
          if (failed || parts.length === 0) return;
          const finish = parts.find((p) => (p as { type?: unknown }).type === 'finish');
          await cache.set(request, plain(parts), { ...opts, usage: usageOf(finish) }).catch(() => undefined);
        },
      });
      return { ...live, stream: live.stream.pipeThrough(recorder) };
    },
  };
}
