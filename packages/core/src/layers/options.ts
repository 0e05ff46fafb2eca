import type { z } from 'zod';
import { KvError } from '../errors.js';

/**
 * Validate a layer's options once, at construction. A bad option is `E_INVALID_OPTIONS` whose
 * message names the field (`withL1: ttl: Too small: expected number to be >0`).
 */
export function parseLayerOptions<S extends z.ZodType>(
  layer: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : '(options)';
  throw new KvError('E_INVALID_OPTIONS', `${layer}: ${field}: ${issue?.message ?? 'invalid'}`, {
    cause: parsed.error,
  });
}
