import { KvError } from '@raptorflow/core';
import type { z } from 'zod';

/** Turn the first zod issue into `E_INVALID_OPTIONS` naming the field. */
export function invalidOptions(where: string, error: z.ZodError): KvError {
  const issue = error.issues[0];
  const path = issue?.path.join('.');
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined;
  const field = unknown ? [path, unknown].filter(Boolean).join('.') : path || 'options';
  return new KvError('E_INVALID_OPTIONS', `${where}: ${field} ${issue?.message ?? 'is invalid'}`, {
    cause: error,
  });
}

/** `E_INVALID_ARGUMENT` for a bad per-call argument. */
export function invalidArgument(message: string): KvError {
  return new KvError('E_INVALID_ARGUMENT', message);
}
