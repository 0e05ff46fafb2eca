/** What the fake model answers: text and the token counts a real API reports. */
export interface FakeCompletion {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Options of {@link createFakeModel}. */
export interface FakeModelOptions {
  /** Simulated latency per call, ms (0 in tests). @default 400 */
  latencyMs?: number | undefined;
}

/** A deterministic stand-in for an LLM: same prompt, same answer; counts its calls. */
export interface FakeModel {
  readonly model: string;
  complete(prompt: string, signal?: AbortSignal): Promise<FakeCompletion>;
  /** Calls that reached the "model" (cache misses). */
  readonly calls: number;
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

/**
 * A fake `gpt-4o-mini`: answers by a fixed rule from the prompt (so cached answers are checkable),
 * waits `latencyMs`, and reports token counts that llm-cache prices with its dated table.
 */
export function createFakeModel(options: FakeModelOptions = {}): FakeModel {
  const latencyMs = options.latencyMs ?? 400;
  let calls = 0;
  return {
    model: 'gpt-4o-mini',
    get calls() {
      return calls;
    },
    async complete(prompt, signal) {
      calls++;
      if (latencyMs > 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, latencyMs);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
      }
      const words = prompt.trim().split(/\s+/).filter(Boolean);
      const text = `(${words.length} words) ${words.slice(0, 12).reverse().join(' ')} — a deterministic answer`;
      return { text, inputTokens: 12 + tokens(prompt), outputTokens: tokens(text) * 8 };
    },
  };
}
