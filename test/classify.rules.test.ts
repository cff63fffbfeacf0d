import { describe, expect, it } from 'vitest';
import { classifyByRules, RulesClassifier } from '../src/classify/rules.js';

// Each case: a text, and the tier and rule a reader of the rule list in src/classify/rules.ts expects.
const CASES: [string, 'simple' | 'medium' | 'hard', string][] = [
  ['', 'simple', 'empty'],
  ['   ', 'simple', 'empty'],
  // The post-mortem's own over-routed examples.
  ['OK, got it, thanks', 'simple', 'chit-chat'],
  ['ok thanks bye', 'simple', 'chit-chat'],
  ['hello', 'simple', 'chit-chat'],
  ['Hi! How are you?', 'simple', 'chit-chat'],
  ['thanks, that helps', 'simple', 'chit-chat'],
  // A glue word alone is not chit-chat, nor is a lexicon word with digits.
  ['you', 'simple', 'short'],
  ['ok 42', 'simple', 'short'],
  ['What is the capital of Australia?', 'simple', 'short'],
  ['How do Python list comprehensions work?', 'simple', 'short'],
  ['how do i create a class in rust?', 'simple', 'short'],
  ['Prove that sqrt(2) is irrational.', 'hard', 'proof'],
  ['Solve this step by step: how long until the tank is full?', 'hard', 'step-by-step'],
  ['x+y = 4z, x*y = 4z^2, express x-y in z', 'hard', 'math'],
  ['Given that f(x) = 4x^3 - 9x - 14, find the value of f(2).', 'hard', 'math'],
  ['What is the probability of rolling two sixes?', 'hard', 'math'],
  ['Write a 500-word essay on remote work', 'hard', 'long-form'],
  ['Write a poem about the sea', 'hard', 'long-form'],
  ['Write 300 words on cats', 'hard', 'long-form'],
  ['Act as a Linux terminal', 'hard', 'role-play'],
  ['Design a URL shortener for 10k requests per second', 'hard', 'design'],
  ['what is your design company', 'simple', 'short'],
  ['Implement a function that merges two sorted lists', 'hard', 'build-code'],
  ['create a pdf decryptor in python', 'hard', 'build-code'],
  ['Make this loop faster: for (let i = 0; i < n; i++) { total += a[i]; }', 'hard', 'code-hard'],
  ['Explain this: ```js\nconst x = 1;\n```', 'medium', 'code'],
  ['Why does this fail? Traceback (most recent call last):\n  File "a.py", line 1\nValueError: bad', 'medium', 'code'],
  ['What does SELECT id FROM users WHERE age > 30 return', 'medium', 'code'],
  ['What is X? What is Y? What is Z?', 'medium', 'multi-part'],
  ['I bought 3 apples at 2 dollars and 4 pears at 1 dollar. What did I spend?', 'medium', 'numbers'],
  ['A is the father of B. B is the father of C. What is A to C?', 'medium', 'multi-sentence'],
  ['Summarize this support ticket thread in three bullet points', 'medium', 'task'],
  ['Write a polite email to my landlord about the heating', 'medium', 'task'],
  ['Explain recursion', 'simple', 'short'],
];

describe('rules', () => {
  it.each(CASES)('%j → %s (%s)', (text, tier, rule) => {
    expect(classifyByRules(text)).toEqual({ tier, rule });
  });

  it('sends a long text to hard, or to medium when the task is light', () => {
    const doc = 'The quarterly numbers were flat in every region we track. '.repeat(40); // ~2,300 characters
    expect(classifyByRules(`${doc} What should we do next?`)).toEqual({ tier: 'hard', rule: 'long' });
    expect(classifyByRules(`Summarize this: ${doc}`)).toEqual({ tier: 'medium', rule: 'long-light' });
  });

  it('calls more than 40 words with no other cue wordy', () => {
    const text = Array.from({ length: 45 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}`).join(' ');
    expect(classifyByRules(text)).toEqual({ tier: 'medium', rule: 'wordy' });
  });

  it('counts a CJK character as a word', () => {
    expect(classifyByRules('我'.repeat(45)).rule).toBe('wordy');
    expect(classifyByRules('你好').rule).toBe('short');
  });

  it('answers one tier per text, in order, as a Classifier', async () => {
    const c = new RulesClassifier();
    expect(c.id).toBe('rules-v1');
    expect(await c.classify(['thanks', 'Prove Fermat', 'Summarize these meeting notes for the whole team'])).toEqual([
      { tier: 'simple' },
      { tier: 'hard' },
      { tier: 'medium' },
    ]);
  });
});
