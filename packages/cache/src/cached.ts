import { hashKeyPart } from '@raptorflow/core';
import {
  describeValue,
  durationSchema,
  invalidArgument,
  optionError,
  parseOptions,
} from '@raptorflow/core/kit';
import * as z from 'zod';
import { argumentsText } from './argument-key.js';
import type { CacheClient } from './cache.js';
import type { GetOrSetOptions } from './call-options.js';

/** Options of {@link cached}. */
export interface CachedOptions<A extends unknown[]> extends Omit<GetOrSetOptions, 'status' | 'tags'> {
  /** The cache, or a function returning it (a decorator runs before your cache exists). */
  cache: CacheClient | (() => CacheClient);
  /** Namespace name; its options apply. */
  namespace: string;
  /** The workspace: a fixed id, or one taken from the arguments (called with the method's `this`). */
  workspace: string | ((...args: A) => string);
  /**
   * The cache key from the arguments. @default SHA-256 of the JSON of the arguments (of a typed
   * form when JSON would merge them: `undefined` and `null`, `-0` and `0`, BigInt)
   */
  key?: ((...args: A) => string) | undefined;
  /** Tags of the result, fixed or from the arguments. */
  tags?: readonly string[] | ((...args: A) => readonly string[]) | undefined;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');
const OPTIONS = z
  .object({
    cache: z.union([
      fn,
      z.custom<CacheClient>(
        (v) => typeof (v as CacheClient | null)?.workspace === 'function',
        'must be a cache from createCache, or a function returning one',
      ),
    ]),
    namespace: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a namespace name ([A-Za-z0-9_-]{1,64})'),
    workspace: z.union([z.string().min(1), fn]),
    key: fn.optional(),
    tags: z.union([z.array(z.string()), fn]).optional(),
    // The getOrSet options, checked here so a bad one fails at construction, not on first use.
    ttl: durationSchema({ min: 1 }).optional(),
    grace: durationSchema({ min: 0 }).optional(),
    negativeTtl: durationSchema({ min: 0 }).optional(),
    staleWhileRevalidate: z.boolean().optional(),
    earlyRefresh: z.number().min(0).max(1).optional(),
    softTimeout: durationSchema({ min: 0 }).optional(),
    hardTimeout: durationSchema({ min: 1 }).optional(),
    lease: z.boolean().optional(),
  })
  .strict();

function invoker<This, A extends unknown[], R>(
  fn: (this: This, ...args: A) => R | Promise<R>,
  options: CachedOptions<A>,
  prefix: string,
): (this: This, ...args: A) => Promise<Awaited<R>> {
  parseOptions('cached', OPTIONS, options);
  const { cache, namespace, workspace, key, tags, ...rest } = options;
  return function (this: This, ...args: A): Promise<Awaited<R>> {
    // A bad workspace, key or argument rejects: this returns a promise, it never throws.
    try {
      const client = typeof cache === 'function' ? cache() : cache;
      if (typeof (client as CacheClient | null)?.workspace !== 'function') {
        throw invalidArgument('cached', `cache: the function returned ${describeValue(client)}, not a cache`);
      }
      const ws = typeof workspace === 'function' ? workspace.apply(this, args) : workspace;
      const k = key ? key.apply(this, args) : prefix + hashKeyPart(argumentsText(args));
      const t = typeof tags === 'function' ? tags.apply(this, args) : tags;
      return client
        .workspace(ws)
        .namespace<Awaited<R>>(namespace)
        .getOrSet(k, () => fn.apply(this, args) as Promise<Awaited<R>>, t ? { ...rest, tags: t } : rest);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * A method decorator made by {@link cached} (TC39 standard decorators). The option functions
 * (`workspace`, `key`, `tags`) receive the method's arguments.
 */
export type CachedDecorator = <This, M extends unknown[], R>(
  method: (this: This, ...args: M) => Promise<R>,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: M) => Promise<R>>,
) => (this: This, ...args: M) => Promise<R>;

/**
 * Cache a function's results through `getOrSet` (single flight, grace, tags and all):
 * `const getUser = cached(loadUser, { cache, namespace: 'profiles', workspace: (ws) => ws, key: (ws, id) => id })`.
 *
 * With options only, it is a method decorator (TC39 standard, as TypeScript 5 compiles them):
 * `@cached({ cache: () => cache, namespace: 'campaigns', workspace: (ws: string) => ws })`.
 * The default key of a method starts with its name.
 */
export function cached<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  options: CachedOptions<A>,
): (...args: A) => Promise<Awaited<R>>;
// biome-ignore lint/suspicious/noExplicitAny: a decorator's option functions see the method's own arguments.
export function cached<A extends unknown[] = any[]>(options: CachedOptions<A>): CachedDecorator;
export function cached<A extends unknown[], R>(
  fnOrOptions: ((...args: A) => R | Promise<R>) | CachedOptions<A>,
  options?: CachedOptions<A>,
): ((...args: A) => Promise<Awaited<R>>) | CachedDecorator {
  if (typeof fnOrOptions === 'function') {
    if (!options) throw optionError('cached', '(options)', 'required when the first argument is a function');
    return invoker(fnOrOptions, options, '');
  }
  const decoratorOptions = fnOrOptions;
  invoker(() => undefined, decoratorOptions, '');
  const loose = decoratorOptions as unknown as CachedOptions<unknown[]>;
  return (<This, M extends unknown[], R2>(
    method: (this: This, ...args: M) => Promise<R2>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: M) => Promise<R2>>,
  ): ((this: This, ...args: M) => Promise<R2>) => {
    if (context.kind !== 'method') {
      throw optionError('cached', '(decorator)', `decorate methods only, not a ${String(context.kind)}`);
    }
    return invoker(
      method as (this: This, ...args: unknown[]) => Promise<R2>,
      loose,
      `${String(context.name)}:`,
    ) as unknown as (this: This, ...args: M) => Promise<R2>;
  }) as CachedDecorator;
}
