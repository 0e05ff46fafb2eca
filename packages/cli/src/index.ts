/**
 * `@raptorflow/cli`: the `raptorflow` command (see the README), and the pieces it is made of for
 * scripts that would rather call them: `run(argv, io)`, the JSON Lines record format, `transfer`.
 */
export { CliError, type OpenStore, openStore, type StoreSpec } from './connect.js';
export { type CliIo, createProgram, run } from './program.js';
export { type Counters, type KvRecord, parseRecord, readRecords, writeRecords } from './records.js';
export {
  type Endpoint,
  endpointOf,
  type TransferOptions,
  type TransferResult,
  transfer,
} from './transfer.js';
