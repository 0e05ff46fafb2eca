/**
 * Which keys an L1 serves (`withL1`'s `only`): a test per key, or `undefined` for every key.
 * Keys are those the L1 sees, i.e. relative to the store it wraps.
 */
export type L1Scope = ((key: string) => boolean) | undefined;

/** The scope of `only` (prefixes, already validated as non-empty); `undefined` = every key. */
export function l1Scope(only: readonly string[] | undefined): L1Scope {
  if (only === undefined) return undefined;
  const prefixes = [...new Set(only)];
  if (prefixes.length === 1) {
    // The usual case (`['cache:']`): one startsWith, no loop.
    const [prefix] = prefixes as [string];
    return (key) => key.startsWith(prefix);
  }
  return (key) => {
    for (const prefix of prefixes) if (key.startsWith(prefix)) return true;
    return false;
  };
}

/** The keys of `keys` that `scope` serves (the same array when it serves every key). */
export function servedKeys(keys: readonly string[], scope: L1Scope): readonly string[] {
  return scope === undefined ? keys : keys.filter(scope);
}
