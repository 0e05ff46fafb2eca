/**
 * `@raptorflow/queue`: the public surface. Everything a user imports is exported here and
 * nowhere else (one entry, `"."`).
 */
export { QUEUE_ERRORS, type QueueErrorCode } from './errors.js';
export type { JobEvent, QueueEvents, QueueOperation } from './events.js';
export { createLegacyQueue, type LegacyQueue, type LegacyQueueOptions } from './legacy.js';
export type {
  BackoffOptions,
  JobOptions,
  KeepOptions,
  PayloadSchema,
  ProcessOptions,
  QueueOptions,
} from './options.js';
export {
  createQueue,
  type DeadLetter,
  type DeadLetterSelection,
  type EnqueueResult,
  type Queue,
  type WaitingJob,
} from './queue.js';
export * from './scripts/index.js';
export type { ClaimedJob, FailOutcome } from './serverless.js';
export type { Job, JobHandler, Worker } from './worker.js';
