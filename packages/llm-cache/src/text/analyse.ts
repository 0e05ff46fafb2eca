import { stemmer } from 'stemmer';
import {
  FORMATS,
  NEGATIONS,
  NUMBER_WORDS,
  STOP_WORDS,
  TASK_VERBS,
  TIME_RELATIVE,
  TIME_UNITS,
  TIME_WORDS,
  UNITS,
} from './lexicon.js';

/** What the embedder and the guards read from one prompt; see {@link analyse}. */
export interface Analysis {
  /** Lower-case words and numbers in order (contractions expanded). */
  readonly words: readonly string[];
  /** The stem of each of {@link words}. */
  readonly stems: readonly string[];
  /** Stems of the words that carry meaning (not stop words), in order. */
  readonly content: readonly string[];
  /** Every number, digits or words (`three`, `3rd`), as a canonical decimal string. */
  readonly numbers: ReadonlySet<string>;
  /** How many negating words. */
  readonly negations: number;
  /** Capitalised words that are not just the start of a sentence, and acronyms, lower-cased. */
  readonly entities: ReadonlySet<string>;
  /** Quoted strings, lower-cased. */
  readonly quoted: ReadonlySet<string>;
  readonly units: ReadonlySet<string>;
  readonly times: ReadonlySet<string>;
  /** Task classes (`translate`, `summarize`…), `answer` when the prompt names none. */
  readonly tasks: ReadonlySet<string>;
  /** Output formats asked for (`poem`, `email`…). */
  readonly formats: ReadonlySet<string>;
}

const TOKEN = /\p{N}+(?:[.,]\p{N}+)*|[\p{L}][\p{L}\p{N}]*(?:[+#]+|(?:\.\p{L}+)+)?|[.?!:;\n]/gu;
const QUOTED = /"([^"]{1,200})"|“([^”]{1,200})”|'([^']{2,200})'(?!\p{L})/gu;
const SENTENCE_END = /^[.?!:;\n]$/;
const ORDINAL = /^(\d+)(?:st|nd|rd|th)$/;

function expandContractions(text: string): string {
  return text
    .replace(/[‘’]/g, "'")
    .replace(/\bcan't\b/gi, 'can not')
    .replace(/\bwon't\b/gi, 'will not')
    .replace(/n't\b/gi, ' not')
    .replace(/'(?:s|re|ve|ll|d|m)\b/gi, '');
}

function canonicalNumber(token: string): string | undefined {
  if (/^\p{N}/u.test(token)) {
    const n = Number(token.replace(/,(?=\d{3}\b)/g, ''));
    return Number.isFinite(n) ? String(n) : token;
  }
  const ordinal = ORDINAL.exec(token);
  if (ordinal) return String(Number(ordinal[1]));
  const word = NUMBER_WORDS.get(token);
  return word === undefined ? undefined : String(word);
}

/**
 * Read a prompt into the features the default embedder and the guards compare. Pure and
 * deterministic; no `node:` modules (edge-safe).
 */
export function analyse(text: string): Analysis {
  const normal = expandContractions(text.normalize('NFKC'));
  const quoted = new Set<string>();
  for (const m of normal.matchAll(QUOTED)) quoted.add((m[1] ?? m[2] ?? m[3] ?? '').trim().toLowerCase());

  const words: string[] = [];
  const stems: string[] = [];
  const content: string[] = [];
  const numbers = new Set<string>();
  const entities = new Set<string>();
  const units = new Set<string>();
  const times = new Set<string>();
  const tasks = new Set<string>();
  const formats = new Set<string>();
  let negations = 0;
  let sentenceStart = true;
  for (const [raw] of normal.matchAll(TOKEN)) {
    if (SENTENCE_END.test(raw)) {
      sentenceStart = true;
      continue;
    }
    const word = raw.toLowerCase();
    const stem = /^\p{L}+$/u.test(word) ? stemmer(word) : word;
    // A capital after the first letter (TypeScript, RAM) marks a name even at a sentence start.
    const capitalised = /^\p{Lu}/u.test(raw) && raw !== 'I';
    if ((capitalised && !sentenceStart) || /.\p{Lu}/u.test(raw)) entities.add(word);
    sentenceStart = false;
    words.push(word);
    stems.push(stem);
    const number = canonicalNumber(word);
    if (number !== undefined) numbers.add(number);
    if (NEGATIONS.has(word)) negations++;
    if (UNITS.has(stem)) units.add(stem);
    if (TIME_WORDS.has(stem)) times.add(stem);
    const task = TASK_VERBS.get(stem);
    if (task) tasks.add(task);
    if (FORMATS.has(stem)) formats.add(stem);
    if (!STOP_WORDS.has(word) && !NEGATIONS.has(word)) content.push(stem);
  }
  for (let i = 0; i + 1 < stems.length; i++) {
    const rel = stems[i] as string;
    const unit = stems[i + 1] as string;
    if (TIME_RELATIVE.has(rel) && TIME_UNITS.has(unit)) times.add(`${rel}-${unit}`);
  }
  if (tasks.size > 1) tasks.delete('answer');
  if (tasks.size === 0) tasks.add('answer');
  return { words, stems, content, numbers, negations, entities, quoted, units, times, tasks, formats };
}
