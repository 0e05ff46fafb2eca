import type { Reply } from '@raptorflow/core';
import { KvError } from '@raptorflow/core';

/**
 * A whole number in a script reply, or `E_SCRIPT`: a reply of another shape means the key was
 * planted by someone else or the script is not the one this parser belongs to.
 */
export function replyInteger(script: string, reply: Reply | undefined): number {
  const value = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new KvError('E_SCRIPT', `script ${script}: expected a whole number, got ${String(reply)}`);
  }
  return value;
}

/** The array of a script reply, or `E_SCRIPT`. */
export function replyArray(script: string, reply: Reply): readonly Reply[] {
  if (!Array.isArray(reply)) {
    throw new KvError('E_SCRIPT', `script ${script}: expected an array, got ${String(reply)}`);
  }
  return reply;
}
