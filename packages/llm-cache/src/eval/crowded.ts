/*
 * A crowded partition's corpus: prompts made from word lists, each a sibling of many others (one
 * of verb, thing, part or language swapped). The bench's llm-cache rows fill partitions of 1k,
 * 10k and 100k entries with it, and the crowded-partition test checks on it that a rewording is
 * served its own answer, never a sibling's.
 */
const VERBS = [
  'configure',
  'debug',
  'install',
  'profile',
  'migrate',
  'secure',
  'deploy',
  'monitor',
  'benchmark',
  'document',
];
const THINGS = [
  'router',
  'database',
  'queue',
  'scheduler',
  'webhook',
  'cluster',
  'parser',
  'compiler',
  'cache',
  'gateway',
  'firewall',
  'indexer',
  'crawler',
  'renderer',
  'tokenizer',
  'logger',
  'mailer',
  'uploader',
  'resolver',
  'balancer',
];
const PARTS = [
  'timeouts',
  'retries',
  'headers',
  'schemas',
  'permissions',
  'metrics',
  'backups',
  'replicas',
  'shards',
  'sessions',
  'quotas',
  'alerts',
  'migrations',
  'secrets',
  'plugins',
  'workers',
  'buffers',
  'streams',
  'indexes',
  'snapshots',
];
const LANGS = [
  'Python',
  'Rust',
  'Go',
  'Java',
  'Kotlin',
  'Ruby',
  'Elixir',
  'Haskell',
  'Scala',
  'Swift',
  'Erlang',
  'Clojure',
  'Zig',
  'Nim',
  'Dart',
  'Julia',
  'Perl',
  'Lua',
  'OCaml',
  'Crystal',
];
const OTHER = [
  'penguins',
  'glaciers',
  'violins',
  'orchards',
  'lighthouses',
  'volcanoes',
  'tapestries',
  'meadows',
];

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** The i-th stored prompt: distinct for i below 40,000 (10 × 20 × 20 × 10 combinations). */
export function crowdedPrompt(i: number): string {
  const lang = at(LANGS, Math.floor(i / 4000));
  return `How do I ${at(VERBS, i)} the ${at(THINGS, Math.floor(i / 10))} ${at(PARTS, Math.floor(i / 200))} in ${lang} ${Math.floor(i / 40_000) || ''}?`.replace(
    ' ?',
    '?',
  );
}

/** A rewording of stored prompt i (same content words, other scaffolding). */
export function crowdedRewording(i: number): string {
  return crowdedPrompt(i).replace(/^How do I (\w+) the /, 'What is the way to $1 a ');
}

/** A prompt on none of the stored words. */
export function crowdedUnrelated(i: number): string {
  return `Why do ${at(OTHER, i)} look ${at(['blue', 'tall', 'quiet', 'old'], Math.floor(i / 8))} at ${at(['dawn', 'noon', 'dusk'], Math.floor(i / 32))}?`;
}
