import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import type { z } from 'zod';
import { SESSION_ERRORS } from './errors.js';
import type { SessionData } from './options.js';
import { DATA } from './scripts/index.js';

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

/** Field/value pairs (`d.<name>`, JSON) to set, and field names to delete (an `undefined` value). */
export function encodeData(where: string, data: unknown): { set: string[]; remove: string[] } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalidArgument(where, `data: expected an object of named values, got ${describeValue(data)}`);
  }
  const set: string[] = [];
  const remove: string[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (name === '' || !name.isWellFormed() || name.includes('\0'))
      throw invalidArgument(where, `data: a field name must be a non-empty string without NUL`);
    if (value === undefined) {
      remove.push(DATA + name);
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
    set.push(DATA + name, json);
  }
  return { set, remove };
}

/** The data of a record's fields (JSON by name), or `undefined` when a field is not JSON. */
export function decodeData(fields: Readonly<Record<string, string>>): SessionData | undefined {
  // One JSON.parse of the whole object instead of one per field: each value is JSON text already.
  let text = '{';
  for (const name in fields) text += `${text.length > 1 ? ',' : ''}${JSON.stringify(name)}:${fields[name]}`;
  try {
    const out = JSON.parse(`${text}}`) as unknown;
    return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as SessionData) : undefined;
  } catch {
    return undefined;
  }
}
