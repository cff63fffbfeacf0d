import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { dot } from '../src/embed/lsh.js';
import { densify, packRows, SparseDot, sparseRows, unpackRows } from '../src/embed/sparse.js';
import { demoTexts } from './demo-records.js';

/**
 * Sparse rows (embed/sparse.ts) stand in for dense ones in the cluster store's cosine checks: a link is decided on
 * their dot product, so it must be the dense dot product's number exactly, not nearly, or the clusters would
 * depend on the representation.
 */

/** -0 and +0 are the same cosine: compared after adding +0. */
const same = (x: number, y: number): boolean => Object.is(x + 0, y + 0);

/** Float32 rows of `dim` with many zeros, values of very different magnitudes (rounding shows), signed zeros. */
const rowOf = (dim: number) =>
  fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constant(-0) },
      { weight: 4, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }) },
      { weight: 1, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e-30), max: Math.fround(1e-30) }) },
    ),
    { minLength: dim, maxLength: dim },
  ).map((values) => Float32Array.from(values));

describe('SparseDot', () => {
  it('equals the dense dot product bit for bit, over any sequence of pairs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((dim) =>
          fc.tuple(fc.array(rowOf(dim), { minLength: 2, maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 30 })),
        ),
        ([dense, pairs]) => {
          const sparse = sparseRows(dense, dense[0]!.length);
          const dots = new SparseDot(dense[0]!.length);
          for (const [i, j] of pairs) {
            const a = i % dense.length;
            const b = j % dense.length;
            expect(same(dots.dot(sparse[a]!, sparse[b]!), dot(dense[a]!, dense[b]!))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives what the dense dot gives when a row holds NaN or an infinity', () => {
    const dense = [
      Float32Array.from([0, 1, 0, 2]),
      Float32Array.from([Infinity, 0, 0, 1]),
      Float32Array.from([0, 0, NaN, 0]),
      Float32Array.from([1, 0, 0, 0]),
    ];
    const sparse = sparseRows(dense, 4);
    expect(sparse.map((r) => r.finite)).toEqual([true, false, false, true]);
    const dots = new SparseDot(4);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        const want = dot(dense[a]!, dense[b]!);
        const got = dots.dot(sparse[a]!, sparse[b]!);
        expect(Number.isNaN(got) ? Number.isNaN(want) : same(got, want)).toBe(true);
      }
    }
  });

  it('packs rows as their nonzero entries in ascending order, and unpacks them to the same rows', () => {
    fc.assert(
      fc.property(fc.array(rowOf(12), { maxLength: 6 }), (dense) => {
        const flat = new Float32Array(dense.length * 12);
        dense.forEach((row, r) => flat.set(row, r * 12));
        const packed = packRows(flat, dense.length, 12);
        const rows = unpackRows(packed);
        expect(rows.length).toBe(dense.length);
        rows.forEach((row, r) => {
          expect(Array.from(row.index)).toEqual([...dense[r]!.keys()].filter((d) => dense[r]![d] !== 0));
          expect(Array.from(densify(row)).map((x) => x + 0)).toEqual(Array.from(dense[r]!).map((x) => x + 0));
        });
      }),
    );
  });
});

describe('LexicalEmbedder.embedSparse', () => {
  it('gives the rows of embedSync, as ascending entries that hold every nonzero, after any earlier call', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(...demoTexts(40))), { maxLength: 12 }),
        fc.constantFrom(64, 512),
        (texts, dim) => {
          const embedder = new LexicalEmbedder({ dim });
          embedder.embedSync(['a text whose buckets an earlier call leaves set']);
          const packed = embedder.embedSparse(texts);
          const dense = embedder.embedSync(texts);
          const rows = unpackRows(packed);
          expect(rows.length).toBe(texts.length);
          rows.forEach((row, i) => {
            for (let k = 1; k < row.index.length; k++) expect(row.index[k]!).toBeGreaterThan(row.index[k - 1]!);
            expect(Array.from(densify(row))).toEqual(Array.from(dense[i]!));
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('grows its buffers past the first guess (long texts touch every bucket)', () => {
    const embedder = new LexicalEmbedder({ dim: 64 });
    const long = Array.from({ length: 3 }, (_, k) => demoTexts(200).join(' ') + ` ${k}`);
    const rows = unpackRows(embedder.embedSparse(long));
    const dense = embedder.embedSync(long);
    rows.forEach((row, i) => expect(Array.from(densify(row))).toEqual(Array.from(dense[i]!)));
  });
});
