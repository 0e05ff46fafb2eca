import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ioredisAdapter } from '../src/adapters/ioredis.js';
import { ARITY } from '../src/adapters/memory/engine.js';
import {
  asDouble,
  asNullableDouble,
  asScoredMembers,
  COMMAND_NAMES,
  COMMAND_TRAITS,
  COMMANDS,
} from '../src/commands.js';
import type { Command, Reply } from '../src/driver.js';
import type { KvCommands, KvStore } from '../src/types.js';
import { COMMAND_SAMPLES } from './fixtures/command-samples.js';

// The command table checks itself against redis-server: for every COMMANDS entry, encoded with
// sample arguments, the key positions must be those `COMMAND GETKEYS` names (a wrong one is a
// namespace escape and a Cluster misroute), `readonly` must match the `write`/`readonly` flags of
// `COMMAND INFO` (a wrong one is a stale L1), and the memory engine's arity must be Redis's.

const SAMPLES = COMMAND_SAMPLES;

/** One entry of `COMMAND INFO` (RESP2): name, arity, flags, first key, last key, step, ... */
type CommandInfo = [string, number, string[], number, number, number, ...unknown[]];

describe('the command table agrees with redis-server', () => {
  let redis: KvStore;
  const infos = new Map<string, CommandInfo>();

  const run = (...argv: string[]): Promise<Reply> => redis.driver.command({ argv, keys: [], readonly: true });

  async function info(name: string): Promise<CommandInfo> {
    const upper = name.toUpperCase();
    let found = infos.get(upper);
    if (!found) {
      const reply = (await run('COMMAND', 'INFO', upper)) as Array<CommandInfo | null>;
      const entry = reply[0];
      if (!entry) throw new Error(`redis-server does not know ${upper}`);
      found = entry;
      infos.set(upper, found);
    }
    return found;
  }

  beforeAll(() => {
    redis = ioredisAdapter({ url: inject('raptorflow').redis.url });
  });

  afterAll(async () => {
    await redis?.close();
  });

  const encoded: Array<{ method: keyof KvCommands; sample: number; command: Command }> = [];
  for (const method of COMMAND_NAMES) {
    const samples = SAMPLES[method] as ReadonlyArray<unknown[]>;
    samples.forEach((args, sample) => {
      const command = (COMMANDS[method].encode as (...a: unknown[]) => Command)(...args);
      encoded.push({ method, sample, command });
    });
  }

  it('every COMMANDS entry has sample arguments', () => {
    for (const method of COMMAND_NAMES) expect(SAMPLES[method]?.length, method).toBeGreaterThan(0);
  });

  /** What is wrong with a command's key positions, by redis-server's `COMMAND GETKEYS`. */
  async function keyProblem(command: Command): Promise<string | undefined> {
    const keys = (await run('COMMAND', 'GETKEYS', ...command.argv)) as string[];
    const ours = command.keys.map((i) => command.argv[i]);
    return JSON.stringify(ours) === JSON.stringify(keys)
      ? undefined
      : `${command.argv.join(' ')}: keys ${JSON.stringify(ours)}, redis ${JSON.stringify(keys)}`;
  }

  /** What is wrong with a command's `readonly`, by the `write`/`readonly` flags of `COMMAND INFO`. */
  async function readonlyProblem(command: Command): Promise<string | undefined> {
    const [, , flags] = await info(command.argv[0] as string);
    const write = flags.includes('write');
    if (command.readonly === write || (command.readonly && !flags.includes('readonly'))) {
      return `${command.argv[0]}: readonly ${command.readonly}, redis flags ${flags.join(',')}`;
    }
    return undefined;
  }

  it.each(encoded)('$method (sample $sample): key positions are COMMAND GETKEYS', async ({ command }) => {
    expect(await keyProblem(command)).toBeUndefined();
  });

  it.each(encoded)('$method (sample $sample): readonly matches COMMAND INFO flags', async ({ command }) => {
    expect(await readonlyProblem(command)).toBeUndefined();
  });

  it('catches a deliberately wrong entry: a misplaced key, a write marked readonly', async () => {
    const set = COMMANDS.set.encode('k1', 'v1');
    // The value's position as the key: a namespace view would prefix the value and leave the key bare.
    expect(await keyProblem({ ...set, keys: [2] })).toMatch(/keys \["v1"\], redis \["k1"\]/);
    // A write marked readonly: L1 would neither evict nor publish it, and serve a stale value.
    expect(await readonlyProblem({ ...set, readonly: true })).toMatch(/SET: readonly true/);
    // A read marked as a write only costs an eviction, but is still wrong.
    expect(await readonlyProblem({ ...COMMANDS.get.encode('k1'), readonly: false })).toMatch(
      /GET: readonly false/,
    );
    expect(await keyProblem(set)).toBeUndefined();
  });

  it.each(encoded)(
    '$method (sample $sample): arity is ARITY and redis-server accepts the argv',
    async ({ command }) => {
      const name = (command.argv[0] as string).toUpperCase();
      const [, arity] = await info(name);
      expect(ARITY[name], `memory ARITY ${name}`).toBe(arity);
      const n = command.argv.length;
      expect(arity > 0 ? n === arity : n >= -arity, `${command.argv.join(' ')} fits arity ${arity}`).toBe(
        true,
      );
    },
  );

  it.each(encoded)(
    '$method (sample $sample): reply traits match the parser and the keys',
    ({ method, command }) => {
      const name = command.argv[0] as string;
      const traits = COMMAND_TRAITS[name] ?? {};
      const decode = COMMANDS[method].decode as unknown;
      // Scored members: RESP3 nests the pairs and sends the scores as doubles.
      if (decode === asScoredMembers) expect(traits, name).toMatchObject({ pairs: true, doubles: true });
      if (decode === asDouble || decode === asNullableDouble)
        expect(traits, name).toMatchObject({ doubles: true });
      // A multi-key command is either split by slot on a Cluster (with a merge rule) or same-slot only.
      if (command.keys.length > 1) {
        expect(traits.split !== undefined || traits.sameSlot === true, `${name}: split or sameSlot`).toBe(
          true,
        );
      }
    },
  );

  it('every split command takes keys 1..n (optionally with one value each), as the split assumes', async () => {
    for (const [name, traits] of Object.entries(COMMAND_TRAITS)) {
      if (!traits?.split) continue;
      const [, , , first, last, step] = await info(name);
      expect({ name, first, last }).toEqual({ name, first: 1, last: -1 });
      expect(step === 1 || (step === 2 && traits.split === 'ok'), `${name} step ${step}`).toBe(true);
    }
  });

  it("every arity in the memory engine is Redis's", async () => {
    const wrong: string[] = [];
    for (const [name, arity] of Object.entries(ARITY)) {
      const [, real] = await info(name);
      if (real !== arity) wrong.push(`${name}: memory ${arity}, redis ${real}`);
    }
    expect(wrong).toEqual([]);
  });

  it('every command is in the differential test', () => {
    const source = readFileSync(new URL('./differential.test.ts', import.meta.url), 'utf8');
    const missing = COMMAND_NAMES.filter((name) => !new RegExp(`\\bcmd\\(\\s*'${name}'`).test(source));
    expect(missing).toEqual([]);
  });
});
