import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { defaultExemplarsPath, KnnClassifier, lengthAngle, parseExemplars } from '../src/classify/knn.js';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import type { Embedder } from '../src/embed/types.js';
import { UsageError } from '../src/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-knn-'));

/** A hand-made embedder for checking the vote arithmetic: one dimension per keyword, L2-normalized. */
class KeywordEmbedder implements Embedder {
  readonly id = 'keywords-test';
  readonly defaultThreshold = 0.9;
  constructor(private readonly words: string[]) {}
  get dim() {
    return this.words.length;
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => {
      const row = new Float32Array(this.words.length);
      const tokens = t.toLowerCase().split(/\W+/);
      this.words.forEach((w, d) => (row[d] = tokens.filter((x) => x === w).length));
      const norm = Math.hypot(...row);
      return norm > 0 ? row.map((v) => v / norm) : row;
    });
  }
}

describe('exemplar files', () => {
  it('reads CSV with a header (quoted commas) and JSONL', () => {
    expect(parseExemplars('text,tier\n"hi, there",simple\nprove it,hard\n', 'x.csv')).toEqual([
      { text: 'hi, there', tier: 'simple' },
      { text: 'prove it', tier: 'hard' },
    ]);
    expect(parseExemplars('{"text":"hi","tier":"simple"}\n\n{"text":"prove it","tier":"hard"}\n', 'x.jsonl')).toEqual([
      { text: 'hi', tier: 'simple' },
      { text: 'prove it', tier: 'hard' },
    ]);
  });

  it.each([
    ['input,label\nhi,simple\n', /needs a header with the columns text and tier/],
    ['text,tier\nhi,\n', /row 2: "tier" must be a non-empty string/],
    ['{"text":"hi","tier":"simple"}\n{"text":"x"\n', /line 2: not valid JSON/],
    ['{"text":"hi"}\n', /line 1: "tier" must be a non-empty string/],
    ['text,tier\n', /no exemplars/],
  ])('rejects a bad file with the file and row named (%#)', (text, message) => {
    expect(() => parseExemplars(text, 'ex.csv')).toThrow(UsageError);
    expect(() => parseExemplars(text, 'ex.csv')).toThrow(message);
  });

  it('says which file is missing', async () => {
    await expect(KnnClassifier.create({ file: '/no/such/exemplars.csv', embedder: new LexicalEmbedder() })).rejects.toThrow(
      'cannot read the kNN exemplar file /no/such/exemplars.csv',
    );
  });
});

describe('kNN vote', () => {
  const words = ['greet', 'code', 'proof'];
  const exemplars = [
    ['greet', 'simple'],
    ['greet greet', 'simple'],
    ['code', 'medium'],
    ['code proof', 'hard'],
    ['proof', 'hard'],
    ['proof proof code', 'hard'],
  ];
  async function classifier(k: number) {
    const dir = tmp();
    const file = join(dir, 'ex.jsonl');
    writeFileSync(file, exemplars.map(([text, tier]) => JSON.stringify({ text, tier })).join('\n'));
    // floor -1: the neighbours always decide (the rules' fallback has its own test below).
    return KnnClassifier.create({ file, embedder: new KeywordEmbedder(words), k, lengthWeight: 0, floor: -1 });
  }

  it('weights each of the k nearest by its cosine similarity', async () => {
    // Query "code": cosines with the exemplars are 0, 0, 1, 1/√2 ≈ 0.707, 0, 1/√5 ≈ 0.447.
    // k = 1: medium (1). k = 2: medium 1 vs hard 0.707 → medium. k = 3: medium 1 vs hard 0.707 + 0.447 = 1.154 → hard.
    expect(await (await classifier(1)).classify(['code'])).toEqual([{ tier: 'medium' }]);
    expect(await (await classifier(2)).classify(['code'])).toEqual([{ tier: 'medium' }]);
    expect(await (await classifier(3)).classify(['code'])).toEqual([{ tier: 'hard' }]);
  });

  it('ignores neighbours with no similarity, and gives a featureless text the first tier of the file', async () => {
    const c = await classifier(5);
    // "greet": only the two greet exemplars are similar (1 and 1): simple, although k = 5.
    expect(await c.classify(['greet', '???', 'nothing known'])).toEqual([{ tier: 'simple' }, { tier: 'simple' }, { tier: 'simple' }]);
    expect(c.tiers).toEqual(['simple', 'medium', 'hard']);
  });

  it('adds the length term: a neighbour of similar length counts more', async () => {
    // Two exemplars share the query's one word equally; only their lengths differ.
    const dir = tmp();
    const file = join(dir, 'ex.csv');
    const long = `code ${'x'.repeat(2000)}`;
    writeFileSync(file, `text,tier\ncode,medium\n"${long}",hard\n`);
    const embedder = new KeywordEmbedder(['code']);
    const plain = await KnnClassifier.create({ file, embedder, k: 2, lengthWeight: 0 });
    const withLength = await KnnClassifier.create({ file, embedder, k: 2, lengthWeight: 0.5 });
    // Tiers medium and hard are not the rules' three: the neighbours always decide.
    const query = `code ${'y'.repeat(2500)}`;
    // Cosine 1 with both: a tie, won by the tier named first in the file.
    expect(await plain.classify([query])).toEqual([{ tier: 'medium' }]);
    // With the length term, hard (≈ 2,000 characters) is nearer to a 2,500-character query than medium (4).
    expect(lengthAngle(query.length)).toBeGreaterThan(lengthAngle(4));
    expect(await withLength.classify([query])).toEqual([{ tier: 'hard' }]);
    // The id keys the replay cache, so a non-default k or length weight shows in it.
    expect(plain.id).toMatch(/:keywords-test:k2:lw0$/);
    expect(withLength.id).toMatch(/:keywords-test:k2:lw0.5$/);
  });

  it('lets the rules decide a text no exemplar is close to, when the tiers are the rules\' own', async () => {
    const dir = tmp();
    const file = join(dir, 'ex.jsonl');
    writeFileSync(file, exemplars.map(([text, tier]) => JSON.stringify({ text, tier })).join('\n'));
    const embedder = new KeywordEmbedder(words);
    const knn = await KnnClassifier.create({ file, embedder, lengthWeight: 0, floor: 0.5 });
    // "code proof code code": cosine 0.95 with "code proof" → the neighbours (hard). "Prove that there are infinitely
    // many primes" shares no keyword: the rules say hard (proof); "thanks" shares none either: the rules say simple.
    expect(await knn.classify(['code proof code code', 'Prove that there are infinitely many primes', 'thanks'])).toEqual([
      { tier: 'hard' },
      { tier: 'hard' },
      { tier: 'simple' },
    ]);
    expect(knn.id).toMatch(/:keywords-test:lw0:f0.5$/);
    // Tiers of another policy: no fallback, a featureless text gets the file's first tier.
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'text,tier\ngreet,cheap\nproof,dear\n');
    const own = await KnnClassifier.create({ file: other, embedder, lengthWeight: 0, floor: 0.5 });
    expect(await own.classify(['Prove that there are infinitely many primes'])).toEqual([{ tier: 'cheap' }]);
  });
});

describe('the default exemplar set', () => {
  const rows = Papa.parse<{ text: string; tier: string }>(readFileSync(defaultExemplarsPath(), 'utf8'), { header: true, skipEmptyLines: true }).data;

  it('has the three built-in tiers, cheapest first, and a few hundred distinct prompts', () => {
    expect([...new Set(rows.map((r) => r.tier))]).toEqual(['simple', 'medium', 'hard']);
    expect(rows.length).toBeGreaterThanOrEqual(300);
    expect(new Set(rows.map((r) => r.text.toLowerCase())).size).toBe(rows.length);
  });

  it('gives an exemplar its own tier (its own row is its nearest neighbour)', async () => {
    const knn = await KnnClassifier.create({ embedder: new LexicalEmbedder() });
    expect(knn.id).toMatch(/^knn-v2:default@sha256:[0-9a-f]{12}:lexical-v1$/);
    // A sample across the file: the first, middle and last rows of each tier.
    const sample = ['simple', 'medium', 'hard'].flatMap((tier) => {
      const of = rows.filter((r) => r.tier === tier);
      return [of[0]!, of[Math.floor(of.length / 2)]!, of[of.length - 1]!];
    });
    const answers = await knn.classify(sample.map((r) => r.text));
    const agree = answers.filter((a, i) => 'tier' in a && a.tier === sample[i]!.tier).length;
    // Four other neighbours vote too, so an exemplar can be outvoted; most must keep their tier.
    expect(agree).toBeGreaterThanOrEqual(7);
  });
});
