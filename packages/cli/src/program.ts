import { Command, InvalidArgumentError, Option } from 'commander';
import { audit, cleanup, findingCount, formatAudit } from './commands/audit.js';
import { flush, ratelimitReset } from './commands/flush.js';
import { health } from './commands/health.js';
import { keysFromEnv, reencrypt } from './commands/reencrypt.js';
import { sessionRevokeUser } from './commands/session.js';
import { stats } from './commands/stats.js';
import { CliError, type OpenStore, openStore } from './connect.js';
import { stopOnSigint } from './pages.js';
import { endpointOf, transfer } from './transfer.js';

const VERSION = '0.0.0';

/** Where a run's output goes (stdout and stderr by default; tests and embedders pass their own). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

interface Global {
  url?: string;
  token?: string;
  batch: number;
  progress: boolean;
}

/** The `raptorflow` program. `io` receives its output; the exit code is `run`'s result. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('raptorflow')
    .description(
      'Operate a RaptorFlow KV store: health, stats, audit, cleanup, export/import, migrate, flush.',
    )
    .version(VERSION)
    .addOption(
      new Option(
        '--url <url>',
        'redis://, rediss://, redis-cluster://host:port,… or an Upstash https:// URL (default: the app environment, kvFromEnv)',
      ).env('RAPTORFLOW_URL'),
    )
    .addOption(new Option('--token <token>', 'Upstash REST token').env('UPSTASH_REDIS_REST_TOKEN'))
    .option(
      '--batch <n>',
      'keys per batch (one SCAN page and one read or write round trip)',
      positiveInt('--batch'),
      500,
    )
    .option('--no-progress', 'no progress bar')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  const global = (): Global => program.opts<Global>();
  /** Open the global store, run, close it; Ctrl-C stops between batches. */
  const withStore = async (fn: (open: OpenStore, stopped: () => boolean) => Promise<number>) => {
    const g = global();
    const open = await openStore({ url: g.url, token: g.token }, io.env);
    const sigint = stopOnSigint();
    try {
      setExit(await fn(open, sigint.stopped));
    } finally {
      sigint.dispose();
      await open.store.close();
    }
  };

  program
    .command('health')
    .description('PING latency, and server figures where the store has them')
    .option('--samples <n>', 'PINGs to time', positiveInt('--samples'), 5)
    .action((o: { samples: number }) =>
      withStore(({ store, where }) => health(store, where, o.samples, io.out)),
    );

  program
    .command('stats')
    .description('keys per prefix, and memory where the store reports it')
    .option('--match <glob>', 'only keys matching this Redis glob', '*')
    .option('--depth <n>', 'prefix depth in `:`-separated parts', positiveInt('--depth'), 2)
    .action((o: { match: string; depth: number }) =>
      withStore(async ({ store }, stopped) => {
        await stats(store, { ...o, batch: global().batch, stopped }, io.out);
        return 0;
      }),
    );

  const auditOptions = (c: Command) =>
    c
      .option('--match <glob>', 'only keys matching this Redis glob', '*')
      .option('--known <prefix>', 'a prefix the app owns (repeat); default rf:', collect)
      .option(
        '--allow-no-ttl <glob>',
        'keys that may live without a TTL (repeat); default rf:locks:*:fence',
        collect,
      )
      .option('--lock-prefix <prefix>', 'where @raptorflow/locks keeps its keys', 'rf:locks:')
      .option('--session-prefix <prefix>', 'where session keys live', 'rf:session:')
      .option(
        '--max-bytes <n>',
        'a key this large (its JSON Lines record) is a finding',
        positiveInt('--max-bytes'),
        1_000_000,
      )
      .option('--top <n>', 'largest keys listed, and examples per finding', positiveInt('--top'), 10);
  type AuditFlags = {
    match: string;
    known?: string[];
    allowNoTtl?: string[];
    lockPrefix: string;
    sessionPrefix: string;
    maxBytes: number;
    top: number;
  };
  const auditSettings = (o: AuditFlags, stopped: () => boolean) => ({
    ...o,
    known: o.known ?? ['rf:'],
    allowNoTtl: o.allowNoTtl ?? [`${o.lockPrefix}*:fence`],
    batch: global().batch,
    stopped,
  });

  auditOptions(program.command('audit'))
    .description(
      'keys without TTL, outside known prefixes, the largest, leftover locks and sessions; exit 1 on findings',
    )
    .option('--json', 'print the report as JSON')
    .action((o: AuditFlags & { json?: boolean }) =>
      withStore(async ({ store }, stopped) => {
        const settings = auditSettings(o, stopped);
        const report = await audit(store, settings);
        if (o.json) io.out(JSON.stringify({ ...report, findings: findingCount(report) }));
        else for (const line of formatAudit(report, settings)) io.out(line);
        return findingCount(report) > 0 ? 1 : 0;
      }),
    );

  auditOptions(program.command('cleanup'))
    .description(
      'remove the leftovers audit reports (locks and sessions that never expire); a dry run unless --apply',
    )
    .option('--apply', 'really remove them')
    .action((o: AuditFlags & { apply?: boolean }) =>
      withStore(async ({ store }, stopped) => {
        await cleanup(store, { ...auditSettings(o, stopped), apply: o.apply === true }, io.out);
        return 0;
      }),
    );

  const transferTail = (c: Command) =>
    c
      .option('--match <glob>', 'only keys matching this Redis glob', '*')
      .option('--cursor <file>', 'save the position here after every batch')
      .option('--resume', 'continue from --cursor');
  type TransferFlags = { match: string; cursor?: string; resume?: boolean };
  const runTransfer = async (
    from: ReturnType<typeof endpointOf>,
    to: ReturnType<typeof endpointOf>,
    o: TransferFlags,
  ) => {
    const g = global();
    const result = await transfer({
      from,
      to,
      match: o.match,
      batch: g.batch,
      cursor: o.cursor,
      resume: o.resume === true,
      progress: g.progress,
      log: io.err,
      env: io.env,
    });
    setExit(result.errors > 0 ? 1 : result.stopped ? 130 : 0);
  };
  const here = () => ({ kind: 'store' as const, url: global().url, token: global().token });

  transferTail(program.command('export'))
    .description('write keys as JSON Lines (type, value, remaining TTL) to a file or stdout')
    .option('--out <file>', 'file to write; - for stdout', '-')
    .action((o: TransferFlags & { out: string }) => runTransfer(here(), { kind: 'file', path: o.out }, o));

  transferTail(program.command('import'))
    .description('read JSON Lines (from export) into the store; each key is replaced')
    .argument('<file>', 'file to read; - for stdin')
    .action((file: string, o: TransferFlags) => runTransfer({ kind: 'file', path: file }, here(), o));

  transferTail(program.command('migrate'))
    .description('copy keys between any two stores or JSON Lines files, in bounded batches, resumable')
    .requiredOption('--from <store|file>', 'a store URL, env (the app environment) or a .jsonl file')
    .requiredOption('--to <store|file>', 'a store URL, env or a .jsonl file')
    .option('--from-token <token>', 'the Upstash token for the source')
    .option('--to-token <token>', 'the Upstash token for the target')
    .action((o: TransferFlags & { from: string; to: string; fromToken?: string; toToken?: string }) =>
      runTransfer(
        endpointOf(o.from, o.fromToken ?? global().token),
        endpointOf(o.to, o.toToken ?? global().token),
        o,
      ),
    );

  program
    .command('flush')
    .description('delete every key under a prefix (SCAN + batched UNLINK; never FLUSHALL); asks unless --yes')
    .requiredOption('--prefix <prefix>', 'the prefix to empty')
    .option('--yes', 'do not ask')
    .action((o: { prefix: string; yes?: boolean }) =>
      withStore(async ({ store, where }, stopped) => {
        await flush(
          store,
          where,
          { prefix: o.prefix, yes: o.yes === true, batch: global().batch, stopped },
          io.out,
        );
        return 0;
      }),
    );

  program
    .command('ratelimit')
    .description('rate limit operations')
    .command('reset')
    .description("clear an identifier's counters under every limit")
    .argument('<identifier>', 'the identifier the limiter was called with')
    .option('--prefix <prefix>', 'the limiter prefix', 'rf:rl:')
    .action((identifier: string, o: { prefix: string }) =>
      withStore(async ({ store }) => {
        await ratelimitReset(store, { identifier, prefix: o.prefix, batch: global().batch }, io.out);
        return 0;
      }),
    );

  program
    .command('session')
    .description('session operations')
    .command('revoke-user')
    .description('end every session of one user (sign them out everywhere), in one script')
    .argument('<userId>', 'the user id the sessions were created with')
    .option('--prefix <prefix>', 'the sessions prefix', 'rf:session:')
    .action((userId: string, o: { prefix: string }) =>
      withStore(async ({ store }) => {
        await sessionRevokeUser(store, { userId, prefix: o.prefix }, io.out);
        return 0;
      }),
    );

  program
    .command('reencrypt')
    .description('move values of encryptedCodec to the current key (keys from RAPTORFLOW_ENCRYPTION_KEYS)')
    .requiredOption('--match <glob>', 'keys to look at (Redis glob)')
    .option(
      '--keys-env <name>',
      'the variable holding id=base64key,… (first is current)',
      'RAPTORFLOW_ENCRYPTION_KEYS',
    )
    .option('--dry-run', 'count only')
    .action((o: { match: string; keysEnv: string; dryRun?: boolean }) =>
      withStore(async ({ store }, stopped) => {
        const keys = keysFromEnv(io.env[o.keysEnv], o.keysEnv);
        const r = await reencrypt(
          store,
          { match: o.match, batch: global().batch, ...keys, dryRun: o.dryRun === true, stopped },
          io.out,
        );
        return r.unreadable > 0 ? 1 : 0;
      }),
    );

  return program;
}

/**
 * Run the CLI on `argv` (without node and the script), returning the exit code: 0 ok, 1
 * findings or a refused action, 2 a usage or connection error, 130 stopped by Ctrl-C.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.err(`raptorflow: ${error.message}`);
      return error.exitCode;
    }
    io.err(`raptorflow: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 2;
  }
}
