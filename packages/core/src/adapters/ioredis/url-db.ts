/** Redis's largest `databases` setting (INT_MAX); which indexes exist is known only at SELECT. */
export const MAX_DB: number = 2 ** 31 - 1;

/**
 * The database a `redis://` URL selects, read as ioredis reads it (the path `/N`, else a
 * `?db=N` parameter), or the problem with it. ioredis turns `/cache` or `?db=abc` into
 * `SELECT NaN`, whose rejection nobody handles (Node exits), so it is refused up front.
 * `undefined` when the URL names no database. Dependency-free: `planFromEnv` calls it too.
 */
export function redisUrlDatabase(url: string): number | string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  const path = parsed.pathname.length > 1 ? parsed.pathname.slice(1) : undefined;
  const raw = path ?? parsed.searchParams.get('db') ?? undefined;
  if (raw === undefined) return undefined;
  const db = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(db <= MAX_DB)) {
    return `selects database "${raw.slice(0, 40)}": a database is a whole number from 0 to ${MAX_DB} (redis://host:port/2)`;
  }
  return db;
}

/** The problem with a `redis://` URL's database (see {@link redisUrlDatabase}), or `undefined`. */
export function redisUrlProblem(url: string): string | undefined {
  const db = redisUrlDatabase(url);
  return typeof db === 'string' ? db : undefined;
}
