import type { KvStore } from '@raptorflow/core';
import { isKvError } from '@raptorflow/core';
import { createSessions } from '@raptorflow/session';
import { CliError } from '../connect.js';

/**
 * `raptorflow session revoke-user <userId>`: end every session of one user, in one script (the
 * session package's `revokeAll`, so the per-user index and every record go together). Returns
 * how many sessions ended.
 */
export async function sessionRevokeUser(
  store: KvStore,
  options: { userId: string; prefix: string },
  log: (line: string) => void,
): Promise<number> {
  let ended: number;
  try {
    ended = await createSessions({ store, prefix: options.prefix }).revokeAll(options.userId);
  } catch (error) {
    // A bad user id (empty, too long, NUL) is the operator's input: one line, not a stack.
    if (isKvError(error) && error.code === 'E_INVALID_ARGUMENT') {
      throw new CliError(`session revoke-user: ${error.message}`);
    }
    throw error;
  }
  log(
    `revoked ${ended} session${ended === 1 ? '' : 's'} of ${JSON.stringify(options.userId)} under ${options.prefix}`,
  );
  return ended;
}
