import { defineErrorCodes, type FeatureErrors } from '@raptorflow/core/kit';

/** Every error code of `@raptorflow/queue` (the `code` of the `KvError`s it throws or aborts with). */
export type QueueErrorCode =
  | 'E_QUEUE_STALE_TOKEN'
  | 'E_QUEUE_LEASE_LOST'
  | 'E_QUEUE_JOB_TIMEOUT'
  | 'E_QUEUE_CLOSED'
  | 'E_QUEUE_INVALID_PAYLOAD'
  | 'E_QUEUE_CORRUPT_JOB';

/**
 * The package's error codes, each with its meaning. Bad options and arguments use core's
 * `E_INVALID_OPTIONS` / `E_INVALID_ARGUMENT`; a store failure keeps the store's code.
 */
export const QUEUE_ERRORS: FeatureErrors<QueueErrorCode> = defineErrorCodes('QUEUE', {
  E_QUEUE_STALE_TOKEN:
    'A completion, failure or progress named a lease token the job no longer has: its lease ran out and it was reclaimed (counted as `stale`).',
  E_QUEUE_LEASE_LOST:
    'A renewal found the job’s lease gone (it ran out and the job was reclaimed): the handler’s signal aborts with this.',
  E_QUEUE_JOB_TIMEOUT: 'The handler ran past the per-job `timeout`: its signal aborts and the job fails.',
  E_QUEUE_CLOSED:
    'The worker or queue is closing: signals of jobs still running when the close timeout ends abort with this.',
  E_QUEUE_INVALID_PAYLOAD:
    'A payload failed the queue’s schema (on enqueue it is refused; on claim the job is dead-lettered).',
  E_QUEUE_CORRUPT_JOB: 'A stored job could not be decoded (another writer used the queue’s keys).',
});
