import { isKvError, type KvStore, kvFromEnv } from '@raptorflow/core';
import { KV_ADAPTERS } from '@raptorflow/core/driver';

/** Where a command's store is: a URL the app would use, a Cluster's seed nodes, or the app's environment. */
export interface StoreSpec {
  /** `redis://…`, `rediss://…`, `redis-cluster://host:port,host:port` or an Upstash `https://…` REST URL. */
  url?: string | undefined;
  /** The Upstash REST token. */
  token?: string | undefined;
}

/** A user-facing failure: printed as one line on stderr, with this exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The URL without its password or token, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    else if (u.username && u.protocol.startsWith('redis')) u.username = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function adapterEntry(name: string) {
  const entry = KV_ADAPTERS.find((a) => a.name === name);
  if (!entry) throw new CliError(`internal: no adapter ${name} in the registry`);
  return entry;
}

function clusterNodes(url: string): Array<{ host: string; port: number }> {
  const list = url.slice('redis-cluster://'.length).replace(/\/.*$/, '');
  const nodes = list.split(',').map((part) => {
    const m = /^([^:,\s]+):(\d{1,5})$/.exec(part.trim());
    if (!m) throw new CliError(`--url ${url}: a cluster URL is redis-cluster://host:port[,host:port…]`);
    return { host: m[1] as string, port: Number(m[2]) };
  });
  return nodes;
}

/** Build the store a spec names, without checking it answers (see {@link openStore}). */
async function buildStore(
  spec: StoreSpec,
  env: Record<string, string | undefined>,
): Promise<{ store: KvStore; where: string }> {
  const { url, token } = spec;
  if (url === undefined) {
    const { store, settings } = await kvFromEnv(env);
    return { store, where: `${settings.adapter} (from the environment)` };
  }
  if (url.startsWith('redis-cluster://')) {
    const nodes = clusterNodes(url);
    const store = await adapterEntry('ioredis').create('ioredis cluster', { nodes, chosenBy: '--url' });
    return { store, where: `Redis Cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}` };
  }
  if (/^rediss?:\/\//.test(url)) {
    // kvFromEnv validates the URL as the app does (a database that is not a number, and so on).
    const { store } = await kvFromEnv({ KV_ADAPTER: 'ioredis', REDIS_URL: url });
    return { store, where: `Redis ${redact(url)}` };
  }
  if (/^https?:\/\//.test(url)) {
    if (!token)
      throw new CliError(
        `--url ${redact(url)} is an Upstash REST URL: give --token (or UPSTASH_REDIS_REST_TOKEN)`,
      );
    const { store } = await kvFromEnv({
      KV_ADAPTER: 'upstash',
      UPSTASH_REDIS_REST_URL: url,
      UPSTASH_REDIS_REST_TOKEN: token,
    });
    return { store, where: `Upstash ${redact(url)}` };
  }
  throw new CliError(
    `--url ${redact(url)}: expected redis://, rediss://, redis-cluster://host:port,… or an Upstash https:// URL`,
  );
}

/** Explain a failed first PING in the operator's words. */
function connectionProblem(where: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = isKvError(error) ? error.code : undefined;
  if (/401|403|unauthori[sz]ed|WRONGPASS|NOAUTH|invalid.*(token|password)|auth/i.test(message)) {
    return `${where}: the server refused the credentials (wrong token or password): ${message}`;
  }
  if (
    code === 'E_CONNECTION' ||
    code === 'E_TIMEOUT' ||
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed/i.test(message)
  ) {
    return `${where}: cannot reach the server (wrong host or port, or it is down): ${message}`;
  }
  return `${where}: ${message}`;
}

/** A connected store, checked with one PING. */
export interface OpenStore {
  readonly store: KvStore;
  /** What it is, for messages (credentials left out). */
  readonly where: string;
}

/**
 * Connect the way the app does: `spec.url` (and `token`) when given, else `kvFromEnv(env)`,
 * then PING once, so a wrong URL or token is one clear line instead of a stack trace.
 */
export async function openStore(
  spec: StoreSpec,
  env: Record<string, string | undefined> = process.env,
): Promise<OpenStore> {
  let built: { store: KvStore; where: string };
  try {
    built = await buildStore(spec, env);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // The URL came from --url, not from the variable kvFromEnv names.
    throw new CliError(
      spec.url === undefined
        ? message
        : message.replace(/kvFromEnv: (REDIS_URL|UPSTASH_REDIS_REST_URL)/, '--url'),
    );
  }
  try {
    await built.store.ping();
  } catch (error) {
    await built.store.close().catch(() => undefined);
    throw new CliError(connectionProblem(built.where, error));
  }
  return built;
}
