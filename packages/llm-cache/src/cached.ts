import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import type { LlmCache, LlmCallOptions, LlmResult } from './llm-cache.js';
import type { Usage } from './prices.js';
import type { LlmRequest } from './request.js';

/** Options of {@link cachedLlm}. */
export interface CachedLlmOptions<A extends unknown[], T> {
  cache: LlmCache;
  /** The request the arguments describe: what the cache keys on. */
  request: (...args: A) => LlmRequest;
  /** Tenant, namespace, bypass… per call. */
  call?: ((...args: A) => LlmCallOptions) | LlmCallOptions | undefined;
  /** Tokens the result used, for the savings of later hits. */
  usage?: ((value: T) => Usage | undefined) | undefined;
  /** Called with every result's stage, score and savings (for logs or headers). */
  onResult?: ((result: LlmResult<T>) => void) | undefined;
}

/**
 * Wrap any client call: `cachedLlm(fn, options)` returns a function with `fn`'s arguments that
 * answers from the cache when it can and calls `fn` once per request otherwise.
 *
 * ```ts
 * const complete = cachedLlm((req: ChatRequest) => openai.chat.completions.create(req), {
 *   cache: llm,
 *   request: (req) => ({ model: req.model, messages: req.messages, params: { temperature: req.temperature } }),
 *   usage: (r) => ({ inputTokens: r.usage?.prompt_tokens, outputTokens: r.usage?.completion_tokens }),
 * });
 * ```
 */
export function cachedLlm<A extends unknown[], T>(
  fn: (...args: A) => Promise<T> | T,
  options: CachedLlmOptions<A, T>,
): (...args: A) => Promise<T> {
  if (typeof fn !== 'function')
    throw invalidArgument('cachedLlm', `fn: expected a function, got ${describeValue(fn)}`);
  if (typeof options?.request !== 'function')
    throw invalidArgument('cachedLlm', 'request: expected a function');
  if (typeof options.cache?.getOrCall !== 'function')
    throw invalidArgument('cachedLlm', 'cache: expected an LlmCache');
  const { cache, request, call, usage, onResult } = options;
  return async (...args: A) => {
    const callOptions = typeof call === 'function' ? call(...args) : call;
    const result = await cache.getOrCall(request(...args), () => fn(...args), { ...callOptions, usage });
    onResult?.(result);
    return result.value;
  };
}
