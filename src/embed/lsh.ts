import { mulberry32 } from '../random.js';

/**
 * The LSH space both clusterings use (the in-memory one of cluster.ts and the persistent, incremental one of
 * cluster-store.ts): random-hyperplane signatures (SimHash) and, per table, a band of signature bits that names a
 * bucket. Everything is a function of (dimension, threshold, tables, seed) only — never of how many items there are
 * — so an item's signature and buckets are the same in every run, which is what lets a clustering grow
 * incrementally and still equal the one made from scratch.
 *
 * - Signature: SIGNATURE_BITS sign bits, the signs of projections onto the rows of H·D3·H·D2·H·D1 (H the
 *   Walsh-Hadamard transform, Di seeded ±1 diagonals): a fast stand-in for a random rotation, O(D log D) per row.
 *   Two rows at angle θ disagree on a bit with probability ≈ θ/π.
 * - Buckets: table t's band is `bucketBits` sampled signature bits; a pair exactly at the threshold shares a band
 *   in at least one of the `tables` tables with probability ≥ TARGET_RECALL (independent bits).
 * - A candidate pair (sharing a band) goes on only if its signatures are within `maxHamming` bits; then the exact
 *   cosine decides.
 */

export const SIGNATURE_BITS = 256;
export const SIGNATURE_WORDS = SIGNATURE_BITS / 32;
const ROUNDS = 3;
export const DEFAULT_TABLES = 16;
export const DEFAULT_SEED = 0x5eedc105;
/** Target probability that a pair exactly at the threshold shares a bucket in some table. */
export const TARGET_RECALL = 0.95;
/** Version of the bucketing rules: part of the persisted space's id, so a change never mixes two rules. */
export const LSH_VERSION = 'lsh2';

export interface LshOptions {
  threshold: number;
  tables?: number;
  seed?: number;
}

export interface LshSpace {
  dim: number;
  threshold: number;
  tables: number;
  bucketBits: number;
  maxHamming: number;
  /** Names the space: persisted clusters of one space are never mixed with another's. */
  id: string;
  /** SIGNATURE_WORDS words per row, rows one after the other. */
  signatures(rows: readonly Float32Array[]): Uint32Array;
  /** The `tables` band values of row `p` of `signatures`. */
  bands(signatures: Uint32Array, p: number): Uint32Array;
}

export function lshSpace(dim: number, options: LshOptions): LshSpace {
  const threshold = options.threshold;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`clustering threshold must be in (0, 1], got ${threshold}`);
  const tables = Math.max(1, Math.floor(options.tables ?? DEFAULT_TABLES));
  const seed = options.seed ?? DEFAULT_SEED;
  const rng = mulberry32(seed);
  let size = 2;
  while (size < dim) size *= 2;
  const blocks = Math.ceil(SIGNATURE_BITS / size);
  const signs: Float64Array[] = [];
  for (let k = 0; k < blocks * ROUNDS; k++) signs.push(Float64Array.from({ length: size }, () => (rng() < 0.5 ? -1 : 1)));
  const angle = Math.acos(Math.min(1, threshold)) / Math.PI;
  const bucketBits = chooseBucketBits(1 - angle, tables);
  const bits = Array.from({ length: tables }, () => sampleBits(bucketBits, rng));
  const maxHamming = hammingBound(angle);
  return {
    dim,
    threshold,
    tables,
    bucketBits,
    maxHamming,
    id: `${LSH_VERSION}:d${dim}:t${threshold}:L${tables}:K${bucketBits}:s${seed}`,
    signatures(rows) {
      const out = new Uint32Array(rows.length * SIGNATURE_WORDS);
      const buf = new Float64Array(size);
      for (let p = 0; p < rows.length; p++) {
        const row = rows[p]!;
        if (row.length !== dim) throw new RangeError(`clustering: rows of ${row.length} and ${dim} values`);
        for (let block = 0; block < blocks; block++) {
          buf.fill(0);
          for (let d = 0; d < dim; d++) buf[d] = row[d]!;
          for (let r = 0; r < ROUNDS; r++) {
            const sign = signs[block * ROUNDS + r]!;
            for (let d = 0; d < size; d++) buf[d]! *= sign[d]!;
            hadamard(buf);
          }
          const first = block * size;
          const last = Math.min(SIGNATURE_BITS, first + size);
          for (let bit = first; bit < last; bit++) {
            if (buf[bit - first]! > 0) out[p * SIGNATURE_WORDS + (bit >>> 5)]! |= 1 << (bit & 31);
          }
        }
      }
      return out;
    },
    bands(signatures, p) {
      const out = new Uint32Array(tables);
      for (let t = 0; t < tables; t++) {
        let band = 0;
        for (const bit of bits[t]!) band = ((band << 1) | ((signatures[p * SIGNATURE_WORDS + (bit >>> 5)]! >>> (bit & 31)) & 1)) >>> 0;
        out[t] = band;
      }
      return out;
    },
  };
}

/**
 * Bits per bucket: the most (fewer collisions of unrelated items) such that a pair at the threshold, whose bits
 * agree with probability `agree`, shares a bucket in at least one of `tables` tables with TARGET_RECALL; from 4
 * to 32. It depends on the threshold only, so buckets are the same whatever the number of items.
 */
export function chooseBucketBits(agree: number, tables: number): number {
  const perTable = 1 - (1 - TARGET_RECALL) ** (1 / tables);
  const bits = agree >= 1 ? 32 : Math.floor(Math.log(perTable) / Math.log(agree));
  return Math.max(4, Math.min(32, bits));
}

/** Signature Hamming distance above which a pair at the threshold is very unlikely (mean + 3.5 sd: p < 0.0003). */
export function hammingBound(angle: number): number {
  const mean = SIGNATURE_BITS * angle;
  const sd = Math.sqrt(SIGNATURE_BITS * angle * (1 - angle));
  return Math.min(SIGNATURE_BITS, Math.ceil(mean + 3.5 * sd));
}

/** In-place unnormalized fast Walsh-Hadamard transform (length a power of two); scale does not change signs. */
function hadamard(buf: Float64Array): void {
  const n = buf.length;
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = buf[j]!;
        const b = buf[j + h]!;
        buf[j] = a + b;
        buf[j + h] = a - b;
      }
    }
  }
}

/** Hamming distance between row a of `sa` and row b of `sb`. */
export function hamming(sa: Uint32Array, a: number, sb: Uint32Array, b: number): number {
  let total = 0;
  for (let w = 0; w < SIGNATURE_WORDS; w++) total += popcount(sa[a * SIGNATURE_WORDS + w]! ^ sb[b * SIGNATURE_WORDS + w]!);
  return total;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d]! * b[d]!;
  return sum;
}

/** `count` distinct bit positions of the signature, in a seeded random order. */
function sampleBits(count: number, rng: () => number): number[] {
  const all = Array.from({ length: SIGNATURE_BITS }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (SIGNATURE_BITS - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count);
}

/** Cosine at or above the threshold (rows are L2-normalized; a float32 rounding allowance). */
export function linked(space: Pick<LshSpace, 'threshold'>, a: Float32Array, b: Float32Array): boolean {
  return dot(a, b) >= space.threshold - 1e-6;
}
