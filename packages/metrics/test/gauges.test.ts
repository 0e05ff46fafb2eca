import { spawnSync } from 'node:child_process';
import { KvError, type KvStore } from '@raptorflow/core';
import { randomPrefix, storeMatrix, until } from '@raptorflow/core/testing';
import { createQueue } from '@raptorflow/queue';
import { createSessions } from '@raptorflow/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePromtool, PROMTOOL_HINT } from '../../../scripts/promtool.mjs';
import { createHandlers, createMetrics, type QueueCounts } from '../src/index.js';

/*
 * Queue per-state gauges are read from the store at scrape time (`queue.counts()`: other
 * processes enqueue and claim too, so no event stream can give them); session created and
 * revoked are counted from the session package's events; live sessions are read at scrape
 * time too (`sessions.countActive()`, at most once per `sessionsRefreshMs`).
 */

let promtool: string;
beforeAll(() => {
  const found = ensurePromtool({ log: () => undefined });
  if (!found)
    throw new Error(`promtool is required and could not be found or extracted.\nRun: ${PROMTOOL_HINT}`);
  promtool = found;
});

const line = (text: string, name: string, labels: string): number | undefined => {
  const m = text.match(new RegExp(`^raptorflow_${name}\\{${labels}\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
};

describe.each(storeMatrix({ only: ['memory', 'ioredis'] }))(
  'scrape-time and session figures on $name',
  ({ create }) => {
    let store: KvStore;
    beforeAll(async () => {
      store = (await create()).namespace(randomPrefix());
    });
    afterAll(async () => {
      await store.close();
    });

    it('queue jobs per state, read at scrape: equal to what the queues hold, refreshed at most once a second', async () => {
      let now = 1_800_000_000_000;
      const mail = createQueue<{ to: string }>({ store, name: 'mail' });
      const crawl = createQueue<{ url: string }>({ store, name: 'crawl' });
      // Count the reads: concurrent scrapes share one.
      let reads = 0;
      const counted = {
        name: 'mail',
        counts: () => {
          reads++;
          return mail.counts();
        },
      };
      const metrics = createMetrics({ store, clock: () => now, queues: [counted, crawl] });
      expect(metrics.snapshot().queues.mail).toEqual({ counts: null, at: null, errors: 0 });
      expect(metrics.prometheus()).not.toContain('raptorflow_queue_jobs{');

      for (let i = 0; i < 7; i++) await mail.enqueue({ to: `u${i}` });
      for (let i = 0; i < 3; i++) await mail.enqueue({ to: `later${i}` }, { delay: '1h' });
      await crawl.enqueue({ url: 'a' }, { attempts: 1 });
      await crawl.enqueue({ url: 'b' }, { attempts: 1 });
      // Both crawl jobs fail once and are dead-lettered: wait for the queue's own events.
      let dead = 0;
      const allDead = new Promise<void>((resolve) => {
        crawl.events.on('dead-lettered', () => {
          if (++dead === 2) resolve();
        });
      });
      const worker = crawl.process(async () => {
        throw new Error('boom');
      });
      await allDead;
      await worker.close();

      await Promise.all([metrics.refresh(), metrics.refresh(), metrics.refresh()]);
      expect(reads).toBe(1);
      const text = metrics.prometheus();
      const want: Record<string, Partial<QueueCounts>> = {
        mail: { waiting: 7, active: 0, delayed: 3, dead: 0 },
        crawl: { waiting: 0, active: 0, delayed: 0, dead: 2 },
      };
      for (const [queue, counts] of Object.entries(want)) {
        for (const [state, n] of Object.entries(counts)) {
          expect(line(text, 'queue_jobs', `queue="${queue}",state="${state}"`), `${queue} ${state}`).toBe(n);
        }
        expect(line(text, 'queue_count_errors_total', `queue="${queue}"`)).toBe(0);
      }
      expect(metrics.snapshot().queues.mail?.counts).toMatchObject(want.mail as object);

      // Within a second of the last read, a scrape reuses it; after, it reads again.
      await mail.enqueue({ to: 'x' });
      await metrics.refresh();
      expect(reads).toBe(1);
      now += 1000;
      const handlers = createHandlers({ store, metrics });
      const res = await handlers.fetch(new Request('http://app/metrics'));
      const body = (await res?.text()) ?? '';
      expect(reads).toBe(2);
      expect(line(body, 'queue_jobs', 'queue="mail",state="waiting"')).toBe(8);
      const check = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`).toBe('');
      expect(check.status).toBe(0);
      metrics.close();
      await mail.clear();
    });

    it('a failed or slow read keeps the last counts, is counted and logged, and never rejects', async () => {
      let now = 1_800_000_000_000;
      let mode: 'ok' | 'fail' | 'hang' = 'ok';
      const source = {
        name: 'jobs',
        counts: (): Promise<QueueCounts> => {
          if (mode === 'fail') return Promise.reject(new KvError('E_CONNECTION', 'down'));
          if (mode === 'hang') return new Promise<never>(() => {});
          return Promise.resolve({ waiting: 4, active: 1, delayed: 0, dead: 0 });
        },
      };
      const logged: unknown[] = [];
      const logger = { warn: (...a: unknown[]) => logged.push(a), error: () => {} };
      const metrics = createMetrics({
        store,
        clock: () => now,
        queues: [source],
        scrapeTimeoutMs: 20,
        logger,
      });
      await metrics.refresh();
      mode = 'fail';
      now += 1000;
      await metrics.refresh();
      mode = 'hang';
      now += 1000;
      await metrics.refresh();
      const text = metrics.prometheus();
      expect(line(text, 'queue_jobs', 'queue="jobs",state="waiting"')).toBe(4);
      expect(line(text, 'queue_count_errors_total', 'queue="jobs"')).toBe(2);
      expect(JSON.stringify(logged)).toContain('E_CONNECTION');
      expect(JSON.stringify(logged)).toContain('E_TIMEOUT');
      metrics.close();
    });

    it('refuses queues that are not queues or share a name (E_INVALID_OPTIONS)', () => {
      const q = { name: 'a', counts: async () => ({ waiting: 0, active: 0, delayed: 0, dead: 0 }) };
      for (const queues of [[{ name: 'a' }], [q, { ...q }], 'a']) {
        expect(() => createMetrics({ store, queues: queues as never })).toThrow(
          expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining('queues') }),
        );
      }
    });

    it('session active, read at scrape: what the calls left live, at most once per sessionsRefreshMs', async () => {
      let now = 1_800_000_000_000;
      const sessions = createSessions({ store, prefix: randomPrefix() });
      let reads = 0;
      const web = {
        name: 'web',
        countActive: () => {
          reads++;
          return sessions.countActive();
        },
      };
      // A loaded box can take more than the default 1 s for 4,096 commands: no wall-clock race here.
      const metrics = createMetrics({ store, clock: () => now, sessions: web, scrapeTimeoutMs: 60_000 });
      expect(metrics.snapshot().sessions.web).toEqual({ active: null, at: null, errors: 0 });
      expect(metrics.prometheus()).not.toContain('raptorflow_session_active{');

      const tokens: string[] = [];
      for (const user of ['ann', 'bob', 'cy']) {
        tokens.push((await sessions.create(user)).token, (await sessions.create(user)).token);
      }
      expect(await sessions.destroy(tokens[0] as string)).toBe(true);
      expect(await sessions.rotate(tokens[2] as string)).not.toBeNull();
      expect(await sessions.revokeAll('cy')).toBe(2);
      // 6 created, 1 destroyed, 1 rotated (still live), 2 revoked.
      await Promise.all([metrics.refresh(), metrics.refresh(), metrics.refresh()]);
      expect(reads).toBe(1);
      expect(line(metrics.prometheus(), 'session_active', 'sessions="web"')).toBe(3);
      expect(line(metrics.prometheus(), 'session_count_errors_total', 'sessions="web"')).toBe(0);

      // One more session, one that ends 1 ms from now on the store's clock: the gauge keeps the
      // last count until sessionsRefreshMs (60 s by default) has passed on the metrics clock.
      await sessions.create('dee');
      expect(await sessions.extend(tokens[1] as string, 1)).not.toBeNull();
      await until(async () => (await sessions.countActive()) === 3);
      now += 59_999;
      await metrics.refresh();
      expect(reads).toBe(1);
      expect(line(metrics.prometheus(), 'session_active', 'sessions="web"')).toBe(3);
      now += 1;
      const handlers = createHandlers({ store, metrics });
      const body = (await (await handlers.fetch(new Request('http://app/metrics')))?.text()) ?? '';
      expect(reads).toBe(2);
      expect(line(body, 'session_active', 'sessions="web"')).toBe(3);
      expect(metrics.snapshot().sessions.web).toMatchObject({ active: 3, errors: 0 });
      const check = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`).toBe('');
      expect(check.status).toBe(0);
      metrics.close();

      // The sessions object itself is a source: label `default`.
      const plain = createMetrics({ store, sessions, scrapeTimeoutMs: 60_000 });
      await plain.refresh();
      expect(line(plain.prometheus(), 'session_active', 'sessions="default"')).toBe(3);
      plain.close();
    });

    it('refuses session sources without countActive, with one name twice, or a refresh under 1 s', () => {
      const s = { countActive: async () => 0 };
      for (const bad of [{ sessions: {} }, { sessions: [s, s] }, { sessions: s, sessionsRefreshMs: 10 }]) {
        expect(() => createMetrics({ store, ...(bad as object) })).toThrow(
          expect.objectContaining({
            code: 'E_INVALID_OPTIONS',
            message: expect.stringContaining('sessions'),
          }),
        );
      }
    });

    it('session created and revoked equal what the package returned', async () => {
      const metrics = createMetrics({ store });
      const sessions = createSessions({ store });
      const tokens: string[] = [];
      for (let i = 0; i < 8; i++) tokens.push((await sessions.create(i < 5 ? 'ann' : 'bob')).token);
      let revoked = 0;
      if (await sessions.destroy(tokens[0] as string)) revoked++;
      if (await sessions.destroy(tokens[0] as string)) revoked++; // gone already: a miss
      revoked += await sessions.revokeAll('ann');
      revoked += await sessions.revokeAll('nobody');
      expect(revoked).toBe(5);
      const text = metrics.prometheus();
      expect(line(text, 'session_created_total', 'store="default"')).toBe(8);
      expect(line(text, 'session_revoked_total', 'store="default"')).toBe(revoked);
      metrics.close();
    });
  },
);
