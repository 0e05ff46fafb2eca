import type { Analysis } from './text/analyse.js';
import { ANTONYMS, NEGATING_PREFIXES } from './text/lexicon.js';

/** The guards a semantic candidate must pass after the similarity threshold. */
export type GuardName =
  | 'numbers'
  | 'negation'
  | 'antonym'
  | 'entities'
  | 'units'
  | 'scope'
  | 'time'
  | 'roles';

/** Every guard, in the order they run. */
export const GUARD_NAMES: readonly GuardName[] = Object.freeze([
  'numbers',
  'negation',
  'antonym',
  'entities',
  'units',
  'scope',
  'time',
  'roles',
]);

/** Which guards run: each is on unless set to `false`. */
export type GuardOptions = Partial<Record<GuardName, boolean>>;

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean =>
  a.size === b.size && [...a].every((x) => b.has(x));

const ANTONYM_PAIRS: ReadonlySet<string> = new Set(ANTONYMS.flatMap(([x, y]) => [`${x}|${y}`, `${y}|${x}`]));

function negatedForm(x: string, y: string): boolean {
  for (const prefix of NEGATING_PREFIXES) {
    if (x === prefix + y && y.length >= 3) return true;
    if (y === prefix + x && x.length >= 3) return true;
  }
  return false;
}

// Two words that differ only in their first letters and share an ending of 4 or more letters
// (enable/disable, increase/decrease, encrypt/decrypt) are read as opposites in a one-word swap.
function sharedEnding(x: string, y: string): boolean {
  let n = 0;
  while (n < x.length && n < y.length && x[x.length - 1 - n] === y[y.length - 1 - n]) n++;
  return n >= 4 && x.length - n <= 4 && y.length - n <= 4 && x.length - n > 0 && y.length - n > 0;
}

function onlyIn(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return [...new Set(a.filter((w) => !other.has(w)))];
}

function antonymSwap(a: Analysis, b: Analysis): boolean {
  const onlyA = onlyIn(a.stems, b.stems);
  const onlyB = onlyIn(b.stems, a.stems);
  for (const x of onlyA) for (const y of onlyB) if (ANTONYM_PAIRS.has(`${x}|${y}`)) return true;
  const wordsA = onlyIn(a.words, b.words);
  const wordsB = onlyIn(b.words, a.words);
  for (const x of wordsA) for (const y of wordsB) if (negatedForm(x, y)) return true;
  const contentA = onlyIn(a.content, b.content);
  const contentB = onlyIn(b.content, a.content);
  if (contentA.length === 1 && contentB.length === 1) {
    const x = wordsA.find((w) => !b.words.includes(w));
    const y = wordsB.find((w) => !a.words.includes(w));
    if (wordsA.length === 1 && wordsB.length === 1 && x && y && sharedEnding(x, y)) return true;
  }
  return false;
}

// Each named thing of one prompt must appear in the other, as a name or as a plain word (a name
// at the start of a sentence is not marked, so "Python list vs tuple" still finds "Python").
function sameEntities(a: Analysis, b: Analysis): boolean {
  const wordsA = new Set(a.words);
  const wordsB = new Set(b.words);
  for (const e of a.entities) if (!wordsB.has(e)) return false;
  for (const e of b.entities) if (!wordsA.has(e)) return false;
  return sameSet(a.quoted, b.quoted);
}

// Swapped roles: the content words both prompts share appear in the same order except for two
// that traded places ("Google acquired YouTube" / "YouTube acquired Google"). A moved phrase is
// not a swap ("at sea level, what is…" / "what is … at sea level").
function swappedRoles(a: Analysis, b: Analysis): boolean {
  const once = (list: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const w of list) counts.set(w, (counts.get(w) ?? 0) + 1);
    return list.filter((w) => counts.get(w) === 1);
  };
  const onceB = new Set(once(b.content));
  const seqA = once(a.content).filter((w) => onceB.has(w));
  const inA = new Set(seqA);
  const seqB = once(b.content).filter((w) => inA.has(w));
  if (seqA.length < 2) return false;
  const apart = (words: readonly string[], stems: readonly string[], x: string, y: string) =>
    Math.abs(stems.indexOf(x) - stems.indexOf(y)) > 1 && words.length > 0;
  const diff: number[] = [];
  for (let i = 0; i < seqA.length; i++) if (seqA[i] !== seqB[i]) diff.push(i);
  if (diff.length !== 2) return false;
  const [i = 0, j = 0] = diff;
  const x = seqA[i] as string;
  const y = seqA[j] as string;
  // Roles are two words with something between them in both prompts ("JSON to YAML"); words
  // side by side that trade places are a rewording ("the largest ocean" / "ocean is the largest").
  return x === seqB[j] && y === seqB[i] && apart(a.words, a.stems, x, y) && apart(b.words, b.stems, x, y);
}

/**
 * The first place where `a` and `b` each have words the other lacks between the same shared
 * words ("deploy" / "monitor" in "… the router timeouts"): the words of each side there, or
 * `undefined` when one only adds or drops words. Content stems, in order.
 */
export function substitution(
  a: readonly string[],
  b: readonly string[],
): readonly [readonly string[], readonly string[]] | undefined {
  const segments = (x: readonly string[], other: ReadonlySet<string>): string[][] => {
    const out: string[][] = [[]];
    for (const w of x) {
      if (other.has(w)) out.push([]);
      else (out[out.length - 1] as string[]).push(w);
    }
    return out;
  };
  const sa = segments(a, new Set(b));
  const sb = segments(b, new Set(a));
  if (sa.length !== sb.length) return undefined;
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i] as string[];
    const y = sb[i] as string[];
    if (x.length > 0 && y.length > 0) return [x, y];
  }
  return undefined;
}

const CHECKS: Readonly<Record<GuardName, (a: Analysis, b: Analysis) => boolean>> = {
  numbers: (a, b) => sameSet(a.numbers, b.numbers),
  negation: (a, b) => a.negations === b.negations,
  antonym: (a, b) => !antonymSwap(a, b),
  entities: sameEntities,
  units: (a, b) => sameSet(a.units, b.units),
  scope: (a, b) => sameSet(a.tasks, b.tasks) && sameSet(a.formats, b.formats),
  time: (a, b) => sameSet(a.times, b.times),
  roles: (a, b) => !swappedRoles(a, b),
};

/**
 * The first guard that refuses `b` as a stand-in for `a`, or `undefined` when all enabled guards
 * pass. Symmetric: `guardFailure(a, b)` and `guardFailure(b, a)` agree.
 */
export function guardFailure(a: Analysis, b: Analysis, enabled: GuardOptions = {}): GuardName | undefined {
  for (const name of GUARD_NAMES) {
    if (enabled[name] === false) continue;
    if (!CHECKS[name](a, b)) return name;
  }
  return undefined;
}
