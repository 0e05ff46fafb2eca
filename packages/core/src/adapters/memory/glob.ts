/**
 * Redis `stringmatchlen` (util.c, 7.0) ported byte for byte: `*`, `?`, `[a-z]`, `[^...]` and
 * backslash escapes, matched on the UTF-8 bytes as Redis does (`?` is one byte, not one character).
 */

const encoder = new TextEncoder();

/** A string as an array of signed bytes (C `char`), the unit Redis compares. */
function toBytes(s: string): Int8Array | string {
  // Pure ASCII: the code units are the bytes, no copy needed.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return new Int8Array(encoder.encode(s).buffer);
}

type Bytes = Int8Array | string;

function at(b: Bytes, i: number): number {
  if (i >= b.length) return 0; // the NUL terminator C code may read
  return typeof b === 'string' ? b.charCodeAt(i) : (b[i] as number);
}

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const CARET = 94;
const BACKSLASH = 92;
const DASH = 45;

function matchImpl(
  p: Bytes,
  pi: number,
  pEnd: number,
  s: Bytes,
  si: number,
  sEnd: number,
  state: { skip: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false;
  let plen = pEnd - pi;
  let slen = sEnd - si;
  while (plen > 0 && slen > 0) {
    const c = at(p, pi);
    if (c === STAR) {
      while (plen > 0 && at(p, pi + 1) === STAR) {
        pi++;
        plen--;
      }
      if (plen === 1) return true;
      while (slen > 0) {
        if (matchImpl(p, pi + 1, pEnd, s, si, sEnd, state, nesting + 1)) return true;
        if (state.skip) return false;
        si++;
        slen--;
      }
      state.skip = true;
      return false;
    }
    if (c === QUESTION) {
      si++;
      slen--;
    } else if (c === OPEN) {
      pi++;
      plen--;
      const not = at(p, pi) === CARET;
      if (not) {
        pi++;
        plen--;
      }
      let match = false;
      const sc = at(s, si);
      for (;;) {
        const pc = at(p, pi);
        if (pc === BACKSLASH && plen >= 2) {
          pi++;
          plen--;
          if (at(p, pi) === sc) match = true;
        } else if (pc === CLOSE) {
          break;
        } else if (plen === 0) {
          pi--;
          plen++;
          break;
        } else if (plen >= 3 && at(p, pi + 1) === DASH) {
          let start = pc;
          let end = at(p, pi + 2);
          if (start > end) [start, end] = [end, start];
          pi += 2;
          plen -= 2;
          if (sc >= start && sc <= end) match = true;
        } else if (pc === sc) {
          match = true;
        }
        pi++;
        plen--;
      }
      if (not) match = !match;
      if (!match) return false;
      si++;
      slen--;
    } else {
      if (c === BACKSLASH && plen >= 2) {
        pi++;
        plen--;
      }
      if (at(p, pi) !== at(s, si)) return false;
      si++;
      slen--;
    }
    pi++;
    plen--;
    if (slen === 0) {
      while (at(p, pi) === STAR && plen > 0) {
        pi++;
        plen--;
      }
      break;
    }
  }
  return plen === 0 && slen === 0;
}

/** A compiled Redis glob: call it with a key, get whether `MATCH` would keep it. */
export type GlobMatcher = (key: string) => boolean;

/** Compile a Redis `MATCH` pattern once for a whole scan. */
export function compileGlob(pattern: string): GlobMatcher {
  if (pattern === '*') return () => true;
  const p = toBytes(pattern);
  return (key) => {
    const s = toBytes(key);
    return matchImpl(p, 0, p.length, s, 0, s.length, { skip: false }, 0);
  };
}
