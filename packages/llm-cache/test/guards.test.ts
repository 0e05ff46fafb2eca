import { describe, expect, it } from 'vitest';
import { GUARD_NAMES, type GuardName, guardFailure } from '../src/guards.js';
import { analyse } from '../src/text/analyse.js';

const refusal = (a: string, b: string) => guardFailure(analyse(a), analyse(b));

describe('guards', () => {
  const cases: Array<[GuardName, string, string]> = [
    ['numbers', 'Plan a three day trip to Oslo.', 'Plan a 4 day trip to Oslo.'],
    ['negation', 'Which berries are safe to eat?', "Which berries aren't safe to eat?"],
    ['antonym', 'How do I lock the screen?', 'How do I unlock the screen?'],
    ['antonym', 'How do I upload photos?', 'How do I download photos?'],
    ['entities', 'How do I host a site on Heroku?', 'How do I host a site on Render?'],
    ['entities', 'What does "foo" mean here?', 'What does "bar" mean here?'],
    ['units', 'How many ounces in a jar?', 'How many grams in a jar?'],
    ['scope', 'Translate this README.', 'Summarize this README.'],
    ['scope', 'Write a poem about trains.', 'Write a story about trains.'],
    ['time', 'What should I wear tomorrow?', 'What should I wear today?'],
    ['time', 'What is on my calendar next week?', 'What is on my calendar this week?'],
    ['roles', 'Does the cat chase the dog?', 'Does the dog chase the cat?'],
  ];
  it.each(cases)('%s refuses "%s" / "%s", both ways', (guard, a, b) => {
    expect(refusal(a, b)).toBe(guard);
    expect(refusal(b, a)).toBe(guard);
  });

  it('lets rewordings through', () => {
    for (const [a, b] of [
      ['Plan a three day trip to Oslo.', 'Make a 3-day trip plan for Oslo.'],
      ["Why doesn't my build run?", 'Why does my build not run?'],
      [
        'What is the boiling point of water at sea level?',
        'At sea level, what is the boiling point of water?',
      ],
      ['Is Rust faster than Go for servers?', 'For servers, is Rust faster than Go?'],
    ]) {
      expect(refusal(a as string, b as string)).toBeUndefined();
    }
  });

  it('each can be turned off', () => {
    for (const guard of GUARD_NAMES) {
      const options = Object.fromEntries(GUARD_NAMES.map((g) => [g, g === guard]));
      expect(Object.values(options).filter(Boolean)).toHaveLength(1);
    }
    const a = analyse('Should I not use a VPN?');
    const b = analyse('Should I use a VPN?');
    expect(guardFailure(a, b)).toBe('negation');
    expect(guardFailure(a, b, { negation: false })).toBeUndefined();
  });
});
