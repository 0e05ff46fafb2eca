import { KvError } from '@raptorflow/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRecord, parseRecord } from '../src/scripts/shared.js';
import { newToken, TOKEN_PATTERN, tokenSlot, tokenTag } from '../src/token.js';

/*
 * The pieces `get` runs on every call without the regular expression or string-to-number
 * conversions they replaced: they must accept and refuse exactly what those did.
 */

const TOKEN_CHARS = [...'rf1.0123456789abcdefABCDEFxyzXYZ-_+/=\0 é'];
/** Strings close to a token: a real one with a character changed, added or removed, or random. */
const nearToken = fc.oneof(
  fc
    .tuple(fc.nat({ max: 50 }), fc.constantFrom(...TOKEN_CHARS), fc.constantFrom('set', 'insert', 'delete'))
    .map(([at, ch, how]) => {
      const t = newToken('a9f');
      if (how === 'set') return t.slice(0, at) + ch + t.slice(at + 1);
      if (how === 'insert') return t.slice(0, at) + ch + t.slice(at);
      return t.slice(0, at) + t.slice(at + 1);
    }),
  fc
    .array(fc.constantFrom(...TOKEN_CHARS), { minLength: 45, maxLength: 55 })
    .map((cs) => `rf1.${cs.slice(0, 3).join('')}.${cs.slice(3, 46).join('')}`),
  fc.string({ maxLength: 60 }),
);

describe('tokenSlot', () => {
  it('is the tag as a number for every token TOKEN_PATTERN accepts, and -1 for anything else', () => {
    fc.assert(
      fc.property(nearToken, (s) => {
        const ok = TOKEN_PATTERN.test(s);
        expect(tokenSlot(s)).toBe(ok ? Number.parseInt(s.slice(4, 7), 16) : -1);
        expect(tokenTag(s)).toBe(ok ? s.slice(4, 7) : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('covers every tag, 000 to fff', () => {
    for (let slot = 0; slot < 4096; slot++) {
      const tag = slot.toString(16).padStart(3, '0');
      expect(tokenSlot(newToken(tag))).toBe(slot);
    }
  });
});

describe('parseRecord numbers', () => {
  const T = 1_700_000_000_000;
  const head = { t: `${T}`, e: `${T + 1}`, x: `${T + 2}`, i: '86400000', c: `${T - 1}`, h: 'h', f: '' };

  it('reads each time of the head as written', () => {
    fc.assert(
      fc.property(
        fc.array(fc.maxSafeNat(), { minLength: 5, maxLength: 5 }),
        fc.constantFrom('', '0', '00'),
        ([t, e, x, i, c], zeros) => {
          const r = parseRecord(
            'test',
            formatRecord(
              { t: `${zeros}${t}`, e: `${e}`, x: `${x}`, i: `${i}`, c: `${c}`, h: 'h', f: 'fp' },
              'w',
              'u',
              '{}',
            ),
          );
          expect([r.touchedAt, r.expiresAt, r.absoluteExpiresAt, r.idleMs, r.createdAt]).toEqual([
            t,
            e,
            x,
            i,
            c,
          ]);
          expect(r).toMatchObject({ userId: 'u', workspaceId: 'w', fingerprint: 'fp', data: '{}' });
        },
      ),
    );
  });

  it.each([
    ['empty', ''],
    ['a sign', '-5'],
    ['an exponent', '1e3'],
    ['hex', '0x10'],
    ['a space', ' 12'],
    ['a fraction', '1.5'],
    ['beyond 2^53', '9007199254740993'],
    ['far beyond 2^53', '1'.repeat(40)],
  ])('refuses %s with E_SCRIPT (the Lua head reads digits only)', (_, bad) => {
    for (const field of ['t', 'e', 'x', 'i', 'c'] as const) {
      const text = formatRecord({ ...head, [field]: bad }, '', 'u', '{}');
      let error: unknown;
      try {
        parseRecord('test', text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KvError);
      expect((error as KvError).code).toBe('E_SCRIPT');
    }
  });

  it('2^53 - 1 is the largest time it reads', () => {
    const text = formatRecord({ ...head, e: '9007199254740991' }, '', 'u', '{}');
    expect(parseRecord('test', text).expiresAt).toBe(Number.MAX_SAFE_INTEGER);
  });
});
