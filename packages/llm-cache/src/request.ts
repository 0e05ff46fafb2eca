import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';

/** One message of a chat request, in the shape OpenAI-compatible APIs use. */
export interface LlmMessage {
  readonly role: string;
  /** Text, or the provider's list of parts (kept as given, hashed as canonical JSON). */
  readonly content: unknown;
  readonly [field: string]: unknown;
}

/**
 * The request the cache keys on: everything that changes the answer. Pass either `messages`
 * (chat) or `prompt` (completion).
 */
export interface LlmRequest {
  /** The model id (`gpt-4o-mini`, `anthropic/claude-3-5-haiku`). */
  readonly model: string;
  readonly messages?: readonly LlmMessage[] | undefined;
  readonly prompt?: string | undefined;
  /** Tool definitions offered to the model. */
  readonly tools?: unknown;
  /**
   * Generation parameters (`temperature`, `max_tokens`, `top_p`, `seed`, `response_format`…).
   * All of them are part of the key, except {@link NON_ANSWER_PARAMS}.
   */
  readonly params?: Readonly<Record<string, unknown>> | undefined;
}

/** Parameters that never change the answer, left out of the key. */
export const NON_ANSWER_PARAMS: ReadonlySet<string> = new Set([
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'timeout',
  'abortSignal',
  'headers',
  'service_tier',
]);

// JSON with sorted object keys and no undefined: one text per meaning, whatever the key order.
function canonical(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidArgument(where, `cannot key the number ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v, where)));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v, where);
    }
    return out;
  }
  throw invalidArgument(where, `cannot key ${describeValue(value)} in a request`);
}

/** The parts of a checked request; see {@link readRequest}. */
export interface RequestParts {
  readonly model: string;
  /** Canonical JSON of the whole request (the exact tier's key, before hashing). */
  readonly exact: string;
  /** What the semantic tier embeds: the last user message (or the prompt) as text. */
  readonly text: string;
  /**
   * Canonical JSON of everything else (model, parameters, tools, earlier messages): only
   * requests equal in all of it are compared by meaning.
   */
  readonly context: string;
  readonly temperature: number | undefined;
}

function messageText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content.filter(
      (p): p is { type: string; text: string } =>
        typeof p === 'object' &&
        p !== null &&
        (p as { type?: unknown }).type === 'text' &&
        typeof (p as { text?: unknown }).text === 'string',
    );
    // A message with images or files is not text: the semantic tier stays out of it.
    return parts.length === content.length ? parts.map((p) => p.text).join('\n') : undefined;
  }
  return undefined;
}

/** Check a request and split it into its exact key and its semantic text and context. */
export function readRequest(request: LlmRequest, where: string): RequestParts & { semantic: boolean } {
  if (typeof request !== 'object' || request === null) {
    throw invalidArgument(where, `request: expected an object, got ${describeValue(request)}`);
  }
  const { model, messages, prompt, tools, params = {} } = request;
  if (typeof model !== 'string' || model.length === 0) {
    throw invalidArgument(where, `request.model: expected a non-empty string, got ${describeValue(model)}`);
  }
  if ((messages === undefined) === (prompt === undefined)) {
    throw invalidArgument(where, 'request: pass either messages or prompt');
  }
  if (prompt !== undefined && typeof prompt !== 'string') {
    throw invalidArgument(where, `request.prompt: expected a string, got ${describeValue(prompt)}`);
  }
  if (messages !== undefined) {
    if (!Array.isArray(messages) || messages.length === 0) {
      throw invalidArgument(where, 'request.messages: expected a non-empty array');
    }
    for (const m of messages) {
      if (typeof m !== 'object' || m === null || typeof (m as LlmMessage).role !== 'string') {
        throw invalidArgument(where, `request.messages: each message needs a role, got ${describeValue(m)}`);
      }
    }
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalidArgument(where, `request.params: expected an object, got ${describeValue(params)}`);
  }
  const answerParams = Object.fromEntries(Object.entries(params).filter(([k]) => !NON_ANSWER_PARAMS.has(k)));
  const temperature = answerParams.temperature;
  if (temperature !== undefined && (typeof temperature !== 'number' || !(temperature >= 0))) {
    throw invalidArgument(
      where,
      `request.params.temperature: expected a number >= 0, got ${describeValue(temperature)}`,
    );
  }
  const exact = JSON.stringify(
    canonical({ v: 1, model, messages, prompt, tools, params: answerParams }, where),
  );
  let text: string | undefined;
  let before: readonly LlmMessage[] = [];
  if (prompt !== undefined) text = prompt;
  else if (messages) {
    const last = messages[messages.length - 1] as LlmMessage;
    if (last.role === 'user') {
      text = messageText(last.content);
      before = messages.slice(0, -1);
    }
  }
  const context = JSON.stringify(
    canonical(
      { v: 1, model, tools, params: answerParams, before, kind: prompt === undefined ? 'chat' : 'prompt' },
      where,
    ),
  );
  return {
    model,
    exact,
    text: text ?? '',
    context,
    temperature: temperature as number | undefined,
    semantic: text !== undefined && text.trim().length > 0,
  };
}

/** SHA-256 of a text, hex (@noble/hashes: synchronous, edge-safe, no `node:crypto`). */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
