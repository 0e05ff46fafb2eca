import fc from 'fast-check';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  compressedCodec,
  decodeOrMiss,
  isKvError,
  jsonCodec,
  type KvError,
  schemaCodec,
} from '../src/index.js';

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

describe('jsonCodec', () => {
  const codec = jsonCodec();

  it('round-trips JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (value) => {
        expect(codec.decode(codec.encode(value))).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it.each([
    ['a BigInt', 10n],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['NaN', Number.NaN],
    ['Infinity inside an object', { a: Number.POSITIVE_INFINITY }],
    ['undefined at the top', undefined],
  ])('refuses %s with E_CODEC instead of losing it', (_label, value) => {
    expect(() => codec.encode(value)).toThrowError(expect.objectContaining({ code: 'E_CODEC' }));
  });

  it('stores a Date as its ISO string', () => {
    const date = new Date('2026-01-02T03:04:05.000Z');
    expect(codec.decode(codec.encode({ at: date }))).toEqual({ at: '2026-01-02T03:04:05.000Z' });
  });

  it('reports corrupt stored values as E_CODEC', () => {
    expect(() => codec.decode('{not json')).toThrowError(expect.objectContaining({ code: 'E_CODEC' }));
  });
});

describe('compressedCodec', () => {
  const big = {
    items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item number ${i}`, tags: ['a', 'b'] })),
  };

  it('compresses above the threshold, flags it, and reads it back', () => {
    const codec = compressedCodec(jsonCodec(), { threshold: 100 });
    const stored = codec.encode(big);
    expect(stored.startsWith('~z')).toBe(true);
    expect(stored.length).toBeLessThan(JSON.stringify(big).length / 3);
    expect(codec.decode(stored)).toEqual(big);
  });

  it('leaves small values plain and readable by the inner codec', () => {
    const codec = compressedCodec(jsonCodec(), { threshold: 100 });
    expect(codec.encode({ a: 1 })).toBe('{"a":1}');
    expect(codec.decode('{"a":1}')).toEqual({ a: 1 });
  });

  it('round-trips any string through an identity codec, including ones that start with the flag', () => {
    const identity = { name: 'identity', encode: (s: string) => s, decode: (s: string) => s };
    const codec = compressedCodec(identity, { threshold: 8 });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('~z', '~=', '~zAAAA', '~=~z')), (s) => {
        expect(codec.decode(codec.encode(s))).toBe(s);
      }),
    );
  });

  it('rejects a flagged value that does not decompress', () => {
    const codec = compressedCodec(jsonCodec());
    expect(() => codec.decode('~z!!!!')).toThrowError(expect.objectContaining({ code: 'E_CODEC' }));
  });

  it('uses the lz-string output that stores the fewest UTF-8 bytes (URI component)', () => {
    const json = JSON.stringify(big);
    const sizes = {
      base64: utf8Bytes(LZString.compressToBase64(json)),
      encodedURIComponent: utf8Bytes(LZString.compressToEncodedURIComponent(json)),
      utf16: utf8Bytes(LZString.compressToUTF16(json)),
    };
    // compress() emits lone surrogates, which Redis would corrupt: not a candidate.
    expect(LZString.compress(json).isWellFormed()).toBe(false);
    expect(sizes.encodedURIComponent).toBeLessThanOrEqual(sizes.base64);
    expect(sizes.encodedURIComponent).toBeLessThan(sizes.utf16 * 0.9);
    const stored = compressedCodec(jsonCodec(), { threshold: 0 }).encode(big);
    expect(utf8Bytes(stored)).toBe(sizes.encodedURIComponent + 2);
  });

  it('refuses a bad threshold', () => {
    expect(() => compressedCodec(jsonCodec(), { threshold: -1 })).toThrowError(
      expect.objectContaining({
        code: 'E_INVALID_OPTIONS',
        message: '[raptorflow] compressedCodec: threshold: must be a whole number >= 0',
      }),
    );
  });
});

describe('schemaCodec and decodeOrMiss', () => {
  const User = z.object({ id: z.number(), name: z.string() });
  const codec = schemaCodec(jsonCodec(), User);

  it('returns valid values', () => {
    expect(codec.decode(codec.encode({ id: 1, name: 'a' }))).toEqual({ id: 1, name: 'a' });
  });

  it('turns a value that fails the schema into a miss plus one reported error', () => {
    const errors: KvError[] = [];
    expect(decodeOrMiss(codec, '{"id":"x","name":"a"}', (e) => errors.push(e))).toBeUndefined();
    expect(decodeOrMiss(codec, 'garbage', (e) => errors.push(e))).toBeUndefined();
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => isKvError(e, 'E_CODEC'))).toBe(true);
    expect(errors[0]?.message).toContain('stored value fails its schema at id: ');
  });

  it('names the field of an unknown key and the root of a value of the wrong shape', () => {
    const strict = schemaCodec(jsonCodec(), z.strictObject({ id: z.number() }));
    expect(() => strict.decode('{"id":1,"extra":2}')).toThrowError(
      /stored value fails its schema at extra: is not in the schema/,
    );
    expect(() => strict.decode('5')).toThrowError(/stored value fails its schema at \(root\): /);
  });
});
