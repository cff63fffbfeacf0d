import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { embedCached, embedCachedDetailed, EMBEDDING_CACHE_TABLE } from '../src/embed/cache.js';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { progressLine } from '../src/embed/progress.js';
import { TransformersEmbedder } from '../src/embed/transformers.js';
import type { Embedder } from '../src/embed/types.js';

/** Wraps an embedder and records every text it is asked to embed. */
class Counting implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly defaultThreshold: number;
  readonly seen: string[] = [];
  calls = 0;
  constructor(private readonly inner: Embedder, id = 'test:counting') {
    this.id = id;
    this.dim = inner.dim;
    this.defaultThreshold = inner.defaultThreshold;
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    this.seen.push(...texts);
    return this.inner.embed(texts);
  }
}

const TEXTS = [
  'How do Python list comprehensions work?',
  'how do python list comprehensions work', // same normalized text as the first
  'What is the capital of Australia?',
  'Design a rate limiter for a fintech startup that handles 10,000 requests per second',
  'OK, got it, thanks',
  'What is the capital of Australia', // same as the third
];
const UNIQUE = [
  'how do python list comprehensions work',
  'what is the capital of australia',
  'design a rate limiter for a fintech startup that handles 10,000 requests per second',
  'ok, got it, thanks',
];

describe('embedding cache', () => {
  it('embeds each normalized text once, and nothing on the second call', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      const embedder = new Counting(new LexicalEmbedder());
      const first = await embedCachedDetailed(db, embedder, TEXTS);
      expect(embedder.seen).toEqual(UNIQUE);
      expect(first).toMatchObject({ unique: 4, cached: 0, embedded: 4 });
      expect(first.rows).toHaveLength(TEXTS.length);
      expect(first.rows[1]).toBe(first.rows[0]);
      expect(first.rows[5]).toBe(first.rows[2]);
      const direct = new LexicalEmbedder().embedSync(UNIQUE);
      expect(Array.from(first.rows[3]!)).toEqual(Array.from(direct[2]!));

      embedder.seen.length = 0;
      embedder.calls = 0;
      const second = await embedCachedDetailed(db, embedder, TEXTS);
      expect(embedder.calls).toBe(0);
      expect(second).toMatchObject({ unique: 4, cached: 4, embedded: 0 });
      // Bit-for-bit the rows that went in.
      second.rows.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(first.rows[i]!)));

      // A later run with one new text embeds only that text.
      const third = await embedCachedDetailed(db, embedder, [...TEXTS, 'What is a JWT?']);
      expect(embedder.seen).toEqual(['what is a jwt']);
      expect(third).toMatchObject({ unique: 5, cached: 4, embedded: 1 });
      expect(await db.scalar(`SELECT count(*) FROM ${EMBEDDING_CACHE_TABLE}`)).toBe(5);
      expect(await db.scalar(`SELECT count(DISTINCT text_sha256) FROM ${EMBEDDING_CACHE_TABLE}`)).toBe(5);
      expect(await db.scalar(`SELECT min(len(embedding)) FROM ${EMBEDDING_CACHE_TABLE}`)).toBe(512);
    });
  });

  it('keys rows by embedder id: another embedder embeds again', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await embedCached(db, new Counting(new LexicalEmbedder(), 'test:a'), TEXTS);
      const b = new Counting(new LexicalEmbedder({ dim: 128 }), 'test:b');
      const rows = await embedCached(db, b, TEXTS);
      expect(b.seen).toEqual(UNIQUE);
      expect(rows[0]).toHaveLength(128);
      expect(await db.scalar(`SELECT count(*) FROM ${EMBEDDING_CACHE_TABLE}`)).toBe(8);
    });
  });

  it('survives closing and reopening a database file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'routecheck-cache-')), 'rc.duckdb');
    const texts = Array.from({ length: 2500 }, (_, i) => `question number ${i}: how do I sort a list ${i % 7} times?`);
    const first = await withDatabase({ path }, async (db) => embedCached(db, new Counting(new LexicalEmbedder()), texts, { batchSize: 1000 }));
    const embedder = new Counting(new LexicalEmbedder());
    const again = await withDatabase({ path }, async (db) => embedCachedDetailed(db, embedder, texts));
    expect(embedder.calls).toBe(0);
    expect(again).toMatchObject({ unique: 2500, cached: 2500, embedded: 0 });
    expect(Array.from(again.rows[1234]!)).toEqual(Array.from(first[1234]!));
    expect(Array.from(again.rows[2499]!)).toEqual(Array.from(first[2499]!));
  });

  it('caches transformers rows (the tiny model) across runs', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'routecheck-cache-')), 'rc.duckdb');
    const model = await TransformersEmbedder.create({ model: 'tiny-bert', modelDir: 'fixtures/models', offline: true });
    const first = new Counting(model, model.id);
    const rows = await withDatabase({ path }, (db) => embedCached(db, first, TEXTS));
    expect(first.seen.sort()).toEqual([...UNIQUE].sort());
    const second = new Counting(model, model.id);
    const again = await withDatabase({ path }, (db) => embedCached(db, second, TEXTS));
    expect(second.calls).toBe(0);
    again.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(rows[i]!)));
  });

  it('does not store lexical rows unless asked (recomputing them is faster than reading them)', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      const lexical = new LexicalEmbedder();
      const result = await embedCachedDetailed(db, lexical, TEXTS);
      expect(result).toMatchObject({ unique: 4, cached: 0, embedded: 4 });
      const tables = await db.all(`SELECT table_name FROM information_schema.tables WHERE table_name = $t`, { t: EMBEDDING_CACHE_TABLE });
      expect(tables).toEqual([]);
      await embedCached(db, lexical, TEXTS, { persist: true });
      expect(await db.scalar(`SELECT count(*) FROM ${EMBEDDING_CACHE_TABLE} WHERE embedder = 'lexical-v1'`)).toBe(4);
    });
  });

  it('reports progress per batch', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      const calls: [number, number][] = [];
      const texts = Array.from({ length: 25 }, (_, i) => `text ${i}`);
      await embedCached(db, new Counting(new LexicalEmbedder()), texts, { batchSize: 10, progress: (d, t) => calls.push([d, t]) });
      expect(calls).toEqual([[0, 25], [10, 25], [20, 25], [25, 25]]);
    });
  });

  it('rejects an embedder that returns rows of the wrong length', async () => {
    const broken: Embedder = { id: 'test:broken', dim: 8, defaultThreshold: 0.9, embed: async (t) => t.map(() => new Float32Array(4)) };
    await withDatabase({ path: ':memory:' }, async (db) => {
      await expect(embedCached(db, broken, ['a'])).rejects.toThrow('embedder test:broken returned a row of 4 values, expected 8');
    });
  });
});

describe('progress line', () => {
  it('draws on a terminal, throttled, and erases itself', () => {
    const out: string[] = [];
    let t = 0;
    const line = progressLine('embedding', { sink: { write: (s) => out.push(s), isTTY: true }, minTotal: 10, intervalMs: 100, now: () => t });
    line.update(0, 5000);
    t = 50;
    line.update(1000, 5000); // within the interval: skipped
    t = 150;
    line.update(2500, 5000);
    line.update(5000, 5000); // the last step always shows
    line.done();
    expect(out).toEqual([
      '\rembedding 0/5,000 (0%)',
      '\rembedding 2,500/5,000 (50%)',
      '\rembedding 5,000/5,000 (100%)',
      `\r${' '.repeat('embedding 5,000/5,000 (100%)'.length)}\r`,
    ]);
  });

  it('prints nothing when stderr is not a terminal or the run is short', () => {
    const out: string[] = [];
    progressLine('x', { sink: { write: (s) => out.push(s), isTTY: false }, minTotal: 0 }).update(1, 2);
    const short = progressLine('x', { sink: { write: (s) => out.push(s), isTTY: true }, minTotal: 100 });
    short.update(1, 2);
    short.done();
    expect(out).toEqual([]);
  });
});
