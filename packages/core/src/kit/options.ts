import type { z } from 'zod';
import { KvError } from '../errors.js';

/**
 * Validate a factory's options once, at construction, with a zod schema. A bad option is
 * `E_INVALID_OPTIONS` whose message names the field in one format for every package:
 * `<where>: <field>: <problem>` (`createCache: namespaces.user.ttl: expected a duration…`).
 * The zod error is kept as `cause`.
 *
 * `where` is the public name the caller used (`withL1`, `createRateLimiter`), so the message
 * points at their call, not at ours.
 */
export function parseOptions<S extends z.ZodType>(where: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input === undefined ? {} : input);
  if (parsed.success) return parsed.data;
  throw invalidOptions(where, parsed.error);
}

/** The `E_INVALID_OPTIONS` of a failed zod parse: the first issue, with the field it concerns. */
export function invalidOptions(where: string, error: z.ZodError): KvError {
  const { field, problem } = firstIssue(error);
  return new KvError('E_INVALID_OPTIONS', `${where}: ${field}: ${problem}`, { cause: error });
}

/**
 * The first issue of a zod error as a field and a problem: the one place that reads zod issues,
 * also for messages that are not about options (a stored value failing its schema). The field is
 * the path joined with `.` (an unknown key: `<path>.<key>`, whose problem is `unknownKey`), or
 * `root` when there is no path.
 */
export function firstIssue(
  error: z.ZodError,
  root = '(options)',
  unknownKey = 'is not an option',
): { field: string; problem: string } {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
  const field = [path, unknown].filter(Boolean).join('.') || root;
  const problem = issue?.code === 'unrecognized_keys' ? unknownKey : (issue?.message ?? 'is invalid');
  return { field, problem };
}

/** `E_INVALID_OPTIONS` for a rule a schema cannot express, in the same format. */
export function optionError(where: string, field: string, problem: string): KvError {
  return new KvError('E_INVALID_OPTIONS', `${where}: ${field}: ${problem}`);
}

/** `E_INVALID_ARGUMENT` for a bad per-call argument, in the same `<where>: ` format. */
export function invalidArgument(where: string, problem: string): KvError {
  return new KvError('E_INVALID_ARGUMENT', `${where}: ${problem}`);
}
