import { KvError } from '@raptorflow/core';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';

/** Deepest argument structure a default key follows, so a key never recurses without bound. */
const MAX_DEPTH = 64;

/**
 * The text `cached` hashes into its default key: the JSON of the arguments, as before, when
 * JSON carries them faithfully; otherwise a typed form that starts with `~` (a JSON array never
 * does), so `f(undefined)` and `f(null)` (both `[null]` in JSON), `f(-0)` and `f(0)`,
 * `f(1n)` and `f('1')` get entries of their own. Functions, symbols and cycles cannot name a
 * result: `E_INVALID_ARGUMENT` (pass a `key` function).
 */
export function argumentsText(args: readonly unknown[]): string {
  let faithful = true;
  let json: string | undefined;
  try {
    json = JSON.stringify(args, function (this: unknown, _key: string, value: unknown): unknown {
      if (!faithful) return undefined;
      const t = typeof value;
      if (
        t === 'undefined' ||
        t === 'bigint' ||
        t === 'function' ||
        t === 'symbol' ||
        (t === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) ||
        (t === 'object' && value !== null && !Array.isArray(value) && !plain(value as object))
      ) {
        faithful = false;
      }
      return value;
    });
  } catch {
    faithful = false;
  }
  if (faithful && json !== undefined) return json;
  return `~${typed(args, 0, [])}`;
}

/** A plain object or one whose `toJSON` speaks for it (a Date): JSON keeps what it holds. */
function plain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return true;
  return typeof (value as { toJSON?: unknown }).toJSON === 'function' && !ArrayBuffer.isView(value);
}

function callToJSON(toJSON: (this: object) => unknown, value: object): unknown {
  try {
    return toJSON.call(value);
  } catch (error) {
    throw new KvError('E_INVALID_ARGUMENT', "cached: an argument's toJSON threw: pass a key function", {
      cause: error,
    });
  }
}

function typed(value: unknown, depth: number, path: unknown[]): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return Object.is(value, -0) ? 'n-0' : `n${value}`;
    case 'bigint':
      return `b${value}`;
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'z';
      if (depth >= MAX_DEPTH || path.includes(value)) {
        throw invalidArgument(
          'cached',
          'an argument is cyclic or nested too deep to key: pass a key function',
        );
      }
      path.push(value);
      try {
        if (Array.isArray(value)) {
          let out = '[';
          for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${typed(value[i], depth + 1, path)}`;
          return `${out}]`;
        }
        if (value instanceof Map) return `M${typed([...value], depth + 1, path)}`;
        if (value instanceof Set) return `S${typed([...value], depth + 1, path)}`;
        if (value instanceof RegExp || value instanceof Error) return `r${JSON.stringify(String(value))}`;
        if (ArrayBuffer.isView(value)) {
          return `B${JSON.stringify(Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)))}`;
        }
        const toJSON = (value as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function')
          return `j${typed(callToJSON(toJSON as (this: object) => unknown, value), depth + 1, path)}`;
        let out = '{';
        for (const [k, v] of Object.entries(value))
          out += `${JSON.stringify(k)}:${typed(v, depth + 1, path)},`;
        return `${out}}`;
      } finally {
        path.pop();
      }
    }
    default:
      throw invalidArgument('cached', `cannot key an argument ${describeValue(value)}: pass a key function`);
  }
}
