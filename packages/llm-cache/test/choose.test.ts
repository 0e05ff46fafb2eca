import { describe, expect, it } from 'vitest';
import { chooseCandidate } from '../src/semantic/choose.js';
import { analyse } from '../src/text/analyse.js';

const SETTINGS = { guards: {}, margin: 0.05 };
const c = (prompt: string, score: number, entry = prompt) => ({ prompt, score, entry });
const choose = (query: string, candidates: ReturnType<typeof c>[], margin = 0.05) =>
  chooseCandidate(analyse(query), candidates, { ...SETTINGS, margin });

describe('chooseCandidate: the decision among candidates above the threshold', () => {
  it('serves the closest one the guards accept, alone or well ahead of the others', () => {
    const q = 'What is the way to deploy a router in Python?';
    expect(choose(q, [c('How do I deploy the router in Python?', 0.9)])).toEqual({ served: 0 });
    expect(
      choose(q, [
        c('How do I deploy the router in Python?', 0.9),
        c('How do I monitor the router in Python?', 0.6),
      ]),
    ).toEqual({ served: 0 });
    // A guard refuses the first (another language); the next is served.
    expect(
      choose(q, [
        c('How do I deploy the router in Kotlin?', 0.8),
        c('How do I deploy the router in Python?', 0.7),
      ]),
    ).toMatchObject({ served: 1 });
  });

  it('margin: two answers within 0.05 of each other are a miss; the same answer twice is not', () => {
    const q = 'How do I fix a leaking faucet?';
    const a = c('How can I repair a leaking faucet?', 0.7);
    const b = c('How can I repair a leaking tap?', 0.68);
    expect(choose(q, [a, b])).toEqual({ served: -1, refused: [], ambiguous: true });
    expect(choose(q, [a, { ...b, entry: a.entry }])).toEqual({ served: 0 });
    expect(choose(q, [a, b], 0)).toEqual({ served: 0 });
    // Two rewordings of the query stored with different answers, each swapping its verb: the
    // sibling rule refuses them whatever the margin (either answer would be a guess).
    expect(choose(q, [a, c('How should I mend a leaking faucet?', 0.6)], 0)).toMatchObject({
      ambiguous: true,
    });
  });

  it('siblings: a best entry that swaps a word the partition holds other values of is a miss', () => {
    const q = 'What is the way to scale a mailer buffers in Python?';
    const secure = c('How do I secure the mailer buffers in Python?', 0.68);
    // Alone, the one-word swap (scale / secure) is served: no rule knows the two words.
    expect(choose(q, [secure])).toEqual({ served: 0 });
    // With a sibling that swaps the same word (secure / monitor), it is refused, even beyond the margin.
    expect(choose(q, [secure, c('How do I monitor the mailer buffers in Python?', 0.55)])).toEqual({
      served: -1,
      refused: [],
      ambiguous: true,
    });
    // A sibling that differs elsewhere (the part) shows nothing about the verb.
    expect(choose(q, [secure, c('How do I secure the mailer streams in Python?', 0.55)])).toEqual({
      served: 0,
    });
  });
});
