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
  // Short task requests of an assistant stay simple (rules-v2): a song to play is not a song to write, a proof of
  // identity is not a proof, dates and times are not the numbers of a word problem, how-to steps are not reasoning.
  ['play the next song on my road trip playlist', 'simple', 'short'],
  ['walk me through ordering a replacement debit card', 'simple', 'short'],
  ['I need step by step instructions for resetting my router', 'simple', 'short'],
  ['book a table for 6 at the harbour grill at 8:15pm on june 3rd', 'simple', 'short'],
  ['can you prove you are not a robot', 'simple', 'short'],
  ['make your voice a little quieter', 'simple', 'short'],
  ['describe your favourite hobbies to me', 'simple', 'short'],
  ['tell me a joke about penguins', 'simple', 'short'],
  ['explain why my card got declined at the pharmacy', 'simple', 'short'],
  ['What are the pros and cons of a gas dryer?', 'simple', 'short'],
  // Creative writing by verb and noun, or opening with the piece, in English and other languages.
  ['Write a riddle about a clock for kids', 'hard', 'long-form'],
  ['tell me a story about a lost kite', 'hard', 'long-form'],
  ['A long script of two robots arguing about tea', 'hard', 'long-form'],
  ['Напиши стих про кота', 'hard', 'long-form'],
  ['写一首关于大海的诗', 'hard', 'long-form'],
  ['Escribe una canción sobre el invierno', 'hard', 'long-form'],
  // Mathematics by notation and vocabulary, in other languages too.
  ['Докажи, что простых чисел бесконечно много', 'hard', 'math'],
  ['Simplify (a ∧ b) ∨ ¬a', 'hard', 'math'],
  ['If the price rose 40% how much more do I pay for 3 kilos', 'hard', 'math'],
  // Medium: lists of examples, open analysis, word problems, long text in another language.
  ['Give me five examples of irony in classic films', 'medium', 'task'],
  ['What was the historical significance of the printing press for ordinary people?', 'medium', 'analysis'],
  ['A shop sells 120 loaves on Monday and twice as many on Tuesday; after selling all of them on both days, what was the total number sold?', 'medium', 'word-problem'],
  ['Ich möchte wissen, wie ich meine Wohnung im Winter günstiger und trotzdem gemütlich heizen kann, ohne viel Geld auszugeben', 'simple', 'short'],
  ['Пожалуйста, объясни подробно, какие документы нужны для получения визы в Японию для студента из Казахстана', 'medium', 'foreign'],
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
    // 45 words of Chinese: more than FOREIGN_MIN_WORDS of text the English cues cannot read.
    expect(classifyByRules('我'.repeat(45))).toEqual({ tier: 'medium', rule: 'foreign' });
    expect(classifyByRules('你好').rule).toBe('short');
  });

  it('answers one tier per text, in order, as a Classifier', async () => {
    const c = new RulesClassifier();
    expect(c.id).toBe('rules-v2');
    expect(await c.classify(['thanks', 'Prove Fermat', 'Summarize these meeting notes for the whole team'])).toEqual([
      { tier: 'simple' },
      { tier: 'hard' },
      { tier: 'medium' },
    ]);
  });
});
