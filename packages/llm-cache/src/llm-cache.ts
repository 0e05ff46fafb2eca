import { describeValue, featureKeyspace, invalidArgument } from '@raptorflow/core/kit';
import { LLM_CACHE_ERRORS } from './errors.js';
import { emitOperation, FEATURE, featureHub, operationStart } from './events.js';
import { type LlmCacheOptions, parseLlmCacheOptions } from './options.js';
import { encodeIncrementArgs, INCREMENT, type IncrementReply } from './scripts/index.js';

/** What {@link LlmCache.incr} returns. */
export type IncrResult = IncrementReply;

/** A set of counters; see {@link createLlmCache}. */
export interface LlmCache {
  /**
   * Add `by` to the counter of `id` and return the new count, in one round trip. A counter
   * starts at 0 and lives for `window` from its first increment.
   * @param id the counter: any non-empty string without `{` or `}` (it is the key's hash tag).
   * @param by a whole number >= 1. @default 1
   */
  incr(id: string, by?: number): Promise<IncrResult>;
}

/**
 * Counters with a fixed window on any RaptorFlow KV store: the smallest complete feature
 * package, a starting point for new ones (`pnpm new:feature <name>`).
 *
 * ```ts
 * const counters = createLlmCache({ store, window: '1m' });
 * const { count } = await counters.incr('alice');
 * ```
 */
export function createLlmCache(options: LlmCacheOptions): LlmCache {
  const { store, window, prefix } = parseLlmCacheOptions(options);
  const keys = featureKeyspace(store, { feature: FEATURE, prefix });
  const hub = featureHub(store);
  return {
    async incr(id, by = 1) {
      if (!Number.isSafeInteger(by) || by < 1) {
        throw invalidArgument('incr', `by: must be a whole number >= 1, got ${describeValue(by)}`);
      }
      // A key under the root view rather than a `group(id)` view: no view to build per call.
      const key = `${keys.tag(id)}:count`;
      const started = operationStart(hub);
      try {
        const reply = await keys.root.eval(INCREMENT, [key], encodeIncrementArgs(by, window));
        if (reply === null) {
          throw LLM_CACHE_ERRORS.error(
            'E_LLM_CACHE_NOT_A_COUNTER',
            `incr: the key of counter ${describeValue(id)} holds something that is not a counter`,
          );
        }
        emitOperation(hub, 'incr', started, 'ok');
        return reply;
      } catch (error) {
        emitOperation(hub, 'incr', started, 'error', error);
        throw error;
      }
    },
  };
}
