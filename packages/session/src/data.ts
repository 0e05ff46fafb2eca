import { KvError } from '@raptorflow/core';
import type { AsyncCodec } from '@raptorflow/core/codecs';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import type { z } from 'zod';
import { SESSION_ERRORS } from './errors.js';
import type { SessionData } from './options.js';

/** Check data against the schema (when there is one) and return the parsed value. */
export function validate<D>(where: string, schema: z.ZodType | undefined, data: unknown): D {
  if (schema === undefined) return data as D;
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data as D;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') || '(data)';
  throw SESSION_ERRORS.error(
    'E_SESSION_INVALID_DATA',
    `${where}: ${path}: ${issue?.message ?? 'is invalid'}`,
    {
      cause: parsed.error,
    },
  );
}

/**
 * The record's data members to set (`"name":<json>`, see `scripts/shared.ts`) and the members to
 * delete (`"name":`, an `undefined` value).
 */
export function encodeData(where: string, data: unknown): { set: string[]; remove: string[] } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalidArgument(where, `data: expected an object of named values, got ${describeValue(data)}`);
  }
  const set: string[] = [];
  const remove: string[] = [];
  for (const name of Object.keys(data)) {
    const value = (data as Record<string, unknown>)[name];
    if (name === '' || !name.isWellFormed() || name.includes('\0'))
      throw invalidArgument(where, `data: a field name must be a non-empty string without NUL`);
    const quoted = JSON.stringify(name);
    if (value === undefined) {
      remove.push(`${quoted}:`);
      continue;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw SESSION_ERRORS.error(
        'E_SESSION_INVALID_DATA',
        `${where}: ${name}: not JSON-serialisable (${String(error)})`,
        {
          cause: error,
        },
      );
    }
    if (json === undefined) {
      throw SESSION_ERRORS.error(
        'E_SESSION_INVALID_DATA',
        `${where}: ${name}: ${describeValue(value)} is not a JSON value`,
      );
    }
    set.push(`${quoted}:${json}`);
  }
  return { set, remove };
}

/** The data text of a new record: the members as a JSON object, separated by `,\n`. */
export function dataText(members: readonly string[]): string {
  return `{${members.join(',\n')}}`;
}

/** The data of a record's text, or `undefined` when it is not a JSON object. */
export function decodeData(text: string): SessionData | undefined {
  try {
    const out = JSON.parse(text) as unknown;
    return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as SessionData) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Encryption of data members at rest: each member `"name":<json>` is sealed whole by the codec
 * (the name inside the sealed text binds the value to its field) and stored as
 * `"name":"<sealed>"`, so the record stays a JSON object that `update` merges member by member.
 */
export async function sealMembers(codec: AsyncCodec<string>, members: readonly string[]): Promise<string[]> {
  return Promise.all(
    members.map(async (m) => {
      const colon = nameEnd(m);
      return `${m.slice(0, colon + 1)}${JSON.stringify(await codec.encode(m))}`;
    }),
  );
}

/** The index of the colon after a member's quoted name. */
function nameEnd(m: string): number {
  let i = 1;
  for (;;) {
    const q = m.indexOf('"', i);
    const b = m.indexOf('\\', i);
    if (b >= 0 && b < q) i = b + 2;
    else return q + 1;
  }
}

/**
 * The data of sealed members: every value must be a sealed member of the same name. Rejects with
 * `E_CODEC` (a wrong or unknown key, a tampered, truncated or plain value, a value moved to
 * another field name).
 */
export async function openData(codec: AsyncCodec<string>, text: string): Promise<SessionData> {
  const sealed = decodeData(text);
  if (sealed === undefined) throw new KvError('E_CODEC', 'session data is not a JSON object');
  const names = Object.keys(sealed);
  const members = await Promise.all(
    names.map(async (name) => {
      const value = sealed[name];
      if (typeof value !== 'string') throw new KvError('E_CODEC', `session data: ${name}: not encrypted`);
      const plain = await codec.decode(value);
      const quoted = JSON.stringify(name);
      if (!plain.startsWith(quoted) || plain.charCodeAt(quoted.length) !== 58 /* : */) {
        throw new KvError('E_CODEC', `session data: ${name}: the sealed value belongs to another field`);
      }
      return plain;
    }),
  );
  const out = decodeData(dataText(members));
  if (out === undefined) throw new KvError('E_CODEC', 'session data: a sealed value is not JSON');
  return out;
}
