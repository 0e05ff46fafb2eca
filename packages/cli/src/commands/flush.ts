import { createInterface } from 'node:readline/promises';
import { escapeGlob, type KvStore } from '@raptorflow/core';
import { CliError } from '../connect.js';
import { keyPages, unlinkKeys } from '../pages.js';
import { newCounters } from '../records.js';

/** Ask on the terminal; `false` unless the answer is exactly `yes`. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * `raptorflow flush --prefix p`: every key under `p` (SCAN of `p*`, the prefix's glob
 * characters escaped), removed with batched UNLINK. Never FLUSHALL or FLUSHDB. Asks first unless
 * `yes`; with no terminal to ask on, it refuses.
 */
export async function flush(
  store: KvStore,
  where: string,
  options: { prefix: string; yes: boolean; batch: number; stopped: () => boolean },
  log: (l: string) => void,
): Promise<number> {
  const { prefix } = options;
  if (prefix.length === 0)
    throw new CliError('flush: --prefix must not be empty (this command never flushes a whole store)');
  if (!options.yes) {
    const ok = await confirm(`Delete every key under "${prefix}" on ${where}? Type yes: `);
    if (!ok) throw new CliError(`flush: not confirmed (type yes, or pass --yes); nothing was deleted`, 1);
  }
  const counters = newCounters();
  let removed = 0;
  for await (const page of keyPages(
    store,
    { match: `${escapeGlob(prefix)}*`, batch: options.batch, stopped: options.stopped },
    counters,
  )) {
    removed += await unlinkKeys(store, page.keys, counters);
  }
  log(
    `${options.stopped() ? 'stopped: ' : ''}removed ${removed} keys under "${prefix}"; round trips: ${counters.roundTrips}`,
  );
  return removed;
}

/**
 * `raptorflow ratelimit reset <identifier>`: deletes the identifier's counters under every
 * limit of `@raptorflow/ratelimit` (`<prefix>{<identifier>}:*`), as `limiter.reset` does for one limiter.
 */
export async function ratelimitReset(
  store: KvStore,
  options: { identifier: string; prefix: string; batch: number },
  log: (l: string) => void,
): Promise<number> {
  const { identifier, prefix } = options;
  if (identifier === '' || /[{}]/.test(identifier)) {
    throw new CliError('ratelimit reset: the identifier must be non-empty and without { or }');
  }
  const counters = newCounters();
  let removed = 0;
  const match = `${escapeGlob(`${prefix}{${identifier}}:`)}*`;
  for await (const page of keyPages(store, { match, batch: options.batch }, counters)) {
    removed += await unlinkKeys(store, page.keys, counters);
  }
  log(
    `reset ${JSON.stringify(identifier)}: removed ${removed} keys under ${prefix}{${identifier}}:; round trips: ${counters.roundTrips}`,
  );
  return removed;
}
