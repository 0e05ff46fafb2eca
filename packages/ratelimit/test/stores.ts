let seq = 0;
/** A prefix unique to this test run. */
export function uniquePrefix(tag: string): string {
  seq += 1;
  return `rltest:${tag}:${process.pid}-${Date.now().toString(36)}-${seq}:`;
}
