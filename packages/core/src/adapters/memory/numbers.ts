/**
 * Number parsing and formatting exactly as Redis 7.0 does it, so replies and stored strings
 * are byte-identical: `string2ll` for integers, `strtod` for scores, `%.17g` for double
 * replies and an 80-bit long double for INCRBYFLOAT (Redis computes it in `long double`).
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const STRICT_INT = /^(?:0|-?[1-9][0-9]{0,19})$/;

/** Redis `string2ll`: no sign but `-`, no leading zeros, no spaces, within int64. */
export function parseInt64(s: string): bigint | null {
  if (!STRICT_INT.test(s)) return null;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

/** True when `n` fits in a signed 64-bit integer. */
export function inInt64(n: bigint): boolean {
  return n >= INT64_MIN && n <= INT64_MAX;
}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INFINITY = /^[+-]?inf(?:inity)?$/i;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;

/** C's hexadecimal float form (`0x1.8p3`), which strtod and strtold accept, as an exact fraction. */
function parseHex(s: string): { neg: boolean; num: bigint; exp2: number } | null {
  const m = HEX.exec(s);
  if (!m) return null;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? m[4] ?? '';
  const num = BigInt(`0x${intPart}${frac}` === '0x' ? '0' : `0x${intPart}${frac}`);
  return { neg: m[1] === '-', num, exp2: Number(m[5] ?? '0') - 4 * frac.length };
}

function hexToNumber(h: { neg: boolean; num: bigint; exp2: number }): number {
  // Exact enough for the values a test sends; huge exponents saturate like strtod.
  const n = Number(h.num) * 2 ** h.exp2;
  return h.neg ? -n : n;
}

/**
 * `strtod` on the whole string. `strict` adds Redis `string2d`'s refusal of overflow and
 * underflow (`ZADD 1e400` is an error but `ZRANGEBYSCORE 0 1e400` is not).
 */
export function parseDouble(text: string, strict: boolean): number | null {
  // strtod skips leading white space; string2d (strict) refuses it.
  if (strict && /^[ \t\n\v\f\r]/.test(text)) return null;
  const s = strict ? text : text.replace(/^[ \t\n\v\f\r]+/, '');
  if (INFINITY.test(s)) return s.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const hex = parseHex(s);
  if (hex) {
    const n = hexToNumber(hex);
    return strict && (!Number.isFinite(n) || (n === 0 && hex.num !== 0n)) ? null : n;
  }
  if (!DECIMAL.test(s)) return null;
  const n = Number(s);
  if (strict) {
    if (!Number.isFinite(n)) return null;
    if (n === 0 && /[1-9]/.test(s.split(/[eE]/)[0] as string)) return null;
  }
  return n;
}

/** A double reply (`ZSCORE`, `ZINCRBY`, `WITHSCORES`) as Redis 7.0 prints it: `%.17g`. */
export function formatDouble(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (n === 0) return '0';
  // Integers below 2^53 print the same under %.17g as String() does, without the slow path.
  if (Number.isSafeInteger(n)) return String(n);
  const [mantissa = '', expText = '0'] = n.toExponential(16).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const sign = exp < 0 ? '-' : '+';
    return `${trimFraction(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trimFraction(n.toFixed(16 - exp));
}

function trimFraction(s: string): string {
  if (!s.includes('.')) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

// ---------------------------------------------------------------------------------------------
// An x87 80-bit long double: sign, 64-bit mantissa, binary exponent. INCRBYFLOAT parses with
// strtold, adds in long double and prints with %.17Lf, so 0.1 + 0.2 is "0.3" on Redis.

interface LongDouble {
  readonly neg: boolean;
  /** 0n, or 2^63 <= m < 2^64. */
  readonly m: bigint;
  readonly e: number;
  readonly inf?: boolean;
}

const MANT_BITS = 64;
const MAX_EXP = 16383;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Round the exact value `num / den * 2^e` to 64 bits, half to even. */
function roundRational(neg: boolean, num: bigint, den: bigint, e: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0 };
  // Scale so that the quotient has exactly 64 bits.
  let shift = MANT_BITS - (bitLength(num) - bitLength(den));
  let q: bigint;
  let r: bigint;
  let d = den;
  for (;;) {
    const n = shift >= 0 ? num << BigInt(shift) : num;
    d = shift >= 0 ? den : den << BigInt(-shift);
    q = n / d;
    r = n % d;
    const bits = bitLength(q);
    if (bits === MANT_BITS) break;
    shift += MANT_BITS - bits;
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
  let exp = e - shift;
  if (bitLength(q) > MANT_BITS) {
    q >>= 1n;
    exp += 1;
  }
  if (exp + MANT_BITS - 1 > MAX_EXP) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m: q, e: exp };
}

/** `strtold` on the whole string, or null when Redis would refuse it. */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0) return null;
  if (INFINITY.test(s)) return { neg: s.startsWith('-'), m: 0n, e: 0, inf: true };
  const hex = parseHex(s);
  if (hex) {
    if (hex.num === 0n) return { neg: hex.neg, m: 0n, e: 0 };
    return hex.exp2 >= 0
      ? roundRational(hex.neg, hex.num << BigInt(hex.exp2), 1n, 0)
      : roundRational(hex.neg, hex.num, 1n << BigInt(-hex.exp2), 0);
  }
  if (!DECIMAL.test(s)) return null;
  const neg = s.startsWith('-');
  const body = s.replace(/^[+-]/, '');
  const [digitsPart = '', expPart] = body.split(/[eE]/);
  const [intPart = '', fracPart = ''] = digitsPart.split('.');
  const digits = BigInt(`${intPart}${fracPart}` || '0');
  const exp10 = Number(expPart ?? '0') - fracPart.length;
  if (digits === 0n) return { neg, m: 0n, e: 0 };
  // Far outside the long double range: saturate instead of building huge BigInts.
  const magnitude = exp10 + String(digits).length;
  if (magnitude > 4940) return { neg, m: 0n, e: 0, inf: true };
  if (magnitude < -4960) return { neg, m: 0n, e: 0 };
  if (exp10 >= 0) return roundRational(neg, digits * 10n ** BigInt(exp10), 1n, 0);
  return roundRational(neg, digits, 10n ** BigInt(-exp10), 0);
}

/** Exact sum of two long doubles, rounded to 64 bits. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return { neg: false, m: 0n, e: 0, inf: true };
    return a.inf ? a : b;
  }
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

/** True for the infinities INCRBYFLOAT refuses. */
export function isInfinite(v: LongDouble): boolean {
  return v.inf === true;
}

/** `%.17Lf` with trailing zeros removed, as Redis `ld2string(LD_STR_HUMAN)` prints it. */
export function formatLongDouble(v: LongDouble): string {
  let integer: bigint;
  let fraction: bigint;
  const SCALE = 10n ** 17n;
  if (v.e >= 0) {
    integer = v.m << BigInt(v.e);
    fraction = 0n;
  } else {
    const den = 1n << BigInt(-v.e);
    const scaled = v.m * SCALE;
    let q = scaled / den;
    const twice = (scaled % den) * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
    integer = q / SCALE;
    fraction = q % SCALE;
  }
  let text = integer.toString();
  if (fraction !== 0n) text += `.${fraction.toString().padStart(17, '0')}`.replace(/0+$/, '');
  if (v.neg && text !== '0') text = `-${text}`;
  return text;
}
