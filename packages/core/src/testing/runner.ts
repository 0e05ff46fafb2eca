/**
 * The test runner the conformance suite registers on, passed in by the caller (as keyv's suite
 * takes `test`), so the suite imports no runner and third-party adapters run it under vitest,
 * jest, `node:test` or anything with `describe`/`it`, hooks and a jest-style `expect`.
 */

/** A test or hook body. */
export type ConformanceBody = () => Promise<void> | void;

/**
 * The matchers the suite calls on `expect(actual)`: a subset of vitest's and jest's, so either
 * `expect` fits as it is.
 */
export interface ConformanceAssertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toBeDefined(): void;
  toBeGreaterThan(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
  toBeCloseTo(expected: number, digits?: number): void;
  toBeInstanceOf(expected: abstract new (...args: never[]) => unknown): void;
  toContain(expected: unknown): void;
  toThrow(): void;
}

/** A jest-style `expect`: vitest's (which also works outside vitest, e.g. under `node:test`) or jest's. */
export type ConformanceExpect = (actual: unknown, message?: string) => ConformanceAssertion;

/**
 * The runner's functions. Under vitest pass the module itself (`import * as vitest from
 * 'vitest'`); under jest, its globals; under `node:test`, `{ describe, it, beforeAll: before,
 * afterAll: after, beforeEach, afterEach, expect }` with an `expect` of your choice.
 * Tests of one suite must run one after another (the default of all three runners).
 */
export interface ConformanceRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: ConformanceBody): unknown;
  beforeAll(body: ConformanceBody): unknown;
  afterAll(body: ConformanceBody): unknown;
  beforeEach(body: ConformanceBody): unknown;
  afterEach(body: ConformanceBody): unknown;
  expect: ConformanceExpect;
}
