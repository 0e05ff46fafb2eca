import { type CacheStatus, createCache, type NamespaceCache } from '@raptorflow/cache';
import {
  type Duration,
  describeValue,
  featureKeyspace,
  invalidArgument,
  isStoreFailure,
  parseDuration,
} from '@raptorflow/core/kit';
import { emitOperation, FEATURE, featureHub, type LlmCacheOperation, operationStart } from './events.js';
import { GUARD_NAMES, type GuardName } from './guards.js';
import { type LlmCacheOptions, parseLlmCacheOptions } from './options.js';
import { type Savings, savingsOf, type Usage } from './prices.js';
import { type LlmRequest, readRequest, sha256Hex } from './request.js';
import { MAX_INSERT_BATCH } from './scripts/index.js';
import {
  createSemanticTier,
  type Embedded,
  type PartitionKeys,
  type SemanticItem,
  type SemanticMiss,
} from './semantic/tier.js';

/** Where a call is served from and for whom. */
export interface LlmCallOptions {
  /** The tenant (workspace): letters, digits, `_`, `.`, `-`. Entries of one tenant are never served to another. @default 'default' */
  tenant?: string | undefined;
  /** A namespace declared in the options. @default 'default' */
  namespace?: string | undefined;
  /** Skip the cache: no read, no write (the model is called). @default false */
  bypass?: boolean | undefined;
  /** Cache even when `params.temperature` is above `maxTemperature`. @default false */
  anyTemperature?: boolean | undefined;
}

/** Options of {@link LlmCache.set}. */
export interface LlmSetOptions extends LlmCallOptions {
  /** Tokens the response used: what a later hit reports as saved. */
  usage?: Usage | undefined;
  /** Serve it for this long instead of the namespace's TTL. */
  ttl?: Duration | undefined;
}

/** One entry of {@link LlmCache.setMany}: a request, its answer, and the options of `set`. */
export interface LlmSetManyEntry<T> extends LlmSetOptions {
  readonly request: LlmRequest;
  readonly value: T;
}

/** Options of {@link LlmCache.getOrCall}. */
export interface LlmGetOrCallOptions<T> extends LlmCallOptions {
  /** Read the tokens used from the model's result, for the savings of later hits. */
  usage?: ((value: T) => Usage | undefined) | undefined;
}

/** Where an answer came from: `exact` and `semantic` are hits. */
export type LlmStage = 'exact' | 'semantic' | 'miss' | 'dedup' | 'bypass';

/** A served answer; see {@link LlmCache.get}. */
export interface LlmHit<T> {
  readonly value: T;
  readonly stage: 'exact' | 'semantic';
  /** Cosine similarity to the stored prompt: 1 for an exact hit. */
  readonly score: number;
  readonly usage: Usage | undefined;
  readonly saved: Savings;
}

/** The result of {@link LlmCache.getOrCall}. */
export interface LlmResult<T> {
  readonly value: T;
  readonly stage: LlmStage;
  /** Similarity of a semantic hit; 1 for an exact hit; `undefined` otherwise. */
  readonly score: number | undefined;
  /** What the hit saved (`undefined` unless `stage` is `exact` or `semantic`). */
  readonly saved: Savings | undefined;
  /** Background work (the semantic index write after a miss): hand it to `waitUntil`. Never rejects. */
  readonly pending: Promise<void>;
}

/** What {@link LlmCache.invalidate} removes. */
export interface InvalidateOptions {
  tenant: string;
  /** Only this model's entries. @default every model */
  model?: string | undefined;
}

/** An LLM response cache; see {@link createLlmCache}. */
export interface LlmCache {
  /** The cached answer to `request` (exact, then by meaning), or `undefined`. */
  get<T>(request: LlmRequest, options?: LlmCallOptions): Promise<LlmHit<T> | undefined>;
  /** Store an answer; the returned promise settles once both tiers are written. */
  set<T>(request: LlmRequest, value: T, options?: LlmSetOptions): Promise<void>;
  /**
   * Store many answers (a bulk load, a warm-up): every entry is checked before anything is
   * written, then they are embedded and written in batches of 100, a few round trips per batch
   * (one pipeline of exact writes, one insert script per partition, one registry write).
   */
  setMany<T>(entries: readonly LlmSetManyEntry<T>[]): Promise<void>;
  /**
   * The cached answer, or `call()`'s, cached. Concurrent callers of one exact request in this
   * process share one call (all processes with `lease`).
   */
  getOrCall<T>(
    request: LlmRequest,
    call: () => Promise<T> | T,
    options?: LlmGetOrCallOptions<T>,
  ): Promise<LlmResult<T>>;
  /** Remove a tenant's entries (of one model, or all). */
  invalidate(options: InvalidateOptions): Promise<void>;
  /** Close the underlying cache (its purge jobs); not the store. */
  close(): Promise<void>;
}

interface Envelope {
  /** The answer. */
  readonly v: unknown;
  readonly u?: Usage | undefined;
}

// Only whole, non-negative token counts are kept: a provider's missing field is not stored.
function cleanUsage(usage: Usage | undefined): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const out: { inputTokens?: number; outputTokens?: number } = {};
  if (Number.isSafeInteger(usage.inputTokens) && (usage.inputTokens as number) >= 0)
    out.inputTokens = usage.inputTokens;
  if (Number.isSafeInteger(usage.outputTokens) && (usage.outputTokens as number) >= 0)
    out.outputTokens = usage.outputTokens;
  return out.inputTokens === undefined && out.outputTokens === undefined ? undefined : out;
}

/**
 * Why a semantic lookup served nothing although candidates passed the threshold, for the miss
 * event's detail: the guards that refused one (each once, in the order they run) and whether
 * two acceptable answers were too close to choose (`ambiguous`).
 */
interface Refusal {
  readonly refused: readonly GuardName[];
  readonly ambiguous: boolean;
}

function refusalOf(miss: SemanticMiss | undefined): Refusal | undefined {
  if (!miss || (miss.refused.length === 0 && !miss.ambiguous)) return undefined;
  return { refused: GUARD_NAMES.filter((g) => miss.refused.includes(g)), ambiguous: miss.ambiguous };
}

const TENANT = /^[A-Za-z0-9_.-]{1,128}$/;
const RESOLVED = Promise.resolve();

/**
 * Exact and semantic caching of LLM responses on any RaptorFlow KV store.
 *
 * ```ts
 * const llm = createLlmCache({ store });
 * const { value, stage } = await llm.getOrCall(request, () => openai.chat.completions.create(request), {
 *   tenant: workspaceId,
 *   usage: (r) => ({ inputTokens: r.usage?.prompt_tokens, outputTokens: r.usage?.completion_tokens }),
 * });
 * ```
 */
export function createLlmCache(options: LlmCacheOptions): LlmCache {
  const o = parseLlmCacheOptions(options);
  const keys = featureKeyspace(o.store, { feature: FEATURE, prefix: o.prefix });
  const hub = featureHub(o.store);
  const cache = createCache({
    store: o.store,
    prefix: `${keys.prefix}x:`,
    defaults: { ttl: o.ttl, jitter: 0, lease: o.lease },
    onStoreError: o.onStoreError,
  });
  const semantic = o.semantic === false ? undefined : createSemanticTier(o.semantic);
  const embedderId = o.semantic === false ? '' : o.semantic.embedder.id;
  // A local embedder is called before the first store call: one script reads both tiers.
  const oneScript = o.semantic !== false && o.semantic.embedder.local === true;

  interface Call {
    readonly tenant: string;
    readonly namespace: string;
    readonly ttl: number;
    readonly semanticOn: boolean;
    readonly model: string;
    readonly exactKey: string;
    /** The entry's id in its semantic partition: a prefix of the exact key. */
    readonly exactId: string;
    readonly text: string;
    readonly exact: NamespaceCache<Envelope>;
    readonly partition: PartitionKeys | undefined;
    readonly partitionId: string;
    readonly cacheable: boolean;
  }

  async function prepare(
    request: LlmRequest,
    call: LlmCallOptions | undefined,
    where: string,
  ): Promise<Call> {
    if (call !== undefined && (typeof call !== 'object' || call === null)) {
      throw invalidArgument(where, `options: expected an object, got ${describeValue(call)}`);
    }
    const tenant = call?.tenant ?? 'default';
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
      throw invalidArgument(
        where,
        `tenant: expected letters, digits, _ . - (1 to 128), got ${describeValue(tenant)}`,
      );
    }
    const namespace = call?.namespace ?? 'default';
    const ns = typeof namespace === 'string' ? o.namespaces[namespace] : undefined;
    if (!ns || !Object.hasOwn(o.namespaces, namespace)) {
      throw invalidArgument(where, `namespace: ${describeValue(namespace)} is not declared in the options`);
    }
    const parts = readRequest(request, where);
    const cacheable =
      call?.bypass !== true &&
      (parts.temperature === undefined ||
        parts.temperature <= o.maxTemperature ||
        call?.anyTemperature === true);
    const exactKey = sha256Hex(parts.exact);
    const modelHash = sha256Hex(parts.model);
    const partitionHash = sha256Hex(`${namespace}\n${embedderId}\n${parts.context}`);
    const partitionId = partitionHash.slice(0, 20);
    const tag = keys.tag(`${tenant}:${partitionId}`);
    const semanticOn = semantic !== undefined && ns.semantic && parts.semantic;
    return {
      tenant,
      namespace,
      ttl: ns.ttl,
      semanticOn,
      model: parts.model,
      exactKey,
      exactId: exactKey.slice(0, 24),
      text: parts.text,
      // One cache namespace per (namespace, model): invalidating a model is an O(1) clear.
      exact: cache.workspace(tenant).namespace<Envelope>(`${namespace}-${modelHash.slice(0, 12)}`),
      partition: semanticOn
        ? { index: `${tag}:z`, vectors: `${tag}:v`, records: `${tag}:r`, buckets: `${tag}:b` }
        : undefined,
      partitionId,
      cacheable,
    };
  }

  // The semantic tier under the failure policy: a store failure is a miss unless fail-closed.
  async function guarded<R>(work: () => Promise<R>, onFailure: R): Promise<R> {
    try {
      return await work();
    } catch (error) {
      if (o.onStoreError !== 'fail-closed' && isStoreFailure(error)) return onFailure;
      throw error;
    }
  }

  // `exactId` names the request's own entry: the same script then serves an exact hit too.
  async function semanticLookup(
    c: Call,
    exactId: string,
  ): Promise<
    | { envelope: Envelope; score: number; examined: number; expiresAt: number; exact: boolean }
    | { examined: number; embedded: Embedded | undefined; refusal: Refusal | undefined }
  > {
    if (!semantic || !c.partition) return { examined: 0, embedded: undefined, refusal: undefined };
    const embedded = await semantic.embed(c.text);
    const found = await guarded(
      () => semantic.lookup(keys.root, c.partition as PartitionKeys, exactId, embedded),
      undefined,
    );
    if (found && 'entry' in found) {
      return {
        envelope: JSON.parse(found.entry) as Envelope,
        score: found.score,
        examined: found.examined,
        expiresAt: found.expiresAt,
        exact: found.exact,
      };
    }
    return { examined: found?.examined ?? 0, embedded, refusal: refusalOf(found) };
  }

  async function semanticInsert(
    c: Call,
    embedded: Embedded | undefined,
    envelope: Envelope,
    ttl: number,
  ): Promise<void> {
    if (!semantic || !c.partition) return;
    const e = embedded ?? (await semantic.embed(c.text));
    const registry = `${keys.tag(c.tenant)}:parts`;
    await guarded(
      () =>
        Promise.all([
          semantic.insert(keys.root, c.partition as PartitionKeys, [
            { id: c.exactId, query: e, entry: JSON.stringify(envelope), ttlMs: ttl },
          ]),
          keys.root.hset(registry, {
            [c.partitionId]: JSON.stringify({ model: c.model, namespace: c.namespace }),
          }),
        ]).then(() => undefined),
      undefined,
    );
  }

  // One batch of setMany: one embedder call, then in parallel one pipeline of exact writes per
  // cache namespace, one insert script per partition and one registry write per tenant.
  type BatchItem = { c: Call; envelope: Envelope; ttl: number };
  const indexedOf = (batch: readonly BatchItem[]) =>
    semantic ? batch.filter((item) => item.c.partition !== undefined) : [];

  async function writeBatch(batch: readonly BatchItem[], embedded: readonly Embedded[]): Promise<void> {
    const exact = new Map<
      string,
      { ns: NamespaceCache<Envelope>; entries: { key: string; value: Envelope; ttl: number }[] }
    >();
    for (const { c, envelope, ttl } of batch) {
      const id = `${c.tenant}\n${c.exact.name}`;
      let group = exact.get(id);
      if (!group) {
        group = { ns: c.exact, entries: [] };
        exact.set(id, group);
      }
      group.entries.push({ key: c.exactKey, value: envelope, ttl });
    }
    const writes: Promise<unknown>[] = [...exact.values()].map((g) => g.ns.setMany(g.entries));
    const indexed = indexedOf(batch);
    if (semantic && indexed.length > 0) {
      const partitions = new Map<string, { keys: PartitionKeys; items: SemanticItem[] }>();
      const registries = new Map<string, Record<string, string>>();
      indexed.forEach(({ c, envelope, ttl }, k) => {
        const keysOf = c.partition as PartitionKeys;
        let part = partitions.get(keysOf.index);
        if (!part) {
          part = { keys: keysOf, items: [] };
          partitions.set(keysOf.index, part);
        }
        part.items.push({
          id: c.exactId,
          query: embedded[k] as Embedded,
          entry: JSON.stringify(envelope),
          ttlMs: ttl,
        });
        const registry = `${keys.tag(c.tenant)}:parts`;
        const fields = registries.get(registry) ?? {};
        fields[c.partitionId] = JSON.stringify({ model: c.model, namespace: c.namespace });
        registries.set(registry, fields);
      });
      writes.push(
        guarded(
          () =>
            Promise.all([
              ...[...partitions.values()].map((p) => semantic.insert(keys.root, p.keys, p.items)),
              ...[...registries].map(([registry, fields]) => keys.root.hset(registry, fields)),
            ]).then(() => undefined),
          undefined,
        ),
      );
    }
    await Promise.all(writes);
  }

  function report(
    operation: LlmCacheOperation,
    started: number,
    outcome: string,
    tenant: string,
    error?: unknown,
    detail?: Record<string, unknown>,
  ): void {
    emitOperation(hub, operation, started, outcome, tenant, error, detail);
  }

  function savingsDetail(
    saved: Savings | undefined,
    extra: Record<string, unknown>,
  ): Record<string, unknown> {
    // The split and the model are what metrics' usage bridge records per workspace (`saved*`).
    return saved
      ? {
          ...extra,
          model: saved.model,
          savedTokens: saved.tokens,
          savedInputTokens: saved.inputTokens,
          savedOutputTokens: saved.outputTokens,
          savedCost: saved.cost,
          currency: saved.currency,
          priceDate: saved.priceDate,
        }
      : extra;
  }

  return {
    async get<T>(request: LlmRequest, call?: LlmCallOptions) {
      const started = operationStart(hub);
      let tenant = '';
      try {
        const c = await prepare(request, call, 'get');
        tenant = c.tenant;
        if (!c.cacheable) {
          report('get', started, 'bypass', tenant);
          return undefined;
        }
        const oneCall = oneScript && c.semanticOn;
        // With a local embedder both tiers are one script; otherwise the exact tier is read
        // first, so an exact hit never calls the (remote) embedder.
        const hit = oneCall ? undefined : await c.exact.get(c.exactKey);
        if (hit) {
          const saved = savingsOf(o.prices, c.model, hit.u);
          report('get', started, 'exact-hit', tenant, undefined, savingsDetail(saved, { score: 1 }));
          return { value: hit.v as T, stage: 'exact' as const, score: 1, usage: hit.u, saved };
        }
        const found = await semanticLookup(c, oneCall ? c.exactId : '');
        if ('envelope' in found) {
          const saved = savingsOf(o.prices, c.model, found.envelope.u);
          const stage = found.exact ? ('exact' as const) : ('semantic' as const);
          report(
            'get',
            started,
            `${stage}-hit`,
            tenant,
            undefined,
            savingsDetail(
              saved,
              found.exact ? { score: 1 } : { score: found.score, examined: found.examined },
            ),
          );
          return {
            value: found.envelope.v as T,
            stage,
            score: found.score,
            usage: found.envelope.u,
            saved,
          };
        }
        report('get', started, 'miss', tenant, undefined, { examined: found.examined, ...found.refusal });
        return undefined;
      } catch (error) {
        report('get', started, 'error', tenant, error);
        throw error;
      }
    },

    async set<T>(request: LlmRequest, value: T, call?: LlmSetOptions) {
      const started = operationStart(hub);
      let tenant = '';
      try {
        const c = await prepare(request, call, 'set');
        tenant = c.tenant;
        if (!c.cacheable) {
          report('set', started, 'bypass', tenant);
          return;
        }
        const ttl = call?.ttl === undefined ? c.ttl : parseDuration(call.ttl, 'set: ttl');
        const used = cleanUsage(call?.usage);
        const envelope: Envelope = used ? { v: value, u: used } : { v: value };
        await Promise.all([
          c.exact.set(c.exactKey, envelope, { ttl }),
          semanticInsert(c, undefined, envelope, ttl),
        ]);
        report('set', started, 'ok', tenant);
      } catch (error) {
        report('set', started, 'error', tenant, error);
        throw error;
      }
    },

    async setMany<T>(entries: readonly LlmSetManyEntry<T>[]) {
      const started = operationStart(hub);
      let tenant = '';
      try {
        if (!Array.isArray(entries)) {
          throw invalidArgument('setMany', `entries: expected an array, got ${describeValue(entries)}`);
        }
        // Every entry is checked before anything is written: a bad one rejects the whole call.
        const items: BatchItem[] = [];
        for (const [i, e] of (entries as readonly unknown[]).entries()) {
          if (typeof e !== 'object' || e === null) {
            throw invalidArgument(
              'setMany',
              `entries[${i}]: expected { request, value }, got ${describeValue(e)}`,
            );
          }
          const entry = e as LlmSetManyEntry<T>;
          const c = await prepare(entry.request, entry, 'setMany');
          if (!c.cacheable) continue;
          const ttl =
            entry.ttl === undefined ? c.ttl : parseDuration(entry.ttl, `setMany: entries[${i}].ttl`);
          const used = cleanUsage(entry.usage);
          items.push({ c, ttl, envelope: used ? { v: entry.value, u: used } : { v: entry.value } });
        }
        const tenants = new Set(items.map((item) => item.c.tenant));
        tenant = tenants.size === 1 ? (items[0]?.c.tenant ?? '') : '';
        // Two batches at a time: the next one is embedded here while the store writes the last.
        let inflight: Promise<void> = RESOLVED;
        for (let from = 0; from < items.length; from += MAX_INSERT_BATCH) {
          const batch = items.slice(from, from + MAX_INSERT_BATCH);
          const texts = indexedOf(batch).map((item) => item.c.text);
          const embedded = semantic && texts.length > 0 ? await semantic.embedMany(texts) : [];
          await inflight;
          inflight = writeBatch(batch, embedded);
          // Awaited on the next turn or below; until then its rejection must not go unhandled.
          inflight.catch(() => undefined);
        }
        await inflight;
        report('setMany', started, 'ok', tenant, undefined, { entries: items.length });
      } catch (error) {
        report('setMany', started, 'error', tenant, error);
        throw error;
      }
    },

    async getOrCall<T>(request: LlmRequest, fn: () => Promise<T> | T, call?: LlmGetOrCallOptions<T>) {
      const started = operationStart(hub);
      let tenant = '';
      try {
        if (typeof fn !== 'function') throw invalidArgument('getOrCall', 'call must be a function');
        const c = await prepare(request, call, 'getOrCall');
        tenant = c.tenant;
        if (!c.cacheable) {
          const value = await fn();
          report('getOrCall', started, 'bypass', tenant);
          return { value, stage: 'bypass' as const, score: undefined, saved: undefined, pending: RESOLVED };
        }
        let stage = 'miss' as LlmStage;
        let score: number | undefined;
        let examined = 0;
        let refusal: Refusal | undefined;
        let pending: Promise<void> = RESOLVED;
        const status: CacheStatus = {};
        // With a local embedder: one script reads the exact entry and the nearest ones first;
        // the exact tier's getOrSet below then runs the model once per key (single flight).
        const first = oneScript && c.semanticOn ? await semanticLookup(c, c.exactId) : undefined;
        if (first && 'envelope' in first) {
          const hitStage = first.exact ? ('exact' as const) : ('semantic' as const);
          const saved = savingsOf(o.prices, c.model, first.envelope.u);
          report(
            'getOrCall',
            started,
            `${hitStage}-hit`,
            tenant,
            undefined,
            savingsDetail(
              saved,
              first.exact ? { score: 1 } : { score: first.score, examined: first.examined },
            ),
          );
          return { value: first.envelope.v as T, stage: hitStage, score: first.score, saved, pending };
        }
        const envelope = (await c.exact.getOrSet(
          c.exactKey,
          async (factory) => {
            const found = first ?? (await semanticLookup(c, ''));
            examined = found.examined;
            if ('envelope' in found) {
              stage = 'semantic';
              score = found.score;
              // Stored under this exact key too, but only until the matched answer expires: a
              // hit never extends an answer's life (the store's clock vs this one's: the skew).
              const left = found.expiresAt - Date.now();
              if (left >= 1000) factory.setTtl(left);
              else factory.skip();
              return found.envelope;
            }
            refusal = found.refusal;
            const value = await fn();
            const used = cleanUsage(call?.usage?.(value));
            const fresh: Envelope = used ? { v: value, u: used } : { v: value };
            // The index write is background work: the caller has its answer already.
            pending = semanticInsert(c, found.embedded, fresh, c.ttl).catch(() => undefined);
            return fresh;
          },
          { ttl: c.ttl, status },
        )) as Envelope;
        if (status.result === 'l1-hit' || status.result === 'l2-hit') {
          stage = 'exact';
          score = 1;
        } else if (status.result === 'dedup') stage = 'dedup';
        const hit = stage === 'exact' || stage === 'semantic';
        const saved = hit ? savingsOf(o.prices, c.model, envelope.u) : undefined;
        report(
          'getOrCall',
          started,
          stage === 'exact' ? 'exact-hit' : stage === 'semantic' ? 'semantic-hit' : stage,
          tenant,
          undefined,
          savingsDetail(saved, { score, examined, ...refusal }),
        );
        return { value: envelope.v as T, stage, score, saved, pending };
      } catch (error) {
        report('getOrCall', started, 'error', tenant, error);
        throw error;
      }
    },

    async invalidate(what: InvalidateOptions) {
      const started = operationStart(hub);
      const tenant = what?.tenant;
      try {
        if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
          throw invalidArgument(
            'invalidate',
            `tenant: expected letters, digits, _ . - (1 to 128), got ${describeValue(tenant)}`,
          );
        }
        const model = what.model;
        if (model !== undefined && (typeof model !== 'string' || model.length === 0)) {
          throw invalidArgument(
            'invalidate',
            `model: expected a non-empty string, got ${describeValue(model)}`,
          );
        }
        const workspace = cache.workspace(tenant);
        if (model === undefined) await workspace.clear();
        else {
          const modelHash = sha256Hex(model).slice(0, 12);
          await Promise.all(
            Object.keys(o.namespaces).map((ns) => workspace.clearNamespace(`${ns}-${modelHash}`)),
          );
        }
        const registry = `${keys.tag(tenant)}:parts`;
        const parts = await keys.root.hgetall(registry);
        const drop = Object.entries(parts).filter(([, info]) => {
          if (model === undefined) return true;
          try {
            return (JSON.parse(info) as { model?: string }).model === model;
          } catch {
            return false;
          }
        });
        await Promise.all(
          drop.map(async ([id]) => {
            const tag = keys.tag(`${tenant}:${id}`);
            await keys.root.del([`${tag}:z`, `${tag}:v`, `${tag}:r`, `${tag}:b`]);
            await keys.root.hdel(registry, [id]);
          }),
        );
        report('invalidate', started, 'ok', tenant, undefined, { partitions: drop.length });
      } catch (error) {
        report('invalidate', started, 'error', typeof tenant === 'string' ? tenant : '', error);
        throw error;
      }
    },

    close() {
      return cache.close();
    },
  };
}
