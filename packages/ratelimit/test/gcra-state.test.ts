import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseState } from '../src/scripts/gcra.js';

/*
 * GCRA's twin reads its state digit by digit (no regex, no substrings). It must accept exactly
 * what the Lua accepts: `^(%-?%d+):(%d+):(%d+)$` with each capture through `whole` (at most 15
 * characters). The reference below is that rule as a regex; the differential test compares the
 * twin with the Lua itself on planted values.
 */
const REFERENCE = /^(-?\d+):(\d+):(\d+)$/;
function reference(v: string): number[] | undefined {
  const m = REFERENCE.exec(v);
  if (!m) return undefined;
  const parts = [m[1], m[2], m[3]] as string[];
  if (parts.some((p) => p.length > 15)) return undefined;
  return parts.map(Number);
}

/** The parser's numbers, copied out of its shared array. */
function parsed(v: string): number[] | undefined {
  const f = parseState(v);
  return f && [...f];
}

describe('gcra state parser', () => {
  it('accepts and rejects what the Lua pattern does', () => {
    const char = fc.constantFrom('0', '1', '5', '9', ':', '-', '+', ' ', 'a', '.', 'e', '\n');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }), (chars) => {
        const v = chars.join('');
        expect(parsed(v)).toEqual(reference(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the numbers of well-formed states exactly, up to 15 characters a field', () => {
    const field = (min: number) => fc.integer({ min, max: 999_999_999_999_999 });
    fc.assert(
      fc.property(field(-99_999_999_999_999), field(0), field(0), (a, b, c) => {
        const v = `${a}:${b}:${c}`;
        expect(parsed(v)).toEqual(reference(v));
      }),
      { numRuns: 2000 },
    );
    for (const v of [
      '-0:0:1',
      '1700000000000:5:1000000000',
      '000000000000001:0:1',
      '1:2',
      '1:2:3:',
      '-:1:1',
    ]) {
      expect(parsed(v)).toEqual(reference(v));
    }
    expect(reference('1234567890123456:1:1')).toBeUndefined();
    expect(parseState('1234567890123456:1:1')).toBeUndefined();
  });
});
