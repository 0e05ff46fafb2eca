import { KvError, type Reply } from '@raptorflow/core';

/** A whole number in a script reply, or `E_SCRIPT` (a reply of another shape is not ours). */
export function replyInteger(script: string, reply: Reply | undefined): number {
  const value = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new KvError('E_SCRIPT', `script ${script}: expected a whole number, got ${String(reply)}`);
  }
  return value;
}

/** The array of a script reply, or `E_SCRIPT`. */
export function replyArray(script: string, reply: Reply | undefined): readonly Reply[] {
  if (!Array.isArray(reply)) {
    throw new KvError('E_SCRIPT', `script ${script}: expected an array, got ${String(reply)}`);
  }
  return reply;
}

/** An array of strings in a script reply, or `E_SCRIPT`. */
export function replyStrings(script: string, reply: Reply | undefined): string[] {
  return replyArray(script, reply).map((r) => {
    if (typeof r !== 'string')
      throw new KvError('E_SCRIPT', `script ${script}: expected a string, got ${String(r)}`);
    return r;
  });
}
