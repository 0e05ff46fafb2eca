import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@raptorflow/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, randomPrefix, runIn, servers, startCli } from './helpers.js';

/*
 * Ctrl-C stops between batches, with the cursor at the last batch written, and --resume copies
 * the rest. Decided on events, not time: the child reads stdin, so it cannot finish before the
 * test sends the rest of the input, whenever SIGINT lands.
 */
const s = servers();
const dir = mkdtempSync(join(tmpdir(), 'raptorflow-cli-sigint-'));
const prefix = randomPrefix('sigint');
afterAll(async () => {
  await runIn(['--url', s.redis, 'flush', '--prefix', prefix, '--yes']);
  rmSync(dir, { recursive: true, force: true });
});

const lines = Array.from({ length: 50 }, (_, i) =>
  JSON.stringify({ key: `${prefix}k${i}`, type: 'string', value: `v${i}`, ttl: null }),
);
const text = (from: number, to: number) => `${lines.slice(from, to).join('\n')}\n`;

describe('Ctrl-C during a migration', () => {
  it('stops after the batch in progress, exit 130, and --resume finishes the copy', async () => {
    const cursor = join(dir, 'cursor.json');
    const position = () =>
      existsSync(cursor) ? (JSON.parse(readFileSync(cursor, 'utf8')) as { position: number }).position : 0;
    const args = ['migrate', '--from', '-', '--to', s.redis, '--batch', '10', '--cursor', cursor];
    const child = startCli(args);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // If the child stopped before reading the rest, writing it may fail with EPIPE: expected.
    child.stdin.on('error', () => undefined);
    child.stdin.write(text(0, 25));
    await until(() => position() === 20, 30_000);
    child.kill('SIGINT');
    await until(() => stderr.includes('stopping after this batch'), 30_000);
    // The batch in progress (lines 21-30) completes and nothing after it is copied (or, had the
    // signal landed between the cursor write and the check after it, batch 2 was the last).
    child.stdin.end(text(25, 50));
    expect(await exited).toBe(130);
    const stoppedAt = position();
    expect([20, 30]).toContain(stoppedAt);
    expect(stderr).toMatch(new RegExp(`stopped: ${stoppedAt} keys copied`));

    const resumed = await cli([...args, '--resume'], {}, text(0, 50));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/done: 50 keys copied/);
    const out = join(dir, 'all.jsonl');
    await runIn(['--url', s.redis, 'export', '--match', `${prefix}*`, '--out', out]);
    const keys = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { key: string }).key);
    expect(keys.sort()).toEqual(lines.map((l) => (JSON.parse(l) as { key: string }).key).sort());
  }, 60_000);
});
