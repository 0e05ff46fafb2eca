import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  type AsyncCodec,
  compressedCodec,
  decodeOrMissAsync,
  encryptedCodec,
  jsonCodec,
} from '../src/codecs.js';
import { isKvError, type KvError, type KvStore } from '../src/index.js';
import { randomPrefix, scanAll, storeMatrix } from '../src/testing/index.js';

const key = (fill: number, length = 32): Uint8Array => new Uint8Array(length).fill(fill);
const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const K1 = key(1);
const K2 = key(2, 16);
const K3 = b64(key(3, 24));
const K4 = b64(key(4));

const codecError = expect.objectContaining({ code: 'E_CODEC' });

/** Decode through decodeOrMissAsync, returning the value and the errors it reported. */
async function readBack<T>(
  codec: AsyncCodec<T>,
  stored: string,
): Promise<{ value: T | undefined; errors: KvError[] }> {
  const errors: KvError[] = [];
  const value = await decodeOrMissAsync(codec, stored, (e) => errors.push(e));
  return { value, errors };
}

describe('encryptedCodec', () => {
  const codec = encryptedCodec(jsonCodec(), { current: 'k1', keys: { k1: K1 } });

  it('round-trips JSON values, with a fresh IV per write', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ noUnicodeString: false }), async (value) => {
        const stored = await codec.encode(value);
        expect(stored.startsWith('~e1:k1:')).toBe(true);
        expect(await codec.decode(stored)).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 100 },
    );
    const [a, b] = [await codec.encode({ same: 1 }), await codec.encode({ same: 1 })];
    expect(a).not.toBe(b);
  });

  it('does not leave the plaintext readable in the stored value', async () => {
    const stored = await codec.encode({ secret: 'hunter2-hunter2' });
    expect(stored).not.toContain('hunter2');
    expect(codec.keyIdOf(stored)).toBe('k1');
    expect(codec.keyIdOf('{"plain":1}')).toBeUndefined();
  });

  it('rotation: writes use the current key, reads accept two old keys, reencrypt moves to the current one', async () => {
    const first = encryptedCodec(jsonCodec(), { current: 'k1', keys: { k1: K1 } });
    const second = encryptedCodec(jsonCodec(), { current: 'k2', keys: { k1: K1, k2: K2 } });
    const third = encryptedCodec(jsonCodec(), { current: 'k3', keys: { k1: K1, k2: K2, k3: K3 } });
    const fromK1 = await first.encode({ v: 1 });
    const fromK2 = await second.encode({ v: 2 });
    const fromK3 = await third.encode({ v: 3 });
    expect([fromK1, fromK2, fromK3].map((s) => third.keyIdOf(s))).toEqual(['k1', 'k2', 'k3']);
    expect(await third.decode(fromK1)).toEqual({ v: 1 });
    expect(await third.decode(fromK2)).toEqual({ v: 2 });
    expect(await third.decode(fromK3)).toEqual({ v: 3 });

    const moved = await third.reencrypt(fromK1);
    expect(third.keyIdOf(moved)).toBe('k3');
    expect(await third.decode(moved)).toEqual({ v: 1 });
    // Once k1 is retired, what reencrypt moved still reads; what it did not is a miss.
    const retired = encryptedCodec(jsonCodec(), { current: 'k4', keys: { k3: K3, k4: K4 } });
    expect(await retired.decode(moved)).toEqual({ v: 1 });
    await expect(retired.decode(fromK1)).rejects.toEqual(codecError);
    expect((await readBack(retired, fromK2)).value).toBeUndefined();
  });

  it('a wrong key under the same id is E_CODEC and a miss, never a wrong value', async () => {
    const stored = await codec.encode({ v: 1 });
    const impostor = encryptedCodec(jsonCodec(), { current: 'k1', keys: { k1: key(9) } });
    await expect(impostor.decode(stored)).rejects.toEqual(codecError);
    const { value, errors } = await readBack(impostor, stored);
    expect(value).toBeUndefined();
    expect(errors.map((e) => [isKvError(e), e.code])).toEqual([[true, 'E_CODEC']]);
    expect(errors[0]?.message).toMatch(/fails authentication/);
  });

  it('every single-character tamper is E_CODEC', async () => {
    const stored = await codec.encode({ amount: 100, to: 'alice' });
    const body = stored.indexOf(':', 4) + 1;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = body; i < stored.length; i++) {
      const c = stored[i] as string;
      const swapped = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] as string;
      const tampered = stored.slice(0, i) + swapped + stored.slice(i + 1);
      const { value, errors } = await readBack(codec, tampered);
      // The last character may carry only padding bits that base64 ignores; then the bytes are intact.
      if (errors.length === 0) {
        expect(i).toBe(stored.length - 1);
        expect(value).toEqual({ amount: 100, to: 'alice' });
      } else {
        expect(value).toBeUndefined();
        expect(errors[0]?.code).toBe('E_CODEC');
      }
    }
  });

  it('a changed key id in the header is E_CODEC (the header is authenticated)', async () => {
    const both = encryptedCodec(jsonCodec(), { current: 'k1', keys: { k1: K1, k2: K1 } });
    const stored = await both.encode({ v: 1 });
    await expect(both.decode(stored.replace('~e1:k1:', '~e1:k2:'))).rejects.toEqual(codecError);
  });

  it('truncation at every length is E_CODEC', async () => {
    const stored = await codec.encode({ v: 'x'.repeat(40) });
    for (let n = 0; n < stored.length; n++) {
      const { value, errors } = await readBack(codec, stored.slice(0, n));
      expect(value, `truncated to ${n}`).toBeUndefined();
      expect(errors.map((e) => e.code)).toEqual(['E_CODEC']);
    }
  });

  it('an unknown key id, plaintext and junk are E_CODEC', async () => {
    for (const junk of [
      '~e1:zz:AAAA',
      '{"a":1}',
      '',
      '~e1:',
      '~e1:k1:',
      '~e1:k1:!!!!',
      '~e1:k1:A',
      '~e1:bad id:AAAA',
    ]) {
      await expect(codec.decode(junk), junk).rejects.toEqual(codecError);
    }
  });

  it('composes with compression: compress, then encrypt', async () => {
    const stacked = encryptedCodec(compressedCodec(jsonCodec(), { threshold: 64 }), {
      current: 'k1',
      keys: { k1: K1 },
    });
    const big = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: 'row' })) };
    const plainLength = JSON.stringify(big).length;
    const stored = await stacked.encode(big);
    expect(stored.length).toBeLessThan(plainLength / 2);
    expect(await stacked.decode(stored)).toEqual(big);
    expect(stacked.name).toBe('aes-gcm(lz(json))');
  });

  it('writes and reads the same bytes as Web Crypto (Node uses node:crypto; edge runtimes Web Crypto)', async () => {
    const fromB64url = (text: string): Uint8Array =>
      Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const toB64url = (bytes: Uint8Array): string =>
      btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    for (const raw of [K1, K2, key(3, 24)]) {
      const c = encryptedCodec(jsonCodec(), { current: 'k', keys: { k: raw } });
      const webKey = await crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      const header = '~e1:k:';
      const additionalData = new TextEncoder().encode(header);
      // The codec's output opens with Web Crypto...
      const sealed = fromB64url((await c.encode({ n: 1, s: 'é' })).slice(header.length));
      const opened = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.subarray(0, 12), additionalData },
        webKey,
        sealed.subarray(12),
      );
      expect(JSON.parse(new TextDecoder().decode(opened))).toEqual({ n: 1, s: 'é' });
      // ...and Web Crypto's output opens with the codec.
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const body = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData },
          webKey,
          new TextEncoder().encode('{"web":true}'),
        ),
      );
      const stored = header + toB64url(new Uint8Array([...iv, ...body]));
      expect(await c.decode(stored)).toEqual({ web: true });
    }
  });

  it('an edge runtime (no process.getBuiltinModule: Web Crypto, atob/btoa) reads and writes the same values', async () => {
    vi.resetModules();
    const saved = process.getBuiltinModule;
    let edge: typeof import('../src/codecs/encrypted.js');
    try {
      // The module looks for Buffer and node:crypto once, when it loads.
      (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      edge = await import('../src/codecs/encrypted.js');
    } finally {
      process.getBuiltinModule = saved;
      vi.resetModules();
    }
    const keys = { k1: K1, k3: K3 };
    const onEdge = edge.encryptedCodec(jsonCodec(), { current: 'k3', keys });
    const onNode = encryptedCodec(jsonCodec(), { current: 'k1', keys });
    for (const value of [{ n: 1, s: 'é😀' }, 'x'.repeat(70_000), [], null]) {
      expect(await onNode.decode(await onEdge.encode(value))).toEqual(value);
      expect(await onEdge.decode(await onNode.encode(value))).toEqual(value);
    }
    // Both refuse the same malformed bodies, which Buffer's lenient decoder alone would skip over.
    const stored = await onNode.encode({ v: 1 });
    const body = stored.slice('~e1:k1:'.length);
    for (const bad of [
      `${body.slice(0, 10)}!${body.slice(10)}`,
      `${body}A`,
      `${body.slice(0, 20)}=${body.slice(20)}`,
    ]) {
      await expect(onNode.decode(`~e1:k1:${bad}`)).rejects.toEqual(codecError);
      await expect(onEdge.decode(`~e1:k1:${bad}`)).rejects.toEqual(codecError);
    }
    // Standard base64 with padding reads as base64url does, on both.
    const padded = btoa(
      atob(body.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (body.length % 4)) % 4)),
    );
    expect(await onNode.decode(`~e1:k1:${padded}`)).toEqual({ v: 1 });
    expect(await onEdge.decode(`~e1:k1:${padded}`)).toEqual({ v: 1 });
  });

  it.each([
    ['no options', undefined],
    ['current not among the keys', { current: 'k9', keys: { k1: K1 } }],
    ['a key of the wrong size', { current: 'k1', keys: { k1: key(1, 20) } }],
    ['a key that is not base64', { current: 'k1', keys: { k1: 'not base64!' } }],
    ['a key that is a number', { current: 'k1', keys: { k1: 42 } }],
    ['an id with a colon', { current: 'a:b', keys: { 'a:b': K1 } }],
  ])('refuses %s with E_INVALID_OPTIONS', (_name, options) => {
    expect(() => encryptedCodec(jsonCodec(), options as never)).toThrowError(
      expect.objectContaining({ code: 'E_INVALID_OPTIONS' }),
    );
  });
});

describe.each(storeMatrix())('encrypted values on $name', ({ create }) => {
  let store: KvStore | undefined;
  afterAll(async () => {
    if (store) await store.del(await scanAll(store));
  });

  it('round-trips through the store; tampering in the store is a miss', async () => {
    const ns = (await create()).namespace(randomPrefix());
    store = ns;
    const codec = encryptedCodec(compressedCodec(jsonCodec(), { threshold: 32 }), {
      current: 'k2',
      keys: { k1: K1, k2: K2 },
    });
    const values = [{ a: 1 }, 'ünïcødé ✓ 🦖', Array.from({ length: 100 }, (_, i) => i), null];
    for (const [i, value] of values.entries()) await ns.set(`v${i}`, await codec.encode(value));
    const read = await Promise.all(values.map(async (_, i) => codec.decode((await ns.get(`v${i}`)) ?? '')));
    expect(read).toEqual(values);

    const stored = (await ns.get('v0')) ?? '';
    await ns.set('v0', `${stored.slice(0, -3)}${stored.endsWith('AAA') ? 'BBB' : 'AAA'}`);
    const { value, errors } = await readBack(codec, (await ns.get('v0')) ?? '');
    expect(value).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['E_CODEC']);
  });
});
