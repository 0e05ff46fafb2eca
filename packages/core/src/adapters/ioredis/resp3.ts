import { COMMAND_TRAITS } from '../../commands.js';
import type { Reply } from '../../driver.js';

/**
 * How a client's replies must be reshaped to RESP2:
 * - `none`: RESP2 on the wire (ioredis 5, or ioredis 6 with `protocol: 2`).
 * - `legacy`: RESP3 with ioredis 6's default `replyMapping: 'legacy'`, which already flattens
 *   maps, turns doubles into strings and booleans into 1/0, but keeps RESP3's nested
 *   `[member, score]` pairs.
 * - `resp3`: RESP3 with `replyMapping: 'resp3'`: maps arrive as objects, doubles as numbers,
 *   booleans as `true`/`false`.
 */
export type ReplyMode = 'none' | 'legacy' | 'resp3';

/**
 * A double as Redis 7.0 writes it (`%.17g`; `inf`, `-inf`, `nan`). Parsing it gives back the
 * same number, so the command table's parsers see what a RESP2 client would have seen.
 */
export function formatDouble(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (Number.isNaN(n)) return 'nan';
  if (Number.isInteger(n) && Math.abs(n) < 1e17) return String(n);
  const [mantissa = '0', e = '0'] = n.toExponential(16).split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 17) {
    const sign = exp < 0 ? '-' : '+';
    return `${trimZeros(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trimZeros(n.toFixed(Math.max(0, 16 - exp)));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Any RESP3-mapped value as its RESP2 shape. `doubles`: numbers are doubles here (the command's `doubles` trait). */
function toResp2(value: unknown, doubles: boolean): Reply {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      // A non-integral number can only be a RESP3 double: RESP2 sent those as bulk strings.
      return doubles || !Number.isInteger(value) ? formatDouble(value) : value;
    case 'boolean':
      // Redis turns a RESP3 boolean into :1 / :0 for RESP2 clients.
      return value ? 1 : 0;
    case 'bigint':
      // RESP3 big numbers have no RESP2 form; Redis sends them as bulk strings.
      return value.toString();
    default:
      break;
  }
  if (Array.isArray(value)) {
    const out: Reply[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toResp2(value[i], doubles);
    return out;
  }
  if (value instanceof Set) return toResp2([...value], doubles);
  if (value instanceof Map) {
    const out: Reply[] = [];
    for (const [k, v] of value) out.push(toResp2(k, false), toResp2(v, doubles));
    return out;
  }
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value === 'object') {
    // A RESP3 map decoded as a plain object (or a VerbatimString, which has `toString`).
    if (typeof (value as { format?: unknown }).format === 'string') return String(value);
    const out: Reply[] = [];
    for (const k of Object.keys(value)) {
      out.push(k, toResp2((value as Record<string, unknown>)[k], doubles));
    }
    return out;
  }
  return String(value);
}

/** RESP3's `[[member, score], ...]` as RESP2's `[member, score, ...]`. */
function flattenPairs(reply: Reply): Reply {
  if (!Array.isArray(reply) || reply.length === 0 || !Array.isArray(reply[0])) return reply;
  const out: Reply[] = [];
  for (const pair of reply) {
    if (Array.isArray(pair)) out.push(...pair);
    else out.push(pair);
  }
  return out;
}

/**
 * Reshape one reply of `command` (upper case) to RESP2 under `mode`. Called only for clients
 * that speak RESP3; RESP2 clients skip it entirely.
 */
export function normaliseReply(command: string, reply: unknown, mode: ReplyMode): Reply {
  if (mode === 'none') return reply as Reply;
  const traits = COMMAND_TRAITS[command];
  const value = mode === 'resp3' ? toResp2(reply, traits?.doubles === true) : (reply as Reply);
  return traits?.pairs ? flattenPairs(value) : value;
}
