/** Price of one model, in `currency` per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
}

/** A dated price table: what a hit saved is computed from it. */
export interface PriceTable {
  /** When the prices were read (ISO date); reported with every saving. */
  readonly date: string;
  /** @default 'USD' */
  readonly currency?: string | undefined;
  /** Model id → price. A model id also matches with a provider prefix (`openai/gpt-4o`). */
  readonly models: Readonly<Record<string, ModelPrice>>;
}

/**
 * List prices per million tokens of a few common models, as published by their vendors on the
 * date below. Prices change: pass your own table (`prices` option) for real accounting.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  date: '2025-06-01',
  currency: 'USD',
  models: Object.freeze({
    'gpt-4o': { input: 2.5, output: 10 },
    'gpt-4o-mini': { input: 0.15, output: 0.6 },
    'gpt-4.1': { input: 2, output: 8 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6 },
    'gpt-4.1-nano': { input: 0.1, output: 0.4 },
    'claude-3-5-sonnet': { input: 3, output: 15 },
    'claude-3-5-haiku': { input: 0.8, output: 4 },
  }),
});

/** Tokens a response used, as the provider reported them. */
export interface Usage {
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
}

/** What one hit saved: the tokens and cost of the call it did not make. */
export interface Savings {
  /** The model of the call not made (the request's `model`). */
  readonly model: string;
  /** Input + output tokens. */
  readonly tokens: number;
  /** Input (prompt) tokens, as the cached response's usage reported them (0 when unknown). */
  readonly inputTokens: number;
  /** Output (completion) tokens, as the cached response's usage reported them (0 when unknown). */
  readonly outputTokens: number;
  /** In `currency`; `undefined` when the model is not in the price table. */
  readonly cost: number | undefined;
  readonly currency: string;
  /** The price table's date. */
  readonly priceDate: string;
}

function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  const direct = table.models[model];
  if (direct) return direct;
  const slash = model.lastIndexOf('/');
  const bare = slash >= 0 ? model.slice(slash + 1) : model;
  if (table.models[bare]) return table.models[bare];
  // Dated snapshots (`gpt-4o-2024-08-06`, `claude-3-5-haiku-20241022`) take their family's price.
  const family = Object.keys(table.models)
    .filter((name) => bare.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return family ? table.models[family] : undefined;
}

/** The savings of serving a cached response of `model` that used `usage`. */
export function savingsOf(table: PriceTable, model: string, usage: Usage | undefined): Savings {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  const price = priceOf(table, model);
  return {
    model,
    tokens: input + output,
    inputTokens: input,
    outputTokens: output,
    cost: price && usage ? (input * price.input + output * price.output) / 1_000_000 : undefined,
    currency: table.currency ?? 'USD',
    priceDate: table.date,
  };
}
