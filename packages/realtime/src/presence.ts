import type { KvStore } from '@raptorflow/core';
import { describeValue, invalidArgument } from '@raptorflow/core/kit';
import { emitOperation, type FeatureHub, operationStart } from './events.js';
import type { ResolvedRealtimeOptions } from './options.js';
import { PRESENCE_LIST, PRESENCE_TOUCH, type PresentMember } from './scripts/index.js';

/** Who is in one room of a workspace; see {@link RealtimeWorkspace.presence}. */
export interface Presence {
  /** The room's name. */
  readonly room: string;
  /**
   * Mark `member` present now (the store's clock): a join and a heartbeat are the same call.
   * A member not touched for `presenceTtl` is gone. One round trip; returns the store's time.
   */
  touch(member: string): Promise<number>;
  /** Remove `member` at once (a clean sign-out or a closed stream). One round trip. */
  leave(member: string): Promise<void>;
  /**
   * The members seen within `presenceTtl`, most recent first, at most `limit` (default 1000).
   * Members past the ttl are deleted by this read (pruned on read), in one round trip.
   */
  list(limit?: number): Promise<readonly PresentMember[]>;
}

function checkMember(where: string, member: unknown): string {
  if (typeof member !== 'string' || member.length === 0 || member.length > 256 || !member.isWellFormed()) {
    throw invalidArgument(
      where,
      `member: expected a non-empty string of at most 256 characters, got ${describeValue(member)}`,
    );
  }
  return member;
}

/** Build one room's presence. */
export function createPresence(ctx: {
  readonly group: KvStore;
  readonly workspace: string;
  readonly room: string;
  readonly options: ResolvedRealtimeOptions;
  readonly hub: FeatureHub;
}): Presence {
  const { group, workspace, room, options, hub } = ctx;
  const keys = Object.freeze([`presence:${room}`]);
  const ttl = String(options.presenceTtl);

  async function run<R>(
    operation: 'presence-touch' | 'presence-leave' | 'presence-list',
    call: () => Promise<R>,
  ) {
    const started = operationStart(hub);
    try {
      const result = await call();
      emitOperation(hub, operation, workspace, started, 'ok', undefined, { room });
      return result;
    } catch (error) {
      emitOperation(hub, operation, workspace, started, 'error', error, { room });
      throw error;
    }
  }

  return {
    room,
    touch(member) {
      try {
        checkMember('touch', member);
      } catch (error) {
        return Promise.reject(error);
      }
      return run('presence-touch', () => group.eval(PRESENCE_TOUCH, keys, [member, ttl]));
    },
    leave(member) {
      try {
        checkMember('leave', member);
      } catch (error) {
        return Promise.reject(error);
      }
      return run('presence-leave', async () => {
        await group.zrem(keys[0] as string, member);
      });
    },
    list(limit = 1000) {
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
        return Promise.reject(
          invalidArgument(
            'list',
            `limit: expected a whole number from 1 to 100000, got ${describeValue(limit)}`,
          ),
        );
      }
      return run(
        'presence-list',
        async () => (await group.eval(PRESENCE_LIST, keys, [ttl, String(limit)])).members,
      );
    },
  };
}
