import type { Handler } from './strings.js';

/** Set commands. */
export const SET_COMMANDS: Record<string, Handler> = {
  SADD: (ks, argv) => {
    const key = argv[1] as string;
    const set = (ks.typed(key, 'set') ?? ks.create(key, { type: 'set', value: new Set() })).value;
    let added = 0;
    for (let i = 2; i < argv.length; i++) {
      if (!set.has(argv[i] as string)) {
        set.add(argv[i] as string);
        added++;
      }
    }
    return added;
  },
  SREM: (ks, argv) => {
    const key = argv[1] as string;
    const entry = ks.typed(key, 'set');
    if (!entry) return 0;
    let removed = 0;
    for (let i = 2; i < argv.length; i++) if (entry.value.delete(argv[i] as string)) removed++;
    ks.deleteIfEmpty(key, entry);
    return removed;
  },
  SMEMBERS: (ks, argv) => [...(ks.typed(argv[1] as string, 'set')?.value ?? [])],
  SISMEMBER: (ks, argv) => (ks.typed(argv[1] as string, 'set')?.value.has(argv[2] as string) ? 1 : 0),
  SCARD: (ks, argv) => ks.typed(argv[1] as string, 'set')?.value.size ?? 0,
};
