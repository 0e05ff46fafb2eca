/**
 * A Redis list: a growable ring buffer, so pushes and pops at either end are O(1) and index
 * access is O(1). A plain array's `unshift`/`shift` is O(n), which made LPUSH + RPOP queues of
 * 100k jobs quadratic.
 */
export class Deque {
  private buf: Array<string | undefined> = new Array(8);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  private grow(): void {
    const old = this.buf;
    const next: Array<string | undefined> = new Array(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }

  /** The element at `index` (0-based from the head); the caller keeps it in range. */
  at(index: number): string {
    return this.buf[(this.head + index) & (this.buf.length - 1)] as string;
  }

  pushBack(value: string): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = value;
    this.count++;
  }

  pushFront(value: string): void {
    if (this.count === this.buf.length) this.grow();
    this.head = (this.head - 1) & (this.buf.length - 1);
    this.buf[this.head] = value;
    this.count++;
  }

  popFront(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return value;
  }

  popBack(): string | undefined {
    if (this.count === 0) return undefined;
    const i = (this.head + this.count - 1) & (this.buf.length - 1);
    const value = this.buf[i];
    this.buf[i] = undefined;
    this.count--;
    return value;
  }

  /** Elements `start..stop` inclusive, already clamped. */
  slice(start: number, stop: number): string[] {
    const out: string[] = [];
    for (let i = start; i <= stop; i++) out.push(this.at(i));
    return out;
  }

  /** Replace the contents with `values`, head first (LREM). O(n). */
  rebuild(values: readonly string[]): void {
    let size = 8;
    while (size < values.length) size *= 2;
    this.buf = new Array(size);
    for (let i = 0; i < values.length; i++) this.buf[i] = values[i];
    this.head = 0;
    this.count = values.length;
  }

  /** All elements, head first. */
  toArray(): string[] {
    return this.count === 0 ? [] : this.slice(0, this.count - 1);
  }
}
