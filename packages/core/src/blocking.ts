import type { BatchEntry, Reply } from './driver.js';
import { KvError } from './errors.js';

/**
 * Commands that make the server wait before it replies. No adapter runs them
 * (`capabilities.blocking` is false everywhere): they would hold ioredis's one shared connection,
 * and neither memory nor Upstash's REST protocol can wait. Queues and locks poll and wake on
 * pub/sub instead. `XREAD` and `XREADGROUP` block only with a `BLOCK` option.
 */
export const BLOCKING_COMMANDS: ReadonlySet<string> = new Set([
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BLMOVE',
  'BLMPOP',
  'BZPOPMIN',
  'BZPOPMAX',
  'BZMPOP',
  'WAIT',
  'WAITAOF',
]);

/** `E_UNSUPPORTED` if argv is a blocking command, else undefined. Cheap for every other command. */
export function blockingError(argv: readonly string[], adapter: string): KvError | undefined {
  const name = argv[0];
  if (name === undefined || name.length === 0) return undefined;
  // Lower-cased first letter: only b..., w... and x... commands can block.
  const first = name.charCodeAt(0) | 32;
  if (first !== 98 && first !== 119 && first !== 120) return undefined;
  const upper = name.toUpperCase();
  let blocking = BLOCKING_COMMANDS.has(upper);
  if (!blocking && (upper === 'XREAD' || upper === 'XREADGROUP')) {
    for (let i = 1; i < argv.length; i++) {
      const word = (argv[i] as string).toUpperCase();
      if (word === 'STREAMS') break;
      if (word === 'BLOCK') blocking = true;
    }
  }
  if (!blocking) return undefined;
  return new KvError(
    'E_UNSUPPORTED',
    `${upper} blocks the connection: no adapter runs blocking commands (capabilities.blocking is false); poll, or wake on pub/sub`,
    { adapter },
  );
}

/**
 * A driver's `batch` with blocking commands refused: those entries are `E_UNSUPPORTED`, the
 * others run as one batch, each result in its entry's place.
 */
export function batchRefusingBlocking(
  entries: readonly BatchEntry[],
  adapter: string,
  run: (entries: readonly BatchEntry[]) => Promise<Array<Reply | Error>>,
): Promise<Array<Reply | Error>> {
  let refused: Array<KvError | undefined> | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as BatchEntry;
    if (!('command' in entry)) continue;
    const error = blockingError(entry.command.argv, adapter);
    if (!error) continue;
    refused ??= new Array(entries.length);
    refused[i] = error;
  }
  if (refused === undefined) return run(entries);
  const skip = refused;
  const rest = entries.filter((_, i) => skip[i] === undefined);
  const results = rest.length > 0 ? run(rest) : Promise.resolve([]);
  return results.then((replies) => {
    let j = 0;
    return entries.map((_, i) => skip[i] ?? (replies[j++] as Reply | Error));
  });
}
