import type { KvBatch, KvStore } from '@raptorflow/core';
import { encryptedCodec } from '@raptorflow/core/codecs';
import { CliError } from '../connect.js';
import { keyPages } from '../pages.js';
import { newCounters, runBatch } from '../records.js';
import { SWAP_IF_EQUAL } from '../scripts.js';

/**
 * Keys from the environment: `id=base64,id=base64`, the first one current (what
 * `RAPTORFLOW_ENCRYPTION_KEYS` holds). Keys never go on the command line (shell history).
 */
export function keysFromEnv(
  value: string | undefined,
  variable: string,
): { current: string; keys: Record<string, string> } {
  if (!value)
    throw new CliError(
      `reencrypt: set ${variable} to id=base64key[,id=base64key…] (the first is the current key)`,
    );
  const keys: Record<string, string> = {};
  let current: string | undefined;
  for (const part of value.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) throw new CliError(`reencrypt: ${variable}: "${part.slice(0, 8)}…" is not id=base64key`);
    const id = part.slice(0, at).trim();
    keys[id] = part.slice(at + 1).trim();
    current ??= id;
  }
  return { current: current as string, keys };
}

/**
 * `raptorflow reencrypt --match`: string values written by `encryptedCodec` under an old key
 * are decrypted and encrypted again under the current one, their TTL kept. A value the app
 * changed between the read and the write is left alone (a compare-and-set script); a value
 * no listed key opens is counted and left alone. Two round trips a batch (read, write).
 */
export async function reencrypt(
  store: KvStore,
  options: {
    match: string;
    batch: number;
    current: string;
    keys: Record<string, string>;
    dryRun: boolean;
    stopped: () => boolean;
  },
  log: (l: string) => void,
): Promise<{ moved: number; current: number; unreadable: number; changed: number }> {
  let codec: ReturnType<typeof encryptedCodec<string>>;
  try {
    codec = encryptedCodec<string>({ name: 'raw', encode: (v) => v, decode: (v) => v }, options);
  } catch (error) {
    throw new CliError(`reencrypt: ${error instanceof Error ? error.message : String(error)}`);
  }
  const counters = newCounters();
  const out = { moved: 0, current: 0, unreadable: 0, changed: 0 };
  for await (const page of keyPages(
    store,
    { match: options.match, batch: options.batch, stopped: options.stopped },
    counters,
  )) {
    counters.roundTrips++;
    const values = await store.mget(page.keys);
    let batch = store.batch() as KvBatch<unknown[]>;
    let pending = 0;
    for (const [i, key] of page.keys.entries()) {
      const stored = values[i];
      const id = typeof stored === 'string' ? codec.keyIdOf(stored) : undefined;
      if (stored == null || id === undefined) continue;
      if (id === codec.currentKeyId) {
        out.current++;
        continue;
      }
      let next: string;
      try {
        next = await codec.reencrypt(stored);
      } catch (error) {
        out.unreadable++;
        log(`cannot open ${key}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (options.dryRun) {
        out.moved++;
        continue;
      }
      batch = batch.eval(SWAP_IF_EQUAL, [key], [stored, next]);
      pending++;
    }
    if (pending > 0) {
      for (const r of await runBatch(batch, counters)) {
        if (r === 1) out.moved++;
        else out.changed++;
      }
    }
  }
  log(
    `${options.dryRun ? 'would move' : 'moved'} ${out.moved} values to key "${options.current}"; ` +
      `${out.current} already on it; ${out.unreadable} unreadable; ${out.changed} changed meanwhile (left alone); ` +
      `round trips: ${counters.roundTrips}`,
  );
  return out;
}
