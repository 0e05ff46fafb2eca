import type { Redis } from 'ioredis';
import { blockingError } from '../src/blocking.js';
import type { Command, KvDriver, Reply, ScriptCall } from '../src/driver.js';
import { fromReplyError, isKvError, KvError } from '../src/errors.js';

/**
 * A tiny test-local driver on a raw ioredis client (RESP2): replies exactly as Redis sends
 * them, errors through `fromReplyError`. The differential test and the suite's own check on
 * real Redis use it, so neither depends on the ioredis adapter.
 */
export function redisDriver(client: Redis): KvDriver {
  let closed = false;
  const mapError = (error: unknown): KvError =>
    isKvError(error) ? error : fromReplyError((error as Error).message, 'redis', error);
  const send = async (argv: readonly string[]): Promise<Reply> => {
    if (closed) throw new KvError('E_CLOSED', 'the store is closed', { adapter: 'redis' });
    try {
      return (await client.call(argv[0] as string, ...argv.slice(1))) as Reply;
    } catch (error) {
      throw mapError(error);
    }
  };
  const script = async (call: ScriptCall): Promise<Reply> => {
    const tail = [String(call.keys.length), ...call.keys, ...call.args];
    try {
      return await send(['EVALSHA', call.script.sha, ...tail]);
    } catch (error) {
      if (!(error as Error).message.includes('NOSCRIPT')) throw error;
      return send(['EVAL', call.script.lua, ...tail]);
    }
  };
  return {
    name: 'redis',
    capabilities: {
      pubsub: false,
      cluster: false,
      ttlGranularityMs: 1,
      maxValueBytes: 512 * 1024 * 1024,
      persistent: false,
      shared: true,
      blocking: false,
    },
    command: (command: Command) => {
      const blocking = blockingError(command.argv, 'redis');
      return blocking ? Promise.reject(blocking) : send(command.argv);
    },
    script,
    batch: async (entries) => {
      const out: Array<Reply | Error> = [];
      for (const e of entries) {
        try {
          const blocking = 'command' in e ? blockingError(e.command.argv, 'redis') : undefined;
          if (blocking) throw blocking;
          out.push('command' in e ? await send(e.command.argv) : await script(e.call));
        } catch (error) {
          out.push(error as Error);
        }
      }
      if (closed) throw new KvError('E_CLOSED', 'the store is closed', { adapter: 'redis' });
      return out;
    },
    async *scan(request) {
      let cursor = '0';
      do {
        const argv = ['SCAN', cursor, 'MATCH', request.match, 'COUNT', String(request.count)];
        if (request.type) argv.push('TYPE', request.type);
        const [next, keys] = (await send(argv)) as [string, string[]];
        cursor = next;
        yield keys;
      } while (cursor !== '0');
    },
    close: async () => {
      closed = true;
    },
  };
}
