import { createHash } from 'node:crypto';

/** Script flags redis-server 7 understands in a `#!lua flags=...` line. */
const REDIS_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** SHA1 hex of a script body, as Redis computes it. */
export function sha1Hex(body: string): string {
  return createHash('sha1').update(body, 'utf8').digest('hex');
}

/**
 * Remove the flags only Upstash knows (`allow-key-locking`, sent by @upstash/ratelimit 2.x) from
 * a script's shebang line; redis-server rejects unknown flags. Redis flags are kept, and the
 * line stays a line, so error positions (`user_script:3`) are the same as on Upstash.
 * Returns undefined when the body needs no change.
 */
export function stripUpstashFlags(body: string): string | undefined {
  if (!body.startsWith('#!')) return undefined;
  const eol = body.indexOf('\n');
  const line = eol < 0 ? body : body.slice(0, eol);
  const rest = eol < 0 ? '' : body.slice(eol);
  const [engine = '#!lua', ...params] = line.split(/[ \t]+/).filter((p) => p.length > 0);
  let changed = false;
  const kept: string[] = [];
  for (const param of params) {
    if (!param.startsWith('flags=')) {
      kept.push(param);
      continue;
    }
    const flags = param.slice('flags='.length).split(',');
    const known = flags.filter((f) => REDIS_FLAGS.has(f));
    if (known.length !== flags.length) changed = true;
    if (known.length > 0) kept.push(`flags=${known.join(',')}`);
  }
  if (!changed) return undefined;
  return [engine, ...kept].join(' ') + rest;
}

/**
 * Keeps EVALSHA working for scripts whose body the server rewrote: the client hashed the
 * original body, Redis hashed the rewritten one. The map goes from the client's SHA to Redis's.
 * It lives as long as the server; after a Redis SCRIPT FLUSH or restart, EVALSHA answers
 * NOSCRIPT and the client's EVAL fallback records the pair again.
 */
export class ScriptShaMap {
  readonly #toRedis = new Map<string, string>();

  /** Rewrite a body for Redis, remembering the SHA pair when it changed. */
  rewrite(body: string): { body: string; clientSha: string } {
    const stripped = stripUpstashFlags(body);
    const clientSha = sha1Hex(body);
    if (stripped === undefined) return { body, clientSha };
    this.#toRedis.set(clientSha, sha1Hex(stripped));
    return { body: stripped, clientSha };
  }

  /** The SHA Redis knows for a SHA the client sent. */
  toRedis(sha: string): string {
    return this.#toRedis.get(sha.toLowerCase()) ?? sha;
  }
}
