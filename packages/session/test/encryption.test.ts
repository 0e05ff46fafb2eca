import type { KvStore } from '@raptorflow/core';
import { type EncryptionOptions, encryptedCodec, jsonCodec } from '@raptorflow/core/codecs';
import { type FeatureEvent, featureEvents } from '@raptorflow/core/kit';
import { expectCode, randomPrefix, storeMatrix } from '@raptorflow/core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RaptorflowStore } from '../src/express-session.js';
import { createLegacySessions, createSessions, type SessionsOptions } from '../src/index.js';
import { tokenHash } from '../src/token.js';

/*
 * Session data encrypted at rest (`encryption`), on every store of the matrix: it round-trips,
 * the store holds no plaintext value, rotation reads old values, and a value that does not open
 * (a wrong key, a tampered value, a value moved to another field, plaintext) is a miss with an
 * `E_CODEC` event, never a crash and never wrong data.
 */

const key = (byte: number) => new Uint8Array(32).fill(byte);
const K1 = { current: 'k1', keys: { k1: key(1) } };
const K12 = { current: 'k2', keys: { k1: key(1), k2: key(2) } };
const K2 = { current: 'k2', keys: { k2: key(2) } };
const SECRET = 'a-value-nobody-may-read';

describe.each(storeMatrix())('$name', ({ create }) => {
  let store: KvStore;
  let seen: FeatureEvent[] = [];
  let off: () => void = () => {};
  beforeAll(async () => {
    store = (await create()).namespace(randomPrefix());
  });
  afterEach(() => {
    off();
    seen = [];
  });
  const listen = () => {
    off = featureEvents(store).on('operation', (e) => {
      if (e.operation === 'get') seen.push(e);
    });
  };
  const make = (prefix: string, encryption: SessionsOptions['encryption']) =>
    createSessions({ store, prefix, encryption });

  /** The record's key and value (the only string key under `prefix` holding a session). */
  async function recordOf(prefix: string): Promise<{ key: string; value: string }> {
    for await (const k of store.scan({ match: `${prefix}*:s:*` })) {
      const value = await store.get(k);
      if (value !== null) return { key: k, value };
    }
    throw new Error('no record');
  }
  async function rewrite(k: string, value: string) {
    expect(await store.set(k, value, { keepTtl: true })).toBe(true);
  }

  it('round trip: create, get, update (parallel, lossless), list; the store holds no plaintext value', async () => {
    const prefix = randomPrefix();
    const sessions = make(prefix, K1);
    const { token, id } = await sessions.create('alice', {
      data: { secret: SECRET, n: 1, nested: { a: [1, 2] } },
    });
    expect((await sessions.get(token))?.data).toEqual({ secret: SECRET, n: 1, nested: { a: [1, 2] } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sessions.update(token, { [`f${i}`]: `${SECRET}-${i}` })),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(await sessions.update(token, { n: undefined })).toBe(true);
    const data = (await sessions.get(token))?.data as Record<string, unknown>;
    expect(Object.keys(data).length).toBe(22);
    for (let i = 0; i < 20; i++) expect(data[`f${i}`]).toBe(`${SECRET}-${i}`);
    expect(data.n).toBeUndefined();
    expect((await sessions.list('alice')).map((s) => [s.id, s.data.secret])).toEqual([[id, SECRET]]);
    const { value } = await recordOf(prefix);
    expect(value).not.toContain(SECRET);
    expect(value).toContain('~e1:k1:');
    // The same store read without the key: the data is ciphertext, so the option is not optional.
    expect(JSON.stringify((await make(prefix, undefined).get(token))?.data)).not.toContain(SECRET);
  });

  it('rotation: a value written under an old key reads once the key rotates; new writes use the new key', async () => {
    const prefix = randomPrefix();
    const { token } = await make(prefix, K1).create('bob', { data: { a: 'old' } });
    const rotated = make(prefix, K12);
    expect((await rotated.get(token))?.data).toEqual({ a: 'old' });
    expect(await rotated.update(token, { b: 'new' })).toBe(true);
    expect((await rotated.get(token))?.data).toEqual({ a: 'old', b: 'new' });
    const { value } = await recordOf(prefix);
    expect(value).toContain('~e1:k1:');
    expect(value).toContain('~e1:k2:');
    // The old key dropped before its values moved: the session does not open (a miss, E_CODEC).
    listen();
    expect(await make(prefix, K2).get(token)).toBeNull();
    expect(seen.map((e) => [e.outcome, e.error])).toEqual([['invalid', 'E_CODEC']]);
    // Once every value is under k2, k1 can go.
    expect(await rotated.update(token, { a: 'old' })).toBe(true);
    expect((await make(prefix, K2).get(token))?.data).toEqual({ a: 'old', b: 'new' });
  });

  it('a wrong key, a tampered or truncated value, a value moved to another field, plaintext: a miss with E_CODEC', async () => {
    const prefix = randomPrefix();
    const sessions = make(prefix, K1);
    const { token } = await sessions.create('carol', { data: { role: 'user', other: 'x' } });
    const { key: k, value } = await recordOf(prefix);
    const body = value.slice(value.lastIndexOf('\0') + 1);
    const sealed = JSON.parse(body) as Record<string, string>;
    const head = value.slice(0, value.length - body.length);
    const withData = (data: Record<string, unknown>) =>
      head +
      `{${Object.entries(data)
        .map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`)
        .join(',\n')}}`;
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const role = sealed.role as string;
    const variants: Array<[string, string]> = [
      ['tampered', withData({ ...sealed, role: flip(role, role.length - 10) })],
      ['truncated', withData({ ...sealed, role: role.slice(0, 20) })],
      ['moved to another field', withData({ ...sealed, role: sealed.other })],
      ['plaintext', withData({ ...sealed, role: 'admin' })],
      ['not a string', withData({ ...sealed, role: 1 })],
      ['unknown key id', withData({ ...sealed, role: role.replace('~e1:k1:', '~e1:k9:') })],
    ];
    listen();
    for (const [what, bad] of variants) {
      await rewrite(k, bad);
      expect(await sessions.get(token), what).toBeNull();
    }
    expect(seen.map((e) => [e.outcome, e.error])).toEqual(variants.map(() => ['invalid', 'E_CODEC']));
    // Nothing was lost: the session is still there and reads once its value is back.
    await rewrite(k, value);
    expect((await sessions.get(token))?.data).toEqual({ role: 'user', other: 'x' });
    // A wrong key under the same id.
    seen = [];
    expect(await make(prefix, { current: 'k1', keys: { k1: key(7) } }).get(token)).toBeNull();
    expect(seen.map((e) => [e.outcome, e.error])).toEqual([['invalid', 'E_CODEC']]);
    // list leaves out what does not open, as get misses it.
    expect(await make(prefix, K2).list('carol')).toEqual([]);
  });

  it('takes a ready codec (one encryptedCodec shared with other packages)', async () => {
    const prefix = randomPrefix();
    const codec = encryptedCodec(jsonCodec<string>(), K12);
    const sessions = make(prefix, codec);
    const { token } = await sessions.create('dave', { data: { a: SECRET } });
    expect((await sessions.get(token))?.data).toEqual({ a: SECRET });
    expect((await recordOf(prefix)).value).not.toContain(SECRET);
  });
});

describe('encryption options', () => {
  it('a bad key or current id is E_INVALID_OPTIONS naming `encryption`', async () => {
    const store = (await import('@raptorflow/core')).memoryAdapter();
    const bad: EncryptionOptions[] = [
      { current: 'k1', keys: { k1: new Uint8Array(7) } },
      { current: 'nope', keys: { k1: key(1) } },
      { current: 'k1', keys: { 'bad id!': key(1) } },
    ];
    for (const encryption of bad) {
      let error: unknown;
      try {
        createSessions({ store, encryption });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({
        code: 'E_INVALID_OPTIONS',
        message: expect.stringMatching(/createSessions: encryption: /),
      });
    }
    await expectCode(
      Promise.resolve().then(() => createSessions({ store, encryption: 'key' as never })),
      'E_INVALID_OPTIONS',
    );
    await store.close();
  });
});

/* The same option on the drop-in express-session store and on the legacy wrapper. */
describe.each(storeMatrix({ only: ['memory', 'ioredis', 'upstash'] }))(
  '$name: express-session store and legacy wrapper',
  ({ create }) => {
    let store: KvStore;
    beforeAll(async () => {
      store = (await create()).namespace(randomPrefix());
    });
    const sess = (extra: Record<string, unknown>) =>
      ({
        cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString() },
        ...extra,
      }) as never;
    async function keyOf(sid: string): Promise<string> {
      for await (const k of store.scan({ match: `*:s:${tokenHash(sid)}` })) return k;
      throw new Error('no key');
    }
    const invalid = () => {
      const seen: FeatureEvent[] = [];
      const off = featureEvents(store).on('operation', (e) => {
        if (e.operation === 'get') seen.push(e);
      });
      return { seen, off };
    };

    it('express-session store: round trip, rotation, no plaintext in the store', async () => {
      const prefix = randomPrefix();
      const es = new RaptorflowStore({ store, prefix, encryption: K1 });
      await es.set('sid-a', sess({ user: SECRET, n: 1 }));
      expect(await es.get('sid-a')).toMatchObject({ user: SECRET, n: 1 });
      const raw = (await store.get(await keyOf('sid-a'))) as string;
      expect(raw).not.toContain(SECRET);
      expect(raw.startsWith('~e1:k1:')).toBe(true);
      expect((await es.all()).map((s) => [(s as { id?: string }).id, (s as { user?: string }).user])).toEqual(
        [[tokenHash('sid-a'), SECRET]],
      );
      const rotated = new RaptorflowStore({ store, prefix, encryption: K12 });
      expect(await rotated.get('sid-a')).toMatchObject({ user: SECRET });
      await rotated.set('sid-a', sess({ user: 'new' }));
      expect(((await store.get(await keyOf('sid-a'))) as string).startsWith('~e1:k2:')).toBe(true);
      // Without the key the stored text is not JSON: the option is not optional once set.
      await expect(new RaptorflowStore({ store, prefix }).get('sid-a')).rejects.toThrow();
    });

    it('express-session store: a tampered, moved, plain or wrongly keyed value is a miss with E_CODEC, never a crash', async () => {
      const prefix = randomPrefix();
      const es = new RaptorflowStore({ store, prefix, encryption: K1 });
      await es.set('sid-b', sess({ user: 'bob' }));
      await es.set('sid-c', sess({ user: 'carol' }));
      const kb = await keyOf('sid-b');
      const good = (await store.get(kb)) as string;
      const other = (await store.get(await keyOf('sid-c'))) as string;
      const at = good.length - 10;
      const variants: Array<[string, string]> = [
        ['tampered', good.slice(0, at) + (good[at] === 'A' ? 'B' : 'A') + good.slice(at + 1)],
        ['truncated', good.slice(0, 30)],
        ['moved from another sid', other],
        ['plaintext', JSON.stringify({ user: 'admin' })],
        ['unknown key id', good.replace('~e1:k1:', '~e1:k9:')],
      ];
      const { seen, off } = invalid();
      try {
        for (const [what, bad] of variants) {
          expect(await store.set(kb, bad, { keepTtl: true })).toBe(true);
          expect(await es.get('sid-b'), what).toBeNull();
        }
        // all() leaves out what does not open.
        expect((await es.all()).map((s) => (s as { user?: string }).user)).toEqual(['carol']);
        expect(seen.slice(0, variants.length).map((e) => [e.outcome, e.error])).toEqual(
          variants.map(() => ['invalid', 'E_CODEC']),
        );
      } finally {
        off();
      }
      // Nothing was lost: the value back, the session reads; a wrong key under the same id misses.
      expect(await store.set(kb, good, { keepTtl: true })).toBe(true);
      expect(await es.get('sid-b')).toMatchObject({ user: 'bob' });
      expect(
        await new RaptorflowStore({ store, prefix, encryption: { current: 'k1', keys: { k1: key(7) } } }).get(
          'sid-b',
        ),
      ).toBeNull();
    });

    it('legacy wrapper: round trip; tampered metadata is a miss, never a crash', async () => {
      const prefix = randomPrefix();
      const legacy = createLegacySessions({ store, prefix, env: {}, encryption: K1 });
      const id = await legacy.create('u-enc', 'w1', { userAgent: 'ua', secret: SECRET });
      expect((await legacy.get(id))?.metadata).toEqual({ userAgent: 'ua', secret: SECRET });
      let k = '';
      for await (const found of store.scan({ match: `${prefix}*:s:*` })) k = found;
      const v = (await store.get(k)) as string;
      expect(v).not.toContain(SECRET);
      const at = v.length - 12;
      expect(
        await store.set(k, v.slice(0, at) + (v[at] === 'A' ? 'B' : 'A') + v.slice(at + 1), { keepTtl: true }),
      ).toBe(true);
      expect(await legacy.get(id)).toBeNull();
      expect(await store.set(k, v, { keepTtl: true })).toBe(true);
      expect((await legacy.get(id))?.metadata).toMatchObject({ secret: SECRET });
      expect(() => createLegacySessions({ store, encryption: { current: 'x', keys: {} } })).toThrowError(
        expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
      );
    });

    it('express-session store: a bad key is E_INVALID_OPTIONS naming `encryption`', () => {
      expect(
        () => new RaptorflowStore({ store, encryption: { current: 'k1', keys: { k1: new Uint8Array(7) } } }),
      ).toThrowError(
        expect.objectContaining({
          code: 'E_INVALID_OPTIONS',
          message: expect.stringMatching(/RaptorflowStore: encryption: /),
        }),
      );
    });
  },
);
