import BTreeModule from 'sorted-btree';

// sorted-btree is CommonJS with `exports.default`: Node's ESM loader hands us the exports object,
// bundlers hand us the class. Accept both.
const BTree = ((BTreeModule as unknown as { default?: typeof BTreeModule }).default ??
  BTreeModule) as typeof BTreeModule;

/** Compare two strings by their UTF-8 bytes (Redis `memcmp` order), without encoding them. */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000..U+FFFF; UTF-8 puts them above.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** A member's position in the ordered index: by score, ties by member bytes. */
export interface ZEntry {
  readonly score: number;
  readonly member: string;
}

function compareEntries(a: ZEntry, b: ZEntry): number {
  if (a.score < b.score) return -1;
  if (a.score > b.score) return 1;
  return compareBytes(a.member, b.member);
}

/** A score bound of a range query. */
export interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/**
 * A Redis sorted set: a member→score map for O(1) lookups beside a B+ tree ordered by
 * (score, member) for O(log n) inserts, pops and range starts.
 */
export class SortedSet {
  readonly scores: Map<string, number> = new Map();
  private readonly tree: BTreeModule<ZEntry, undefined> = new BTree<ZEntry, undefined>(
    undefined,
    compareEntries,
    64,
  );

  get size(): number {
    return this.scores.size;
  }

  /** Set a member's score (adding it when new). */
  set(member: string, score: number): void {
    const old = this.scores.get(member);
    if (old !== undefined) this.tree.delete({ score: old, member });
    this.scores.set(member, score);
    this.tree.set({ score, member }, undefined);
  }

  delete(member: string): boolean {
    const old = this.scores.get(member);
    if (old === undefined) return false;
    this.scores.delete(member);
    this.tree.delete({ score: old, member });
    return true;
  }

  /** Members in order from the lowest (or highest when `reverse`). */
  *iterate(reverse = false): IterableIterator<ZEntry> {
    if (reverse) {
      for (const [entry] of this.tree.entriesReversed()) yield entry;
    } else {
      for (const [entry] of this.tree.entries()) yield entry;
    }
  }

  /** Members with a score within [min, max], lowest first. */
  *range(min: Bound, max: Bound): IterableIterator<ZEntry> {
    if (Number.isNaN(min.value) || Number.isNaN(max.value)) return;
    for (const [entry] of this.tree.entries({ score: min.value, member: '' })) {
      if (min.exclusive && entry.score === min.value) continue;
      if (entry.score > max.value || (max.exclusive && entry.score === max.value)) return;
      yield entry;
    }
  }

  /** Members with a score within [min, max], highest first. */
  *rangeReversed(min: Bound, max: Bound): IterableIterator<ZEntry> {
    for (const [entry] of this.tree.entriesReversed()) {
      if (entry.score > max.value || (max.exclusive && entry.score === max.value)) continue;
      if (entry.score < min.value || (min.exclusive && entry.score === min.value)) return;
      yield entry;
    }
  }

  /** Members at ranks start..stop inclusive (already clamped, 0-based). */
  slice(start: number, stop: number, reverse: boolean): ZEntry[] {
    const out: ZEntry[] = [];
    const size = this.size;
    // Walk from the nearer end so ZRANGE -10 -1 on a large set does not visit every member.
    const fromEnd = start > size - 1 - stop;
    if (fromEnd) {
      let rank = size - 1;
      for (const entry of this.iterate(!reverse)) {
        if (rank < start) break;
        if (rank <= stop) out.push(entry);
        rank--;
      }
      return out.reverse();
    }
    let rank = 0;
    for (const entry of this.iterate(reverse)) {
      if (rank > stop) break;
      if (rank >= start) out.push(entry);
      rank++;
    }
    return out;
  }

  /** 0-based rank of a member, or null. O(rank). */
  rank(member: string, reverse: boolean): number | null {
    const score = this.scores.get(member);
    if (score === undefined) return null;
    let rank = 0;
    for (const entry of this.iterate(reverse)) {
      if (entry.member === member) return rank;
      rank++;
    }
    return null;
  }

  /** Remove and return the lowest member. */
  popMin(): ZEntry | undefined {
    const first = this.tree.minKey();
    if (first === undefined) return undefined;
    this.tree.delete(first);
    this.scores.delete(first.member);
    return first;
  }

  /** Remove and return the highest member. */
  popMax(): ZEntry | undefined {
    const last = this.tree.maxKey();
    if (last === undefined) return undefined;
    this.tree.delete(last);
    this.scores.delete(last.member);
    return last;
  }
}
