import type {
  BatchEntry,
  Command,
  KvDriver,
  MessageHandler,
  ScanRequest,
  ScriptCall,
  Subscription,
} from './driver.js';

/** Escape the glob characters of a literal so it matches only itself in a Redis `MATCH` pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

function prefixCommand(command: Command, prefix: string): Command {
  const argv = command.argv.slice();
  for (const i of command.keys) argv[i] = prefix + argv[i];
  return { argv, keys: command.keys, readonly: command.readonly };
}

function prefixCall(call: ScriptCall, prefix: string): ScriptCall {
  return { script: call.script, keys: call.keys.map((k) => prefix + k), args: call.args };
}

/**
 * A driver whose keys, script KEYS, scans and channels live under `prefix`. Keys come back from
 * scans without the prefix, so a view cannot even learn the names of keys outside it.
 */
export function namespaceDriver(inner: KvDriver, prefix: string): KvDriver {
  const driver: KvDriver = {
    name: inner.name,
    capabilities: inner.capabilities,
    inner,
    prefix,
    command: (command) => inner.command(prefixCommand(command, prefix)),
    script: (call) => inner.script(prefixCall(call, prefix)),
    batch: (entries: readonly BatchEntry[]) =>
      inner.batch(
        entries.map(
          (e): BatchEntry =>
            'command' in e
              ? { command: prefixCommand(e.command, prefix) }
              : { call: prefixCall(e.call, prefix) },
        ),
      ),
    async *scan(request: ScanRequest) {
      const cut = prefix.length;
      for await (const page of inner.scan({ ...request, match: escapeGlob(prefix) + request.match })) {
        yield page.map((k) => k.slice(cut));
      }
    },
    close: async () => {},
  };
  if (inner.scriptSync) {
    const scriptSync = inner.scriptSync.bind(inner);
    driver.scriptSync = (call) => scriptSync(prefixCall(call, prefix));
  }
  if (inner.publish) {
    const publish = inner.publish.bind(inner);
    driver.publish = (channel, message) => publish(prefix + channel, message);
  }
  if (inner.subscribe) {
    const subscribe = inner.subscribe.bind(inner);
    driver.subscribe = (channels, handler: MessageHandler, events): Promise<Subscription> =>
      subscribe(
        channels.map((c) => prefix + c),
        (message, channel) => handler(message, channel.slice(prefix.length)),
        events,
      );
  }
  return driver;
}
