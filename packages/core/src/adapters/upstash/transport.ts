import { fromReplyError, KvError } from '../../errors.js';

/** Name of this adapter in errors and `store.name`. */
export const ADAPTER = 'upstash';

/** One entry of a `/pipeline` answer, strings already decoded. */
export interface PipelineEntry {
  result?: unknown;
  error?: string;
}

/**
 * The structural part of `@upstash/redis`'s `Requester` the adapter uses (its `HttpClient`):
 * `request` for commands, and `baseUrl` + `headers` to open subscription streams.
 */
export interface UpstashRequester {
  request(req: { path?: string[]; body?: unknown; signal?: unknown }): Promise<unknown>;
  readonly baseUrl?: string;
  readonly headers?: Record<string, string>;
}

/** Where and how to open `/subscribe/<channel>` streams. */
export interface StreamEndpoint {
  readonly baseUrl: string;
  headers(): Record<string, string>;
  readonly fetch: typeof fetch;
}

/** Sends one `/pipeline` request; the adapter's only way to run commands. */
export interface Transport {
  pipeline(commands: readonly (readonly string[])[], timeoutMs: number): Promise<PipelineEntry[]>;
  /** Missing when the client does not expose its URL and headers: then pub/sub is off. */
  readonly stream: StreamEndpoint | undefined;
}

/** Settings of {@link fetchTransport}. */
export interface FetchTransportSettings {
  url: string;
  token: string;
  base64: boolean;
  readYourWrites: boolean;
  fetch: typeof fetch;
}

function base64decode(b64: string): string {
  try {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  } catch {
    // Not base64 (a server that ignored the header): keep the text, as the official client does.
    return b64;
  }
}

/**
 * Decode a base64-mode result exactly as `@upstash/redis` does, so both transports agree:
 * a top-level `OK` may arrive raw (Upstash sends it so), every other string is base64.
 */
export function decodeResult(raw: unknown, top = true): unknown {
  if (typeof raw === 'string') return top && raw === 'OK' ? raw : base64decode(raw);
  if (Array.isArray(raw)) return raw.map((item) => decodeResult(item, false));
  return raw;
}

/** Strip the ` , command was: [...]` suffix `@upstash/redis` appends to server errors. */
function serverText(message: string): string {
  const at = message.indexOf(', command was: ');
  return at < 0 ? message : message.slice(0, at);
}

/**
 * Map anything a request rejects with to a KvError: an abort by our deadline is E_TIMEOUT,
 * a failed fetch E_CONNECTION, a server error through `fromReplyError`.
 */
export function mapRequestError(error: unknown): KvError {
  if (error instanceof KvError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new KvError('E_TIMEOUT', `request timed out: ${message}`, { adapter: ADAPTER, cause: error });
  }
  if (e.name === 'UpstashError') return fromReplyError(serverText(message), ADAPTER, error);
  if (e.name === 'TypeError' || e.name === 'UrlError') {
    return new KvError('E_CONNECTION', `cannot reach the Upstash endpoint: ${message}`, {
      adapter: ADAPTER,
      cause: error,
    });
  }
  return new KvError('E_COMMAND', message, { adapter: ADAPTER, cause: error });
}

const DECIMAL = /^\d+$/;

/**
 * The sync token to send next, after an answer carried `answered`. The token is opaque and the
 * official client keeps the last one answered; with several requests in flight an older request
 * can answer last, so two decimal tokens (a replication offset or counter) keep the larger one,
 * and anything else is the official client's rule.
 */
export function newerToken(held: string, answered: string): string {
  if (DECIMAL.test(held) && DECIMAL.test(answered)) {
    if (held.length !== answered.length) return held.length > answered.length ? held : answered;
    return held > answered ? held : answered;
  }
  return answered;
}

/** A transport on the global `fetch`: no dependency, runs on every runtime. */
export function fetchTransport(settings: FetchTransportSettings): Transport {
  const base = settings.url.replace(/\/$/, '');
  let syncToken = '';
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = {
      Authorization: `Bearer ${settings.token}`,
      'Content-Type': 'application/json',
    };
    if (settings.base64) h['Upstash-Encoding'] = 'base64';
    // Read-your-writes: Upstash answers a token that makes the next request see this one's writes on any replica.
    if (settings.readYourWrites) h['upstash-sync-token'] = syncToken;
    return h;
  };
  return {
    stream: { baseUrl: base, headers, fetch: settings.fetch },
    async pipeline(commands, timeoutMs) {
      const res = await settings.fetch(`${base}/pipeline`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify(commands),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw new KvError('E_COMMAND', `not an Upstash answer (HTTP ${res.status}): ${text.slice(0, 200)}`, {
          adapter: ADAPTER,
          cause,
        });
      }
      if (settings.readYourWrites)
        syncToken = newerToken(syncToken, res.headers.get('upstash-sync-token') ?? '');
      if (!res.ok || !Array.isArray(body)) {
        const error = (body as { error?: unknown } | null)?.error;
        throw fromReplyError(typeof error === 'string' ? error : `HTTP ${res.status}`, ADAPTER);
      }
      if (!settings.base64) return body as PipelineEntry[];
      return (body as PipelineEntry[]).map((entry) => ({
        result: decodeResult(entry.result),
        error: entry.error,
      }));
    },
  };
}

/**
 * A transport on a ready `@upstash/redis` client's requester: its retries, sync token, base64
 * decoding and telemetry apply, but not its JSON deserialisation (that happens later, in its
 * command objects), so strings come back exact.
 */
export function requesterTransport(requester: UpstashRequester): Transport {
  const { baseUrl, headers } = requester;
  return {
    stream:
      typeof baseUrl === 'string' && typeof headers === 'object' && headers !== null
        ? { baseUrl, headers: () => ({ ...requester.headers }), fetch: (...args) => fetch(...args) }
        : undefined,
    async pipeline(commands, timeoutMs) {
      const body = await requester.request({
        path: ['pipeline'],
        body: commands,
        // A function: the client throws on abort. With a plain signal it would fabricate a
        // successful `{ result: "Aborted" }` answer instead. Function signals need
        // @upstash/redis >= 1.35.1, hence the peer range.
        signal: () => AbortSignal.timeout(timeoutMs),
      });
      if (!Array.isArray(body))
        throw new KvError('E_COMMAND', 'the pipeline answer is not an array', { adapter: ADAPTER });
      return body as PipelineEntry[];
    },
  };
}
