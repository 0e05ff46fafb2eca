import { defineScript, KvError, type KvErrorCode, type Reply, type Script } from '@raptorflow/core';
import { clockTwin } from './algorithm.js';
import type { EnvelopeTwin, ScriptOutcome } from './envelope.js';

/*
 * The combined script: several calls of one algorithm's envelope in one invocation, checked in
 * the order given, each on its own keys and ARGV, all at the one TIME reading of the invocation.
 * The limiter sends the calls made in one tick this way on a shared store (see `combine.ts`):
 * one EVALSHA instead of one per call. Each call is as atomic as alone (a script runs alone on
 * Redis), and each keeps its own result or error: a call that raises is caught (`pcall`), its
 * writes so far kept, as they would be alone, and the next call runs.
 *
 * KEYS: every call's keys, call after call.
 * ARGV: the number of calls, then for each call its key count, its ARGV count and its ARGV; an
 * ARGV count of 0 means "the previous call's ARGV again" (the common call, cost 1 with the
 * configured limits, is then two short strings).
 * Reply: one entry per call, the envelope's reply (see `envelope.ts`), or the text of the error
 * that call raised.
 */

/** One entry per call: its outcome, or the error it raised. */
export type ManyReply = Array<ScriptOutcome | KvError>;

/** A call of the combined script: its keys and ARGV as the single script takes them. */
export interface ManyCall {
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

const MANY_LUA = `
local calls = ARGV[1] + 0
local now = clock()
local replies = {}
local k, a = 0, 1
local args = {}
for c = 1, calls do
  local kc, ac = ARGV[a + 1] + 0, ARGV[a + 2] + 0
  a = a + 2
  if ac > 0 then
    args = {}
    for j = 1, ac do args[j] = ARGV[a + j] end
    a = a + ac
  end
  local ok, r = pcall(run, KEYS, k, args, now)
  k = k + kc
  if ok then
    replies[c] = r
  elseif type(r) == 'table' and r.err then
    replies[c] = r.err
  else
    replies[c] = tostring(r)
  end
end
return replies
`;

/** KEYS and ARGV of the combined script for `calls`, in order. */
export function encodeMany(calls: readonly ManyCall[]): { keys: string[]; args: string[] } {
  const keys: string[] = [];
  const args: string[] = [String(calls.length)];
  let previous: readonly string[] | undefined;
  for (const call of calls) {
    for (const key of call.keys) keys.push(key);
    if (call.args === previous) {
      args.push(String(call.keys.length), '0');
      continue;
    }
    args.push(String(call.keys.length), String(call.args.length));
    for (const a of call.args) args.push(a);
    previous = call.args;
  }
  return { keys, args };
}

/**
 * The code of an error a call raised inside the combined script, as core names the same text
 * anywhere else: a full store and a store that cannot write now are store failures (the
 * limiter's failure policy answers), a wrong type is `E_WRONG_TYPE`, anything else the script's.
 */
function codeOf(text: string): KvErrorCode {
  if (text.startsWith('OOM')) return 'E_STORE_FULL';
  if (text.startsWith('WRONGTYPE')) return 'E_WRONG_TYPE';
  if (/^(READONLY|LOADING|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN)\b/.test(text)) return 'E_COMMAND';
  return 'E_SCRIPT';
}

/** Parse the combined script's reply; shared by every adapter. */
export function parseMany(reply: Reply, parse: (reply: Reply) => ScriptOutcome): ManyReply {
  if (!Array.isArray(reply)) {
    throw new KvError('E_SCRIPT', `unexpected combined rate-limit reply: ${JSON.stringify(reply)}`);
  }
  return reply.map((r): ScriptOutcome | KvError =>
    typeof r === 'string' ? new KvError(codeOf(r), r) : parse(r),
  );
}

/** The combined script of one algorithm: `body` defines `run` and `clock`; `run` is its twin. */
export function defineManyScript(
  name: string,
  body: string,
  run: EnvelopeTwin,
  parse: (reply: Reply) => ScriptOutcome,
): Script<ManyReply> {
  return defineScript<ManyReply>({
    name,
    lua: `${body}\n${MANY_LUA}`,
    twin: (ctx, keys, args) => {
      const calls = Number(args[0]);
      const now = clockTwin(ctx);
      const replies: Array<number[] | string> = [];
      let k = 0;
      let a = 1;
      let callArgs: readonly string[] = [];
      for (let c = 0; c < calls; c++) {
        const kc = Number(args[a]);
        const ac = Number(args[a + 1]);
        a += 2;
        const callKeys = keys.slice(k, k + kc);
        k += kc;
        if (ac > 0) {
          callArgs = args.slice(a, a + ac);
          a += ac;
        }
        try {
          replies.push(run(ctx, callKeys, callArgs, now));
        } catch (error) {
          replies.push(error instanceof Error ? error.message : String(error));
        }
      }
      return replies;
    },
    parse: (reply) => parseMany(reply, parse),
  });
}
