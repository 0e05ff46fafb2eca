import { type Codec, KvError } from '@raptorflow/core';

function lossy(what: string): KvError {
  return new KvError(
    'E_CODEC',
    `cache value: JSON cannot carry ${what}; convert it first (see README, Values)`,
  );
}

const OBJECT_PROTO = Object.prototype;

/**
 * The JSON.stringify replacer that refuses what JSON would change without a word. It runs on
 * every node JSON.stringify already visits, so the check adds no walk of its own (measured in
 * README, Values). `this[key]` is the value before `toJSON` (a Buffer's bytes, a Date).
 */
function refuseLossy(this: Record<string, unknown>, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw lossy(`${value} (it would become null)`);
      if (value === 0 && 1 / value < 0) throw lossy('-0 (it would become 0)');
      return value;
    case 'object': {
      if (value === null || Array.isArray(value)) return value;
      const proto = Object.getPrototypeOf(value);
      if (proto === OBJECT_PROTO || proto === null) {
        const original = this[key];
        // A Buffer's toJSON gives { type, data }: read back as that object, not as bytes.
        if (original !== value && ArrayBuffer.isView(original)) throw lossy('bytes (a Buffer)');
        return value;
      }
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw lossy('bytes (a typed array)');
      if (value instanceof Map || value instanceof Set) throw lossy(`a ${value.constructor.name}`);
      if (value instanceof RegExp || value instanceof Error)
        throw lossy(`a ${value.constructor.name} (it would become {})`);
      if (value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise) {
        throw lossy(`a ${value.constructor.name}`);
      }
      // Class instances keep their own enumerable fields (documented): the prototype is not stored.
      return value;
    }
    case 'undefined':
      // The top-level `undefined` is carried by the entry's `u` flag, never reaches here.
      throw lossy(
        `undefined inside a value (an array slot becomes null, a field disappears) at ${describeKey(key)}`,
      );
    case 'bigint':
      throw lossy('a BigInt');
    default:
      throw lossy(`a ${typeof value} at ${describeKey(key)}`);
  }
}

function describeKey(key: string): string {
  return key === '' ? 'the top level' : `"${key.length > 40 ? `${key.slice(0, 40)}…` : key}"`;
}

/**
 * The cache's default value codec: JSON that refuses, with `E_CODEC`, every value it would not
 * read back as written: `undefined` inside arrays and objects, functions, symbols, BigInt,
 * `NaN`, `±Infinity`, `-0`, Map, Set, typed arrays, Buffers, RegExp, Error, and cycles (a
 * `TypeError` from JSON.stringify before). A Date is stored as its ISO string and read back as
 * that string, as `toJSON` says; a class instance as its own enumerable fields.
 */
export function strictJsonCodec(): Codec<unknown> {
  return {
    name: 'json',
    encode(value: unknown): string {
      let out: string | undefined;
      try {
        out = JSON.stringify(value, refuseLossy);
      } catch (error) {
        if (error instanceof KvError) throw error;
        // A cycle, or a toJSON that throws: still the codec's failure, with its cause.
        throw new KvError('E_CODEC', `cache value: JSON.stringify failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
      if (out === undefined) throw lossy(typeof value);
      return out;
    },
    decode(stored: string): unknown {
      try {
        return JSON.parse(stored);
      } catch (error) {
        throw new KvError('E_CODEC', `stored value is not valid JSON (${stored.length} chars)`, {
          cause: error,
        });
      }
    },
  };
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'a non-Error was thrown';
  } catch {
    return 'an unreadable error';
  }
}
