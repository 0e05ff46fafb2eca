import { type KvStore, memoryAdapter } from '@raptorflow/core';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createRealtime, type RealtimeMessage } from '../src/index.js';
import { readEvents } from './sse-reader.js';

const Chat = z.strictObject({ text: z.string().max(200) });

// memory, ioredis, ioredis Cluster (3 masters), Upstash through the local REST server.
describe.each(storeMatrix())('$name', ({ create, capabilities }) => {
  let root: KvStore;
  let store: KvStore;
  beforeAll(async () => {
    root = await create();
    store = root.namespace(randomPrefix());
  });

  it('numbers messages per channel and replays after an id, from the store', async () => {
    const realtime = createRealtime({ store, replay: 3 });
    const chat = realtime.workspace('acme').channel('chat', Chat);
    const ids: number[] = [];
    for (const text of ['a', 'b', 'c', 'd', 'e']) ids.push((await chat.publish({ text })).id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(await chat.lastId()).toBe(5);

    // Ids 3..5 are kept: after 2 nothing is lost, after 1 id 2 is (a reset).
    const after2 = await chat.replayAfter(2);
    expect(after2).toEqual({
      reset: false,
      lastId: 5,
      messages: [
        { id: 3, data: { text: 'c' } },
        { id: 4, data: { text: 'd' } },
        { id: 5, data: { text: 'e' } },
      ],
    });
    expect((await chat.replayAfter(4)).messages.map((m) => m.id)).toEqual([5]);
    expect(await chat.replayAfter(5)).toEqual({ reset: false, lastId: 5, messages: [] });
    const after1 = await chat.replayAfter(1);
    expect(after1.reset).toBe(true);
    expect(after1.messages.map((m) => m.id)).toEqual([3, 4, 5]);
    // A reader ahead of the channel (its sequence started again): reset, from the start.
    expect((await chat.replayAfter(99)).reset).toBe(true);
    expect((await chat.replayAfter(0)).reset).toBe(false);

    // The keys: rf:realtime:{<workspace>}:ch:<name>:seq|log, one hash tag per workspace.
    expect(await store.get('rf:realtime:{acme}:ch:chat:seq')).toBe('5');
    expect(await store.zcard('rf:realtime:{acme}:ch:chat:log')).toBe(3);
    expect(await store.pttl('rf:realtime:{acme}:ch:chat:log')).toBeGreaterThan(0);
  });

  it('keeps workspaces and channels apart', async () => {
    const realtime = createRealtime({ store });
    const a = realtime.workspace('ws-a').channel('news', Chat);
    const b = realtime.workspace('ws-b').channel('news', Chat);
    const other = realtime.workspace('ws-a').channel('other', Chat);
    await a.publish({ text: 'for a' });
    expect(await b.lastId()).toBe(0);
    expect(await other.lastId()).toBe(0);
    expect((await b.replayAfter(0)).messages).toEqual([]);
  });

  it('refuses a message that fails the schema, or is too large, and stores nothing', async () => {
    const realtime = createRealtime({ store, maxMessageBytes: 100 });
    const chat = realtime.workspace('strict').channel('chat', Chat);
    await expectCode(chat.publish({ text: 42 } as never), 'E_REALTIME_INVALID_MESSAGE');
    await expectCode(chat.publish({ text: 'x', extra: 1 } as never), 'E_REALTIME_INVALID_MESSAGE');
    const loose = realtime.workspace('strict').channel('loose', z.any());
    await expectCode(loose.publish(10n), 'E_REALTIME_INVALID_MESSAGE');
    await expectCode(loose.publish(undefined), 'E_REALTIME_INVALID_MESSAGE');
    await expectCode(chat.publish({ text: 'é'.repeat(60) }), 'E_REALTIME_MESSAGE_TOO_LARGE');
    expect(await chat.lastId()).toBe(0);
    expect(await loose.lastId()).toBe(0);
    await expectCode(chat.replayAfter(-1), 'E_INVALID_ARGUMENT');
    await expectCode(chat.replayAfter(1.5), 'E_INVALID_ARGUMENT');
    expect(() => realtime.workspace('')).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => realtime.workspace('a{b')).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => realtime.workspace('w').channel('bad name', Chat)).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
    expect(() => realtime.workspace('w').channel('c', {} as never)).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
    );
  });

  it('presence: touch, list newest first, leave', async () => {
    const realtime = createRealtime({ store, presenceTtl: '1m' });
    const room = realtime.workspace('acme').presence('lobby');
    await room.touch('ada');
    await room.touch('bob');
    const seen = await room.list();
    expect(seen.map((m) => m.member).sort()).toEqual(['ada', 'bob']);
    await room.leave('ada');
    expect((await room.list()).map((m) => m.member)).toEqual(['bob']);
    expect(await realtime.workspace('other').presence('lobby').list()).toEqual([]);
    await expectCode(room.touch(''), 'E_INVALID_ARGUMENT');
    await expectCode(room.list(0), 'E_INVALID_ARGUMENT');
  });

  it.runIf(capabilities.pubsub)(
    'delivers live messages to subscribers, one store subscription each channel',
    async () => {
      const realtime = createRealtime({ store });
      const chat = realtime.workspace('live').channel('chat', Chat);
      const got1: RealtimeMessage<{ text: string }>[] = [];
      const got2: RealtimeMessage<{ text: string }>[] = [];
      const sub1 = await chat.subscribe((m) => got1.push(m));
      const sub2 = await chat.subscribe((m) => got2.push(m));
      const both = new Promise<void>((resolve) => {
        const check = (): void => {
          if (got1.length === 2 && got2.length === 2) resolve();
        };
        void chat.subscribe(check);
      });
      const first = await chat.publish({ text: 'one' });
      // Three handlers, one store subscription: PUBLISH reports one receiver.
      expect(first.receivers).toBe(1);
      await chat.publish({ text: 'two' });
      // A foreign message on the channel (not ours) is dropped, not delivered.
      await both;
      expect(got1).toEqual([
        { id: 1, data: { text: 'one' } },
        { id: 2, data: { text: 'two' } },
      ]);
      await sub1.unsubscribe();
      await sub2.unsubscribe();
      await realtime.close();
    },
  );

  it('serves SSE: replay after Last-Event-ID, then live messages in id order', async () => {
    const realtime = createRealtime({ store, pollInterval: 20, heartbeat: '1m' });
    const ws = realtime.workspace('sse');
    const chat = ws.channel('chat', Chat);
    for (const text of ['a', 'b', 'c']) await chat.publish({ text });
    const abort = new AbortController();
    const response = await ws.sse(
      chat,
      new Request('http://app/events', { headers: { 'last-event-id': '1' }, signal: abort.signal }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = readEvents(response);
    await chat.publish({ text: 'd' });
    const events = await reader.take(3);
    expect(events.map((e) => [e.id, e.event, e.data])).toEqual([
      ['2', 'message', '{"text":"b"}'],
      ['3', 'message', '{"text":"c"}'],
      ['4', 'message', '{"text":"d"}'],
    ]);
    expect(reader.retry).toBe('2000');
    abort.abort();
    await reader.done;
    await realtime.close();
  });

  it('SSE: a fresh stream starts after the current id; a lost gap sends reset first', async () => {
    const realtime = createRealtime({ store, replay: 2, pollInterval: 20, heartbeat: '1m' });
    const ws = realtime.workspace('sse2');
    const chat = ws.channel('chat', Chat);
    for (const text of ['a', 'b', 'c', 'd']) await chat.publish({ text });

    const fresh = readEvents(await ws.sse(chat, new Request('http://app/events')));
    await chat.publish({ text: 'e' });
    expect((await fresh.take(1)).map((e) => e.id)).toEqual(['5']);
    await fresh.cancel();

    const behind = readEvents(await ws.sse(chat, new Request('http://app/events?lastEventId=1')));
    const events = await behind.take(3);
    expect(events.map((e) => [e.id, e.event])).toEqual([
      ['3', 'reset'],
      ['4', 'message'],
      ['5', 'message'],
    ]);
    await behind.cancel();
    await realtime.close();
  });

  it('SSE: a malformed Last-Event-ID is a 400, and nothing is subscribed or stored', async () => {
    const realtime = createRealtime({ store });
    const ws = realtime.workspace('sse3');
    const chat = ws.channel('chat', Chat);
    const response = await ws.sse(chat, new Request('http://app/e', { headers: { 'last-event-id': 'abc' } }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('E_INVALID_ARGUMENT');
    expect(await chat.lastId()).toBe(0);
  });

  it('SSE with presence: the member is present while the stream is open, gone after', async () => {
    const realtime = createRealtime({ store, pollInterval: 20, heartbeat: '1m' });
    const ws = realtime.workspace('sse4');
    const chat = ws.channel('chat', Chat);
    const room = ws.presence('lobby');
    const stream = readEvents(
      await ws.sse(chat, new Request('http://app/e'), { presence: { presence: room, member: 'ada' } }),
    );
    expect((await room.list()).map((m) => m.member)).toEqual(['ada']);
    await stream.cancel();
    expect(await room.list()).toEqual([]);
    await realtime.close();
  });

  it('reports each call on the feature-event hub, with the workspace as tenant', async () => {
    const realtime = createRealtime({ store });
    const chat = realtime.workspace('events').channel('chat', Chat);
    const seen: FeatureEvent[] = [];
    const off = featureEvents(root).on('operation', (e) => e.feature === 'realtime' && seen.push(e));
    try {
      await chat.publish({ text: 'x' });
      await expectCode(chat.publish({ text: 1 } as never), 'E_REALTIME_INVALID_MESSAGE');
      await chat.replayAfter(0);
    } finally {
      off();
    }
    expect(seen.map((e) => [e.operation, e.outcome, e.tenant, e.error])).toEqual([
      ['publish', 'ok', 'events', undefined],
      ['publish', 'error', 'events', 'E_REALTIME_INVALID_MESSAGE'],
      ['replay', 'ok', 'events', undefined],
    ]);
  });
});

describe('on the memory store’s clock', () => {
  let now = 1_700_000_000_000;
  const store = memoryAdapter({ clock: () => now, sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('presence is pruned on read once the ttl has passed', async () => {
    const room = createRealtime({ store, presenceTtl: '30s' }).workspace('acme').presence('lobby');
    await room.touch('ada');
    now += 20_000;
    await room.touch('bob');
    now += 10_000;
    expect((await room.list()).map((m) => m.member)).toEqual(['bob', 'ada']);
    now += 1;
    expect(await room.list()).toEqual([{ member: 'bob', lastSeen: now - 10_001 }]);
    expect(await store.zcard('rf:realtime:{acme}:presence:lobby')).toBe(1);
  });

  it('a channel quiet for longer than retention starts again at 1, and a reader ahead is reset', async () => {
    const chat = createRealtime({ store, retention: '1m' })
      .workspace('acme')
      .channel('quiet', z.object({ n: z.number() }));
    await chat.publish({ n: 1 });
    await chat.publish({ n: 2 });
    now += 60_001;
    expect(await chat.lastId()).toBe(0);
    expect((await chat.publish({ n: 3 })).id).toBe(1);
    const replay = await chat.replayAfter(2);
    expect(replay.reset).toBe(true);
    expect(replay.messages).toEqual([{ id: 1, data: { n: 3 } }]);
  });
});

describe('options', () => {
  const store = memoryAdapter({ sweepIntervalMs: 0 });
  afterAll(() => store.close());

  it('names the bad field in E_INVALID_OPTIONS', () => {
    const bad: Array<[unknown, string]> = [
      [{}, 'createRealtime: store: expected a RaptorFlow KV store'],
      [{ store, replay: 0 }, 'createRealtime: replay'],
      [{ store, retention: 0 }, 'createRealtime: retention: expected a duration >= 1 ms'],
      [{ store, replya: 5 }, 'createRealtime: replya: is not an option'],
    ];
    for (const [options, message] of bad) {
      expect(() => createRealtime(options as never)).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS', message: expect.stringContaining(message) }),
      );
    }
  });
});
