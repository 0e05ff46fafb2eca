// Word lists the analyser and the guards share. They are general English lists, written
// before tuning and not per evaluation pair: extend them for your domain with the guard options.

import { stemmer } from 'stemmer';

const words = (list: string): ReadonlySet<string> => new Set(list.trim().split(/\s+/));
// Lists below are written as plain words and compared by stem, as the analyser stems tokens.
const stems = (list: string): ReadonlySet<string> => new Set([...words(list)].map((w) => stemmer(w)));

/** Function words and question scaffolding: dropped from the content the embedder sees. */
export const STOP_WORDS: ReadonlySet<string> = words(`
a an the and or but if of at by for with about against between into through during to from in on
over under up down out off again further then once here there all any both each few more most other
some such only own same so too very s t can will just should would could may might must shall do does
did doing done have has had having be is are was were been being am i me my mine myself we our ours
you your yours he him his she her hers it its they them their theirs what which who whom whose this
that these those how why when where please tell give show let lets get need want like know help
kindly explain describe define list recommend suggest one also as than vs versus via
`);

/** Words that negate, counted per prompt (contractions are expanded first). */
export const NEGATIONS: ReadonlySet<string> = words(
  'not no never none nobody nothing neither nor without cannot',
);

/** Number words and ordinals, read as their values. */
export const NUMBER_WORDS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    zero: 0,
    one: 1,
    two: 2,
    three: 3,
    four: 4,
    five: 5,
    six: 6,
    seven: 7,
    eight: 8,
    nine: 9,
    ten: 10,
    eleven: 11,
    twelve: 12,
    thirteen: 13,
    fourteen: 14,
    fifteen: 15,
    sixteen: 16,
    seventeen: 17,
    eighteen: 18,
    nineteen: 19,
    twenty: 20,
    thirty: 30,
    forty: 40,
    fifty: 50,
    sixty: 60,
    seventy: 70,
    eighty: 80,
    ninety: 90,
    hundred: 100,
    thousand: 1000,
    million: 1e6,
    billion: 1e9,
    dozen: 12,
    first: 1,
    second: 2,
    third: 3,
    fourth: 4,
    fifth: 5,
    sixth: 6,
    seventh: 7,
    eighth: 8,
    ninth: 9,
    tenth: 10,
    twice: 2,
    double: 2,
    triple: 3,
    half: 0.5,
  }),
);

/** Units of measure and currencies (stems); a prompt's set of these must match its partner's. */
export const UNITS: ReadonlySet<string> = stems(`
meter metre kilometer kilometre km centimeter cm millimeter mm mile feet foot inch yard gram g
kilogram kg ounce oz pound lb lbs stone ton tonne cup liter litre milliliter ml gallon pint quart
tablespoon teaspoon tbsp tsp celsius fahrenheit kelvin degree second minute hour day week month year
decade century millisecond microsecond nanosecond mph kph kmh knot byte kilobyte megabyte gigabyte
terabyte kb mb gb tb watt kilowatt megawatt horsepower hp volt amp joule calorie kcal percent usd eur
gbp jpy dollar euro yen rupee acre hectare square cubic
`);

/**
 * Time words (stems): a prompt's set of these must match. `this`, `next`, `last`, `past` count
 * only before a time unit (`next week`), as `<word>-<unit>`.
 */
export const TIME_WORDS: ReadonlySet<string> = stems(`
today tomorrow yesterday tonight now morning afternoon evening night noon midnight weekend weekday
monday tuesday wednesday thursday friday saturday sunday january february march april june july
august september october november december spring summer autumn winter breakfast lunch dinner
brunch past future ancient medieval modern current recent early late later sunrise sunset dawn dusk
`);
/** Words that turn a following time unit into a relative time (`next week`). */
export const TIME_RELATIVE: ReadonlySet<string> = stems('this next last past previous coming upcoming');
/** Units a {@link TIME_RELATIVE} word may precede (stems). */
export const TIME_UNITS: ReadonlySet<string> = stems(
  'day week weekend month year quarter night morning evening season decade century',
);

const TASK_CLASSES: Readonly<Record<string, string>> = {
  answer: 'explain describe define tell list recommend suggest',
  write: 'write compose draft implement',
  summarize: 'summarize summarise summary tldr',
  translate: 'translate translation',
  fix: 'fix debug repair correct',
  rewrite: 'refactor rewrite rephrase paraphrase',
  optimize: 'optimize optimise optimization',
  review: 'review critique evaluate grade',
  edit: 'proofread edit',
  shorten: 'shorten condense',
  lengthen: 'lengthen expand',
  convert: 'convert',
  compare: 'compare comparison',
  classify: 'classify categorize',
  extract: 'extract',
};

/**
 * Task verbs (stem to class): the kind of work asked for. Two prompts must ask for the same
 * classes; a prompt with none is `answer`.
 */
export const TASK_VERBS: ReadonlyMap<string, string> = new Map(
  Object.entries(TASK_CLASSES).flatMap(([cls, list]) =>
    [...words(list)].map((w) => [stemmer(w), cls] as const),
  ),
);

/** Output formats (stems): a prompt's set of these must match. */
export const FORMATS: ReadonlySet<string> = stems(`
poem song haiku limerick sonnet essay story tweet post email letter note memo report article blog
paragraph sentence bullet table chart diagram script slogan speech toast joke riddle recipe press
release headline caption quiz outline abstract
`);

const ANTONYM_LIST = `
in/out up/down on/off open/close start/stop begin/end add/remove gain/lose win/lose buy/sell
push/pull loud/quiet hot/cold warm/cool wet/dry high/low raise/lower big/small large/small
long/short longer/shorter fast/slow faster/slower speed/slow best/worst better/worse good/bad
positive/negative strength/weakness strengths/weaknesses pro/con pros/cons benefit/drawback
advantage/drawback import/export upload/download upper/lower uppercase/lowercase ascending/descending
increase/decrease maximum/minimum max/min more/less most/least cheap/expensive easy/hard
easy/difficult true/false accept/reject allow/deny allow/block left/right old/new early/late
first/last before/after past/future light/dark heavy/light thick/thin rich/poor safe/dangerous
legal/illegal acidic/alkaline formal/casual formal/informal happy/sad love/hate friend/enemy
success/failure win/loss profit/loss inbound/outbound input/output encode/decode north/south
east/west sunrise/sunset rise/set top/bottom front/back inside/outside inner/outer above/below
under/over underweight/overweight sweet/sour sweet/bitter soft/hard full/empty shallow/deep
narrow/wide strong/weak young/old right/wrong agree/disagree include/exclude min/max
`;

/**
 * Pairs of opposite words (stems). A prompt that has one where its partner has the other asks
 * the opposite question. Affix antonyms (enable/disable, follow/unfollow) are found by rule.
 */
export const ANTONYMS: readonly (readonly [string, string])[] = ANTONYM_LIST.trim()
  .split(/\s+/)
  .map((pair) => {
    const [x = '', y = ''] = pair.split('/');
    return [stemmer(x), stemmer(y)] as const;
  });

/** Prefixes that negate the word they start (`un`follow, `dis`able, `de`crypt). */
export const NEGATING_PREFIXES: readonly string[] = [
  'un',
  'dis',
  'de',
  'in',
  'im',
  'il',
  'ir',
  'non',
  'anti',
  'mis',
];
