import { KvError, type KvStore, type Script } from '@raptorflow/core';
import type { ScriptOutcome } from './scripts/envelope.js';
import { encodeMany, type ManyCall, type ManyReply } from './scripts/many.js';

/*
 * Combining: the calls a limiter makes in one tick go to a shared store as one invocation of
 * the combined script (one EVALSHA with every call's keys and ARGV, checked in order) instead of
 * one each. On ioredis most of a check's client CPU is the command itself (building it, writing
 * it to the socket, parsing its reply), so N calls in one command cost far less than N commands,
 * and Redis runs one script instead of N.
 *
 * What each call keeps:
 * - atomicity: the combined script runs alone on Redis like any script, each call inside it as
 *   it would alone;
 * - order: calls are queued and sent in the order they were made; `flush()` sends the queue at
 *   once (the limiter's `reset` does, so a reset after a limit stays after it);
 * - its own result, and its own error (the script catches an error per call);
 * - its timeout: the limiter's deadline is on each call's own promise, from the moment it was made.
 *
 * A tick is "until the microtasks queued now have run" (`process.nextTick` where there is one),
 * so a reply that resumes many awaiting callers gathers all their next calls. Without it (edge
 * runtimes) the queue is sent in a microtask: still correct, fewer calls per command.
 *
 * On a Cluster the calls are grouped by their keys' hash tag (every call's keys share one), one
 * invocation per group; on a store without the Cluster capability there is one group.
 */

/**
 * Largest number of calls in one invocation. It bounds the time the script holds Redis, and it
 * keeps several invocations in flight when many calls are: while Redis runs one, the client
 * reads the replies of the one before and sends the next. One invocation of all 64 calls of a
 * tick left client and Redis taking turns, each idle while the other worked.
 */
export const MAX_COMBINED = 16;

interface Queued extends ManyCall {
  readonly resolve: (outcome: ScriptOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** The limiter's side of combining: `send` one call, `flush` what is queued now. */
export interface Combiner {
  send(keys: readonly string[], args: readonly string[]): Promise<ScriptOutcome>;
  flush(): void;
}

type Defer = (fn: () => void) => void;

/** `process.nextTick` where it exists (read from globalThis: no `node:` import), else a microtask. */
function deferOf(): Defer {
  const processLike = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process;
  const nextTick = processLike?.nextTick;
  if (typeof nextTick === 'function') return (fn) => nextTick.call(processLike, fn);
  return (fn) => queueMicrotask(fn);
}

/** The Cluster hash tag of a key (its first `{…}` with something inside), else the key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open + 1, close);
}

/**
 * A combiner that sends through `store`: a call alone by `single`, several by `many`. Hash tags
 * are read on the full key, the store's own prefix (a namespace view's, say `ws:{id}:`) included.
 */
export function createCombiner(
  store: KvStore,
  single: Script<ScriptOutcome>,
  many: Script<ManyReply>,
): Combiner {
  const defer = deferOf();
  const cluster = store.capabilities.cluster;
  const prefix = store.prefix;
  let queue: Queued[] = [];
  let scheduled = false;

  const sendOne = (call: Queued): void => {
    store.eval(single, call.keys, call.args).then(call.resolve, call.reject);
  };

  const sendGroup = (calls: readonly Queued[]): void => {
    for (let from = 0; from < calls.length; from += MAX_COMBINED) {
      const part = calls.length <= MAX_COMBINED ? calls : calls.slice(from, from + MAX_COMBINED);
      if (part.length === 1) {
        sendOne(part[0] as Queued);
        continue;
      }
      const { keys, args } = encodeMany(part);
      store.eval(many, keys, args).then(
        (replies) => {
          for (let i = 0; i < part.length; i++) {
            const call = part[i] as Queued;
            const reply = replies[i];
            if (reply === undefined)
              call.reject(new KvError('E_SCRIPT', `combined rate-limit reply has no entry ${i}`));
            else if (reply instanceof Error) call.reject(reply);
            else call.resolve(reply);
          }
        },
        (error: unknown) => {
          for (const call of part) call.reject(error);
        },
      );
    }
  };

  const flush = (): void => {
    scheduled = false;
    const calls = queue;
    if (calls.length === 0) return;
    queue = [];
    if (calls.length === 1) {
      sendOne(calls[0] as Queued);
      return;
    }
    if (!cluster) {
      sendGroup(calls);
      return;
    }
    const groups = new Map<string, Queued[]>();
    for (const call of calls) {
      const tag = hashTagOf(prefix + (call.keys[0] ?? ''));
      const group = groups.get(tag);
      if (group) group.push(call);
      else groups.set(tag, [call]);
    }
    for (const group of groups.values()) sendGroup(group);
  };

  return {
    send(keys, args) {
      return new Promise<ScriptOutcome>((resolve, reject) => {
        queue.push({ keys, args, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          defer(flush);
        }
      });
    },
    flush,
  };
}
