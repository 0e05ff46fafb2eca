import { isKvError, type KvErrorCode } from '../errors.js';
import type { KvStore } from '../types.js';
import type { ConformanceRunner } from './runner.js';

/** What every group of the suite receives. */
export interface SuiteContext {
  /** Adapter name, for test titles. */
  readonly name: string;
  /** The runner the groups register on and assert with. */
  readonly runner: ConformanceRunner;
  /** The running test's own view: a namespace with a random prefix, emptied after the test. */
  store(): KvStore;
  /** The shared root store. Tests that write to it clean up after themselves. */
  root(): KvStore;
  /** A new store from the factory, for tests that close it. */
  create(): Promise<KvStore>;
}

/** A group of the suite: registers its `describe` block. */
export type SuiteGroup = (ctx: SuiteContext) => void;

/**
 * Assert that a promise rejects with a KvError of `code`. It throws a plain `Error` when not, so
 * it needs no runner's `expect` and any runner reports it as a failure.
 */
export async function expectCode(promise: Promise<unknown>, code: KvErrorCode): Promise<void> {
  let caught: unknown;
  let rejected = false;
  try {
    await promise;
  } catch (error) {
    caught = error;
    rejected = true;
  }
  if (!rejected) throw new Error(`expected a KvError ${code}, but the promise resolved`);
  if (!isKvError(caught))
    throw new Error(`expected a KvError ${code}, got ${String(caught)}`, { cause: caught });
  if (caught.code !== code)
    throw new Error(`expected a KvError ${code}, got ${caught.code}: ${caught.message}`, { cause: caught });
}

/** Poll `check` until it returns true, at most `attempts` times `intervalMs` apart. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  attempts = 100,
  intervalMs = 20,
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}

/**
 * Wait until `check` holds (a message arrived, a client reconnected): the event decides, and
 * `timeoutMs` only stops a hang. A bound in counted polls is a race with the scheduler: 200
 * checks 10 ms apart ran out on a busy machine.
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!(await check())) throw new Error(`condition not met in ${timeoutMs} ms`);
}

/** A random prefix for one test's keys; no hash tag, so a Cluster spreads its keys over slots. */
export function randomPrefix(): string {
  return `cf:${Math.random().toString(36).slice(2, 10)}:`;
}

/** Collect a scan into a sorted array. */
export async function scanAll(store: KvStore, options?: Parameters<KvStore['scan']>[0]): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.scan(options)) out.push(key);
  return out.sort();
}
