import { describe, expect, it } from 'vitest';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { LexicalPool } from '../src/embed/lexical-pool.js';
import { lshSpace } from '../src/embed/lsh.js';
import { densify } from '../src/embed/sparse.js';
import { demoTexts } from './demo-records.js';

/**
 * The lexical embedder on worker threads (the built worker in dist/, as the CLI runs it): the same rows and
 * signatures as on this thread, bit for bit, in order; only for the built-in embedder; a worker's failure is an
 * error of the call, not a hang.
 */
const texts = demoTexts(500);

describe('LexicalPool', () => {
  it('gives the rows and signatures of one thread, in order, with more workers than some batches have texts', async () => {
    const embedder = new LexicalEmbedder();
    const pool = LexicalPool.for(embedder, 3)!;
    expect(pool).not.toBeNull();
    try {
      const mine = embedder.embedSync(texts);
      const rows = await pool.embed(texts);
      expect(rows.length).toBe(texts.length);
      rows.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(mine[i]!)));
      const space = lshSpace(embedder.dim, { threshold: 0.9 });
      expect(Array.from(await pool.signatures(texts, { threshold: 0.9 }))).toEqual(Array.from(space.signatures(mine)));
      // Two texts over three workers, and none.
      expect((await pool.embed(texts.slice(0, 2))).map((r) => Array.from(r))).toEqual(mine.slice(0, 2).map((r) => Array.from(r)));
      expect(await pool.embed([])).toEqual([]);
      // Sparse rows: the dense rows' entries, from every worker, in order.
      const sparse = await pool.sparse(texts);
      expect(sparse.map((row) => Array.from(densify(row)))).toEqual(mine.map((row) => Array.from(row)));
      expect(await pool.sparse([])).toEqual([]);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('is only for the built-in embedder itself, on two threads or more', () => {
    class Other extends LexicalEmbedder {}
    expect(LexicalPool.for(new Other(), 2)).toBeNull();
    expect(LexicalPool.for(new LexicalEmbedder(), 1)).toBeNull();
    expect(LexicalPool.for(new LexicalEmbedder({ dim: 256 }), 2)).not.toBeNull();
  });

  it('turns a worker\'s error into a rejected call, and works again after', async () => {
    const pool = LexicalPool.for(new LexicalEmbedder(), 2)!;
    try {
      // A dimension the embedder refuses: the workers throw while making their part.
      (pool as unknown as { dim: number }).dim = 100;
      await expect(pool.embed(texts.slice(0, 10))).rejects.toThrow(/lexical worker: .*power of two/);
      (pool as unknown as { dim: number }).dim = 512;
      expect((await pool.embed(texts.slice(0, 4))).length).toBe(4);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
