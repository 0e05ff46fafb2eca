import { z } from 'zod';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** A duration: milliseconds as a number, or a string such as `'500ms'`, `'30s'`, `'15m'`, `'24h'`, `'7d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

/** Milliseconds of a duration string or number; `undefined` when it is not one. */
export function toMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = PATTERN.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
}

/** A zod schema of a duration, parsed to whole milliseconds `>= min`. */
export function durationSchema(min: number): z.ZodType<number, Duration> {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = toMs(value);
    if (ms === undefined || !Number.isSafeInteger(ms) || ms < min) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration >= ${min} ms (a whole number of ms or a string like '15m'), got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  }) as unknown as z.ZodType<number, Duration>;
}
