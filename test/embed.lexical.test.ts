import { describe, expect, it } from 'vitest';
import { LEXICAL_DEFAULT_DIM, LexicalEmbedder } from '../src/embed/lexical.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

describe('lexical embedder', () => {
  const embedder = new LexicalEmbedder();

  it('names its version and dimension', () => {
    expect(embedder.id).toBe('lexical-v1');
    expect(embedder.dim).toBe(512);
    expect(LEXICAL_DEFAULT_DIM).toBe(512);
    const wide = new LexicalEmbedder({ dim: 1024 });
    expect(wide.id).toBe('lexical-v1-d1024');
    expect(wide.embedSync(['hello'])[0]).toHaveLength(1024);
    expect(() => new LexicalEmbedder({ dim: 1000 })).toThrow(/power of two/);
  });

  it('is deterministic: same text, same row, in any batch and any instance', async () => {
    const texts = ['How do I exit vim?', 'What is a REST API?', 'Design a rate limiter for a fintech startup'];
    const a = await embedder.embed(texts);
    const b = await new LexicalEmbedder().embed([...texts].reverse());
    const alone = await new LexicalEmbedder().embed([texts[1]!]);
    expect(Array.from(a[0]!)).toEqual(Array.from(b[2]!));
    expect(Array.from(a[2]!)).toEqual(Array.from(b[0]!));
    expect(Array.from(a[1]!)).toEqual(Array.from(alone[0]!));
  });

  it('returns L2-normalized rows (the empty text: all zeros)', async () => {
    const rows = await embedder.embed(['hi', 'A much longer question about sorting a list of objects by a field in Python', '这是什么', '']);
    for (const row of rows.slice(0, 3)) expect(norm(row)).toBeCloseTo(1, 5);
    expect(rows[3]!.every((x) => x === 0)).toBe(true);
  });

  it('gives texts that normalize alike the same row', async () => {
    const [a, b] = await embedder.embed(['How do Python list comprehensions work?', '  how do PYTHON list comprehensions work  ']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
  });

  it('puts paraphrases closer than unrelated texts', async () => {
    const cases: [string, string, string][] = [
      ['How do Python list comprehensions work?', 'Python list comprehensions - how do they work?', 'What is the capital of Australia?'],
      ['How do I get the current timestamp in Java?', 'Java: how to get the current timestamp?', 'How do I reverse a string in Python?'],
      ['undo last commit git', 'How do I undo the last git commit?', 'What does git rebase do?'],
      ['how do i center a div in css', 'css: center a div', 'how do i exit vim'],
      ['recieve the paymnet confirmation email', 'receive the payment confirmation email', 'send the invoice reminder email'],
    ];
    for (const [text, paraphrase, unrelated] of cases) {
      const [t, p, u] = await embedder.embed([text, paraphrase, unrelated]);
      expect(dot(t!, p!), `${text} ~ ${paraphrase}`).toBeGreaterThan(dot(t!, u!) + 0.2);
    }
  });

  it('keeps word order variants above the default threshold and one-number templates below it', async () => {
    const [a, b] = await embedder.embed(['How do I exit vim?', 'vim: how do I exit?']);
    expect(dot(a!, b!)).toBeGreaterThanOrEqual(embedder.defaultThreshold);
    const [c, d] = await embedder.embed([
      'Solve this step by step and check your answer: if 8 workers finish a job in 6 days, how long do 4 workers take?',
      'Solve this step by step and check your answer: if 15 workers finish a job in 6 days, how long do 4 workers take?',
    ]);
    expect(dot(c!, d!)).toBeLessThan(embedder.defaultThreshold);
  });

  it('tells c++ and c# from c', async () => {
    const [cpp, cs, c] = await embedder.embed(['what is c++', 'what is c#', 'what is c']);
    expect(dot(cpp!, c!)).toBeLessThan(embedder.defaultThreshold);
    expect(dot(cs!, c!)).toBeLessThan(embedder.defaultThreshold);
  });
});
