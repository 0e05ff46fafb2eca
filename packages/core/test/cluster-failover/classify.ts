import type { KvStore } from '../../src/types.js';
import type { Write } from './load.js';

/** The fate of a run's writes, read back after recovery. */
export interface Classification {
  /** Acknowledged and present. */
  readonly kept: number;
  /** Acknowledged SETs and RPUSHes that are gone. */
  readonly lost: Write[];
  /** Acknowledged INCRs missing from their counters (a lower bound: a failed INCR that landed hides one). */
  readonly lostIncrs: number;
  /** Failed writes found applied, and found not applied (both allowed: the effect was unknown). */
  readonly failedPresent: number;
  readonly failedAbsent: number;
  /** Ids found more than once in a list, and counters above acknowledged + failed INCRs: must be zero. */
  readonly duplicated: number;
  /** Lists holding an id no write of this run pushed: must be zero. */
  readonly foreign: number;
}

/** Read every key of the run back and classify each write. */
export async function classify(store: KvStore, writes: readonly Write[]): Promise<Classification> {
  const lost: Write[] = [];
  let kept = 0;
  let failedPresent = 0;
  let failedAbsent = 0;
  let duplicated = 0;
  let foreign = 0;
  let lostIncrs = 0;
  const tally = (w: Write, present: boolean): void => {
    if (w.status === 'acked') {
      if (present) kept++;
      else lost.push(w);
    } else if (present) failedPresent++;
    else failedAbsent++;
  };

  const sets = writes.filter((w) => w.kind === 'set');
  for (let i = 0; i < sets.length; i += 500) {
    const chunk = sets.slice(i, i + 500);
    const values = await store.mget(chunk.map((w) => w.key));
    for (const [j, w] of chunk.entries()) tally(w, values[j] === w.value);
  }

  const byList = group(writes, 'rpush');
  for (const [key, pushes] of byList) {
    const counts = new Map<string, number>();
    for (const id of await store.lrange(key, 0, -1)) counts.set(id, (counts.get(id) ?? 0) + 1);
    const ours = new Set(pushes.map((w) => w.value));
    for (const [id, n] of counts) {
      if (n > 1) duplicated += n - 1;
      if (!ours.has(id)) foreign++;
    }
    for (const w of pushes) tally(w, counts.has(w.value));
  }

  for (const [key, incrs] of group(writes, 'incr')) {
    const value = Number((await store.get(key)) ?? '0');
    const acked = incrs.filter((w) => w.status === 'acked').length;
    const failed = incrs.filter((w) => w.status !== 'acked').length;
    if (value > acked + failed) duplicated += value - acked - failed;
    lostIncrs += Math.max(0, acked - value);
    kept += Math.min(acked, value);
  }
  return { kept, lost, lostIncrs, failedPresent, failedAbsent, duplicated, foreign };
}

function group(writes: readonly Write[], kind: Write['kind']): Map<string, Write[]> {
  const out = new Map<string, Write[]>();
  for (const w of writes) {
    if (w.kind !== kind) continue;
    const list = out.get(w.key);
    if (list) list.push(w);
    else out.set(w.key, [w]);
  }
  return out;
}
