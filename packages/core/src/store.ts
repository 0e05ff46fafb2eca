import { closable } from './closable.js';
import { COMMAND_NAMES, COMMANDS, checkString } from './commands.js';
import type { BatchEntry, Command, KvDriver, MessageHandler, Reply, Subscription } from './driver.js';
import { KvError } from './errors.js';
import { namespaceDriver } from './namespace.js';
import type { Script, ScriptArg } from './script.js';
import type { KvBatch, KvCommands, KvStore, ScanOptions, Settled } from './types.js';

/** Turn script ARGV into strings the same way on every adapter. */
export function encodeScriptArgs(args: readonly ScriptArg[] | undefined): string[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new KvError('E_INVALID_ARGUMENT', 'script arguments must be an array');
  const out: string[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'number') {
      if (!Number.isFinite(a)) throw new KvError('E_INVALID_ARGUMENT', `script argument ${i} must be finite`);
      out[i] = String(a);
    } else {
      out[i] = checkString(a, `script argument ${i}`);
    }
  }
  return out;
}

/**
 * Frozen arrays of strings already checked (well-formed; script ARGV within a store's size
 * limit). A frozen array cannot change, so a caller that reuses one per call (a rate limiter's
 * keys and ARGV) pays for the checks once. Anything else is checked on every call.
 */
interface Checked {
  /** Key lists whose keys are all well-formed strings. */
  readonly keys: WeakSet<readonly unknown[]>;
  /** ARGV lists of well-formed strings within the store's size limit (a separate set: keys are not size-checked). */
  readonly args: WeakSet<readonly unknown[]>;
}

/** A script built by `defineScript` (anything else would fail deep inside an adapter). */
function checkScript(script: unknown): Script<unknown> {
  const s = script as Partial<Script<unknown>> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.sha !== 'string' ||
    typeof s.lua !== 'string' ||
    typeof s.twin !== 'function' ||
    typeof s.parse !== 'function'
  ) {
    throw new KvError('E_INVALID_ARGUMENT', 'eval needs a script built by defineScript()');
  }
  return s as Script<unknown>;
}

function encodeScriptKeys(
  script: Script<unknown>,
  keys: readonly string[],
  checked: Checked,
): readonly string[] {
  if (!Array.isArray(keys)) {
    throw new KvError('E_INVALID_ARGUMENT', `script ${script.name}: keys must be an array of strings`);
  }
  if (script.keys !== undefined && keys.length !== script.keys) {
    throw new KvError(
      'E_INVALID_ARGUMENT',
      `script ${script.name} takes ${script.keys} keys, got ${keys.length}`,
    );
  }
  if (checked.keys.has(keys)) return keys;
  for (const k of keys) checkString(k, 'key');
  if (Object.isFrozen(keys)) checked.keys.add(keys);
  return keys;
}

/** ARGV as strings, checked for well-formedness and against the store's size limit. */
function scriptArgs(
  args: readonly ScriptArg[] | undefined,
  guard: (argv: readonly string[]) => void,
  checked: Checked,
): readonly string[] {
  if (args !== undefined && checked.args.has(args)) return args as readonly string[];
  const out = encodeScriptArgs(args);
  guard(out);
  if (args === undefined || !Object.isFrozen(args)) return out;
  for (const a of args) if (typeof a !== 'string') return out;
  // Every entry was a string, so `out` equals `args`: remember and reuse the frozen one.
  checked.args.add(args);
  return args as readonly string[];
}

/** Checks every argument against the store's value size limit, in bytes of UTF-8. */
function sizeGuard(driver: KvDriver): (argv: readonly string[]) => void {
  const max = driver.capabilities.maxValueBytes;
  const encoder = new TextEncoder();
  return (argv) => {
    for (let i = 1; i < argv.length; i++) {
      const s = argv[i] as string;
      // A UTF-16 unit is at most 3 bytes of UTF-8: only long strings need an exact count.
      if (s.length * 3 <= max) continue;
      const bytes = s.length > max ? s.length : encoder.encode(s).length;
      if (bytes > max) {
        throw new KvError(
          'E_VALUE_TOO_LARGE',
          `an argument of ${argv[0]} has ${bytes} bytes or more; ${driver.name} accepts at most ${max}`,
          { adapter: driver.name },
        );
      }
    }
  };
}

/**
 * Build the typed store on top of a driver. Adapters call this once; layers wrap the driver
 * and call it again, so every stack has the same methods, checks and parsers.
 */
export function createStore(driverIn: KvDriver, prefix = ''): KvStore {
  // A namespace view is its store's own: its calls reach the store's guard, and closing it is a no-op.
  const driver = driverIn.prefix === undefined ? closable(driverIn) : driverIn;
  const guard = sizeGuard(driver);
  // Per store: the size limit differs from one driver to another.
  const checked: Checked = { keys: new WeakSet(), args: new WeakSet() };

  /** The checked call of `eval` and `evalSync`; throws a KvError on bad input. */
  const scriptCall = (script: Script<unknown>, keys: readonly string[], args?: readonly ScriptArg[]) => ({
    script: checkScript(script),
    keys: encodeScriptKeys(script, keys, checked),
    args: scriptArgs(args, guard, checked),
  });

  // Only when the whole chain runs scripts in-process (see KvDriver.scriptSync).
  const scriptSync = driver.scriptSync;
  const evalSync: KvStore['evalSync'] = scriptSync
    ? <R>(script: Script<R>, keys: readonly string[], args?: readonly ScriptArg[]): R =>
        script.parse(scriptSync.call(driver, scriptCall(script, keys, args)))
    : undefined;

  const store = {
    name: driver.name,
    capabilities: driver.capabilities,
    driver,
    prefix,
    scan(options: ScanOptions = {}): AsyncIterable<string> {
      const match = options.match ?? '*';
      const count = options.count ?? 100;
      checkString(match, 'match');
      if (!Number.isSafeInteger(count) || count <= 0) {
        throw new KvError('E_INVALID_ARGUMENT', 'scan count must be a whole number > 0');
      }
      const pages = driver.scan({ match, count, type: options.type });
      return (async function* () {
        for await (const page of pages) yield* page;
      })();
    },
    eval<R>(script: Script<R>, keys: readonly string[], args?: readonly ScriptArg[]): Promise<R> {
      try {
        return driver.script(scriptCall(script, keys, args)).then(script.parse);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    evalSync,
    batch(): KvBatch {
      return createBatch(driver, guard, checked);
    },
    publish(channel: string, message: string): Promise<number> {
      if (!driver.publish) return Promise.reject(unsupported(driver, 'publish'));
      try {
        return driver.publish(checkString(channel, 'channel'), checkString(message, 'message'));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    subscribe(channels: string | readonly string[], handler: MessageHandler): Promise<Subscription> {
      if (!driver.subscribe) return Promise.reject(unsupported(driver, 'subscribe'));
      try {
        const list = typeof channels === 'string' ? [channels] : channels;
        if (!Array.isArray(list))
          throw new KvError('E_INVALID_ARGUMENT', 'subscribe needs a channel or an array of channels');
        if (list.length === 0)
          throw new KvError('E_INVALID_ARGUMENT', 'subscribe needs at least one channel');
        for (const c of list) checkString(c, 'channel');
        if (typeof handler !== 'function')
          throw new KvError('E_INVALID_ARGUMENT', 'handler must be a function');
        return driver.subscribe(list, handler);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async ping(): Promise<void> {
      await driver.command({ argv: ['PING'], keys: [], readonly: true });
    },
    async time(): Promise<number> {
      const reply = await driver.command({ argv: ['TIME'], keys: [], readonly: true });
      if (!Array.isArray(reply) || reply.length !== 2)
        throw new KvError('E_COMMAND', 'unexpected TIME reply');
      return Number(reply[0]) * 1000 + Number(reply[1]) / 1000;
    },
    namespace(sub: string): KvStore {
      checkString(sub, 'prefix');
      if (sub.length === 0) throw new KvError('E_INVALID_ARGUMENT', 'a namespace prefix must not be empty');
      return createStore(namespaceDriver(driver, sub), prefix + sub);
    },
    close(): Promise<void> {
      return driver.close();
    },
  } as Omit<KvStore, keyof KvCommands> & Partial<KvCommands>;

  const target = store as unknown as Record<string, unknown>;
  for (const name of COMMAND_NAMES) {
    const { encode, decode } = COMMANDS[name] as unknown as {
      encode: (...args: unknown[]) => Command;
      decode: (reply: Reply) => unknown;
    };
    target[name] = (...args: unknown[]): Promise<unknown> => {
      let command: Command;
      try {
        command = encode(...args);
        // The size guard throws too: keep it inside the try so every failure is a rejection.
        guard(command.argv);
      } catch (error) {
        return Promise.reject(error);
      }
      return driver.command(command).then(decode);
    };
  }
  return store as KvStore;
}

function unsupported(driver: KvDriver, what: string): KvError {
  return new KvError('E_UNSUPPORTED', `${what} needs capabilities.pubsub`, { adapter: driver.name });
}

type Decoder = (reply: Reply) => unknown;

function createBatch(driver: KvDriver, guard: (argv: readonly string[]) => void, checked: Checked): KvBatch {
  const entries: BatchEntry[] = [];
  const decoders: Decoder[] = [];
  const batch: Record<string, unknown> = {
    get length() {
      return entries.length;
    },
    eval(script: Script<unknown>, keys: readonly string[], args?: readonly ScriptArg[]) {
      const call = {
        script: checkScript(script),
        keys: encodeScriptKeys(script, keys, checked),
        args: scriptArgs(args, guard, checked),
      };
      entries.push({ call });
      decoders.push(script.parse);
      return batch;
    },
    async execSettled(): Promise<Settled<unknown>[]> {
      if (entries.length === 0) return [];
      const replies = await driver.batch(entries.slice());
      return replies.map((reply, i): Settled<unknown> => {
        if (reply instanceof Error) return { ok: false, error: reply };
        try {
          return { ok: true, value: (decoders[i] as Decoder)(reply) };
        } catch (error) {
          return { ok: false, error: error as Error };
        }
      });
    },
    async exec(): Promise<unknown[]> {
      const settled = (await (
        batch.execSettled as () => Promise<Settled<unknown>[]>
      )()) as Settled<unknown>[];
      const values: unknown[] = new Array(settled.length);
      for (let i = 0; i < settled.length; i++) {
        const s = settled[i] as Settled<unknown>;
        if (!s.ok) throw s.error;
        values[i] = s.value;
      }
      return values;
    },
  };
  for (const name of COMMAND_NAMES) {
    const { encode, decode } = COMMANDS[name] as unknown as {
      encode: (...a: unknown[]) => Command;
      decode: Decoder;
    };
    batch[name] = (...args: unknown[]) => {
      const command = encode(...args);
      guard(command.argv);
      entries.push({ command });
      decoders.push(decode);
      return batch;
    };
  }
  return batch as unknown as KvBatch;
}
