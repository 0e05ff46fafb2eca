import type { ScriptCall } from './driver.js';

/**
 * How the Redis adapters (ioredis standalone and Cluster, Upstash) send a script, in one place.
 *
 * - A script this loader has not seen a server accept goes by `EVAL` (which also caches it on
 *   the server): one round trip on a fresh server, where EVALSHA first costs two, and a batch or
 *   a caller's later commands stay in order because nothing needs a retry.
 * - Once accepted, it goes by `EVALSHA` (the SHA is computed once, in `defineScript`).
 * - A script declared `readonly` goes by `EVAL_RO` / `EVALSHA_RO` (Redis 7): Redis refuses a
 *   write from it, so a wrong flag fails loudly instead of leaving L1 copies stale.
 * - `NOSCRIPT` (after SCRIPT FLUSH, a restart, or a failover to a replica that never ran it)
 *   forgets the script and asks the caller to re-send it by `EVAL`: two round trips once.
 *   Inside a batch the retry goes in a second request, so it runs after the entries sent behind
 *   it in the first one; only after a flush, since an unknown script never goes by SHA.
 * - Loaded state is per node: a Cluster adapter passes the address of the slot's master, and
 *   records an answer against the owner known when it arrived (after a MOVED), so a promoted
 *   replica or a moved slot costs one NOSCRIPT, then EVALSHA there. A standalone adapter passes `''`.
 *
 * Edge-safe: no `node:` imports.
 */
export class ScriptLoader {
  readonly #loaded = new Set<string>();

  /** The command for `call` on `node`: EVALSHA when the node is known to hold it, else EVAL. */
  argv(call: ScriptCall, node = ''): string[] {
    return scriptArgv(call, this.#loaded.has(keyOf(call, node)));
  }

  /** The EVAL command for `call`: the retry after NOSCRIPT. */
  evalArgv(call: ScriptCall): string[] {
    return scriptArgv(call, false);
  }

  /**
   * Record a server's answer to a script command sent to `node`: `undefined` for a reply, or the
   * text of the error reply. (A transport failure is no answer: do not report it.) Returns true
   * when the answer is NOSCRIPT: re-send the call with {@link evalArgv}.
   */
  answered(call: ScriptCall, node: string, error: string | undefined): boolean {
    const key = keyOf(call, node);
    if (error !== undefined && isNoScript(error)) {
      this.#loaded.delete(key);
      return true;
    }
    // An error raised while the script ran still means its body compiled and is cached.
    if (error === undefined || !error.includes('Error compiling script')) this.#loaded.add(key);
    return false;
  }
}

/** True for the error text of an EVALSHA whose script the server does not hold. */
export function isNoScript(error: string): boolean {
  return error.startsWith('NOSCRIPT');
}

function keyOf(call: ScriptCall, node: string): string {
  return node === '' ? call.script.sha : `${node}|${call.script.sha}`;
}

function scriptArgv(call: ScriptCall, bySha: boolean): string[] {
  const name = bySha ? 'EVALSHA' : 'EVAL';
  const argv = [
    call.script.readonly ? `${name}_RO` : name,
    bySha ? call.script.sha : call.script.lua,
    String(call.keys.length),
  ];
  for (const k of call.keys) argv.push(k);
  for (const a of call.args) argv.push(a);
  return argv;
}
