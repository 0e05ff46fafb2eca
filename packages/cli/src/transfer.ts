import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { KvStore } from '@raptorflow/core';
import { compileGlob } from '@raptorflow/core/driver';
import { CliError, openStore } from './connect.js';
import { progress, summary } from './output.js';
import { keyPages, stopOnSigint } from './pages.js';
import {
  type Counters,
  type KvRecord,
  newCounters,
  parseRecord,
  readRecords,
  writeRecords,
} from './records.js';

/** One end of a transfer: a store (by URL, or the app's environment) or a JSON Lines file (`-`: stdin/stdout). */
export type Endpoint =
  | { kind: 'store'; url?: string | undefined; token?: string | undefined }
  | { kind: 'file'; path: string };

/** `migrate --from/--to` values: a URL is a store, `env` the app's environment, anything else a file. */
export function endpointOf(value: string, token?: string): Endpoint {
  if (value === 'env') return { kind: 'store' };
  if (/^(rediss?|redis-cluster|https?):\/\//.test(value)) return { kind: 'store', url: value, token };
  return { kind: 'file', path: value.replace(/^file:/, '') };
}

/** Options of {@link transfer}. */
export interface TransferOptions {
  from: Endpoint;
  to: Endpoint;
  /** Glob (Redis MATCH) of the keys to copy. @default '*' */
  match: string;
  /** Keys per batch: one SCAN-and-read, one write. @default 500 */
  batch: number;
  /** A file where the position is saved after every batch. */
  cursor?: string | undefined;
  /** Continue from `cursor` instead of starting over. */
  resume: boolean;
  /** Show a progress bar on a terminal. */
  progress: boolean;
  /** Where the closing summary goes. */
  log: (line: string) => void;
  env?: Record<string, string | undefined>;
}

/** What a transfer did. */
export interface TransferResult {
  keys: number;
  skipped: number;
  errors: number;
  stopped: boolean;
  counters: Counters;
  seconds: number;
}

interface Cursor {
  from: string;
  to: string;
  match: string;
  /** SCAN pages done (store source) or lines done (file source). */
  position: number;
  keys: number;
}

const describe = (e: Endpoint): string => (e.kind === 'file' ? `file:${e.path}` : (e.url ?? 'env'));

function readCursor(options: TransferOptions): Cursor | undefined {
  if (!options.resume) return undefined;
  if (!options.cursor) throw new CliError('--resume needs --cursor <file>');
  if (!existsSync(options.cursor))
    throw new CliError(`--resume: the cursor file ${options.cursor} does not exist`);
  const cursor = JSON.parse(readFileSync(options.cursor, 'utf8')) as Cursor;
  const expected = { from: describe(options.from), to: describe(options.to), match: options.match };
  for (const field of Object.keys(expected) as Array<keyof typeof expected>) {
    if (cursor[field] !== expected[field]) {
      throw new CliError(
        `--resume: the cursor was saved for --${field} ${cursor[field]}, not ${expected[field]}`,
      );
    }
  }
  return cursor;
}

async function saveCursor(path: string, cursor: Cursor): Promise<void> {
  // Written beside and renamed: a Ctrl-C or crash mid-write never leaves half a cursor.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(cursor)}\n`);
  await rename(`${path}.tmp`, path);
}

/** A sink of records: a store, or a JSON Lines stream with backpressure. */
interface Sink {
  write(records: KvRecord[], lines: string[]): Promise<{ written: number; errors: number }>;
  close(): Promise<void>;
}

function write(stream: Writable, text: string): Promise<void> {
  return stream.write(text) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', resolve));
}

async function openSink(
  to: Endpoint,
  append: boolean,
  counters: Counters,
  env: Record<string, string | undefined>,
  log: (l: string) => void,
): Promise<Sink> {
  if (to.kind === 'file') {
    const stream =
      to.path === '-' ? process.stdout : createWriteStream(to.path, { flags: append ? 'a' : 'w' });
    // `raptorflow export | head`: the reader left; stop quietly, as Unix tools do.
    if (stream === process.stdout) {
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
    }
    return {
      async write(records, lines) {
        if (lines.length > 0) await write(stream, `${lines.join('\n')}\n`);
        return { written: records.length, errors: 0 };
      },
      close: () =>
        stream === process.stdout
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) =>
              (stream as Writable).end((e?: Error | null) => (e ? reject(e) : resolve())),
            ),
    };
  }
  const { store } = await openStore(to, env);
  return {
    async write(records) {
      const { written, errors } = await writeRecords(store, records, counters);
      for (const { key, error } of errors.slice(0, 3))
        log(`write failed for ${JSON.stringify(key)}: ${error.message}`);
      return { written, errors: errors.length };
    },
    close: () => store.close(),
  };
}

/** Batches of records from the source, with the position after each batch. */
async function* sourceBatches(
  from: Endpoint,
  options: TransferOptions,
  start: number,
  counters: Counters,
  stopped: () => boolean,
  source: { store?: KvStore },
): AsyncGenerator<{ records: KvRecord[]; position: number; skipped: number; fileBytes?: number }> {
  if (from.kind === 'store') {
    const { store } = await openStore(from, options.env);
    source.store = store;
    for await (const page of keyPages(
      store,
      { match: options.match, batch: options.batch, skipPages: start, stopped },
      counters,
    )) {
      const { records, skipped } = await readRecords(store, page.keys, counters);
      yield { records, position: page.pagesDone, skipped };
    }
    return;
  }
  const input = from.path === '-' ? process.stdin : createReadStream(from.path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const matches = compileGlob(options.match);
  let line = 0;
  // Bytes of the file read so far, for the progress bar (the file's size is its total).
  let fileBytes = 0;
  let batch: KvRecord[] = [];
  let skipped = 0;
  try {
    for await (const text of lines) {
      line++;
      fileBytes += Buffer.byteLength(text) + 1;
      if (line <= start || text.trim() === '') continue;
      let record: KvRecord;
      try {
        record = parseRecord(text);
      } catch (error) {
        // What came before the bad line is written first, so the cursor can resume right after a fix.
        if (batch.length + skipped > 0) yield { records: batch, position: line - 1, skipped, fileBytes };
        const why = error instanceof Error ? error.message : String(error);
        throw new CliError(`${from.path}:${line}: not a record (${why}); the lines before it were copied`);
      }
      if (matches(record.key)) batch.push(record);
      else skipped++;
      if (batch.length + skipped >= options.batch) {
        yield { records: batch, position: line, skipped, fileBytes };
        batch = [];
        skipped = 0;
        if (stopped()) return;
      }
    }
    if (batch.length + skipped > 0) yield { records: batch, position: line, skipped, fileBytes };
  } finally {
    lines.close();
  }
}

/**
 * Copy records from a store or a JSON Lines file to a store or a JSON Lines file, in bounded
 * batches (memory holds one batch), saving a cursor after each batch when asked, stopping
 * cleanly between batches on Ctrl-C.
 */
export async function transfer(options: TransferOptions): Promise<TransferResult> {
  const env = options.env ?? process.env;
  if (describe(options.from) === describe(options.to)) {
    throw new CliError(`--from and --to are the same (${describe(options.from)}): nothing to copy`);
  }
  if (options.from.kind === 'file' && options.from.path !== '-' && !existsSync(options.from.path)) {
    throw new CliError(`${options.from.path}: no such file`);
  }
  const counters = newCounters();
  const cursor = readCursor(options);
  const started = Date.now();
  const sigint = stopOnSigint();
  const total =
    options.from.kind === 'file' && options.from.path !== '-' ? statSync(options.from.path).size : 0;
  const bar = progress(options.progress, total, total > 0 ? 'bytes' : 'keys');
  const source: { store?: KvStore } = {};
  let sink: Sink | undefined;
  let keys = cursor?.keys ?? 0;
  let skipped = 0;
  let errors = 0;
  try {
    sink = await openSink(options.to, cursor !== undefined, counters, env, options.log);
    for await (const batch of sourceBatches(
      options.from,
      options,
      cursor?.position ?? 0,
      counters,
      sigint.stopped,
      source,
    )) {
      const lines = batch.records.map((r) => JSON.stringify(r));
      const size = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      counters.bytesRead += size;
      const result = await sink.write(batch.records, lines);
      counters.bytesWritten += size;
      keys += result.written;
      errors += result.errors;
      skipped += batch.skipped + (batch.records.length - result.written - result.errors);
      if (options.cursor) {
        await saveCursor(options.cursor, {
          from: describe(options.from),
          to: describe(options.to),
          match: options.match,
          position: batch.position,
          keys,
        });
      }
      bar.update(total > 0 ? Math.min(batch.fileBytes ?? counters.bytesRead, total) : keys, { keys });
      if (sigint.stopped()) break;
    }
  } finally {
    bar.stop();
    sigint.dispose();
    await sink?.close();
    await source.store?.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const stopped = sigint.stopped();
  options.log(
    summary(
      `${stopped ? 'stopped' : 'done'}: ${keys} keys copied, ${skipped} skipped, ${errors} failed`,
      counters,
      seconds,
      keys,
    ),
  );
  if (stopped && options.cursor)
    options.log(`resume with the same command and --resume (cursor: ${options.cursor})`);
  return { keys, skipped, errors, stopped, counters, seconds };
}
