import { mulberry32 } from '../random.js';
import { HAMMING_WASM } from './hamming-wasm.js';

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
  // Table t's bits, flat: the word and the shift of its k-th bit at t * bucketBits + k.
  const bitWord = Int32Array.from(bits.flat(), (bit) => bit >>> 5);
  const bitShift = Int32Array.from(bits.flat(), (bit) => bit & 31);
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
          // The first round's signs as the row is copied (padding zeros keep their signed zero).
          const first = signs[block * ROUNDS]!;
          for (let d = 0; d < size; d++) buf[d] = (d < dim ? row[d]! : 0) * first[d]!;
          hadamard(buf);
          for (let r = 1; r < ROUNDS; r++) {
            const sign = signs[block * ROUNDS + r]!;
            for (let d = 0; d < size; d++) buf[d]! *= sign[d]!;
            hadamard(buf);
          }
          const from = block * size;
          const last = Math.min(SIGNATURE_BITS, from + size);
          for (let bit = from; bit < last; bit++) {
            if (buf[bit - from]! > 0) out[p * SIGNATURE_WORDS + (bit >>> 5)]! |= 1 << (bit & 31);
          }
        }
      }
      return out;
    },
    bands(signatures, p) {
      const out = new Uint32Array(tables);
      const row = p * SIGNATURE_WORDS;
      for (let t = 0, k = 0; t < tables; t++) {
        let band = 0;
        for (const end = k + bucketBits; k < end; k++) band = ((band << 1) | ((signatures[row + bitWord[k]!]! >>> bitShift[k]!) & 1)) >>> 0;
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

/**
 * In-place unnormalized fast Walsh-Hadamard transform (length a power of two); scale does not change signs. The
 * stages h = 1, 2, 4, … run three at a time (radix 8, then 4, then 2 for what is left): each output is the same
 * sums and differences of the same values in the same order as one stage after the other, so the result is
 * bit-for-bit that of the plain radix-2 loop (test/embed.cluster.test.ts), in fewer passes over the buffer.
 */
export function hadamard(buf: Float64Array): void {
  const n = buf.length;
  let h = 1;
  for (; 8 * h <= n; h *= 8) {
    for (let i = 0; i < n; i += 8 * h) {
      for (let j = i; j < i + h; j++) {
        const x0 = buf[j]!;
        const x1 = buf[j + h]!;
        const x2 = buf[j + 2 * h]!;
        const x3 = buf[j + 3 * h]!;
        const x4 = buf[j + 4 * h]!;
        const x5 = buf[j + 5 * h]!;
        const x6 = buf[j + 6 * h]!;
        const x7 = buf[j + 7 * h]!;
        const a0 = x0 + x1;
        const a1 = x0 - x1;
        const a2 = x2 + x3;
        const a3 = x2 - x3;
        const a4 = x4 + x5;
        const a5 = x4 - x5;
        const a6 = x6 + x7;
        const a7 = x6 - x7;
        const b0 = a0 + a2;
        const b1 = a1 + a3;
        const b2 = a0 - a2;
        const b3 = a1 - a3;
        const b4 = a4 + a6;
        const b5 = a5 + a7;
        const b6 = a4 - a6;
        const b7 = a5 - a7;
        buf[j] = b0 + b4;
        buf[j + h] = b1 + b5;
        buf[j + 2 * h] = b2 + b6;
        buf[j + 3 * h] = b3 + b7;
        buf[j + 4 * h] = b0 - b4;
        buf[j + 5 * h] = b1 - b5;
        buf[j + 6 * h] = b2 - b6;
        buf[j + 7 * h] = b3 - b7;
      }
    }
  }
  for (; 4 * h <= n; h *= 4) {
    for (let i = 0; i < n; i += 4 * h) {
      for (let j = i; j < i + h; j++) {
        const x0 = buf[j]!;
        const x1 = buf[j + h]!;
        const x2 = buf[j + 2 * h]!;
        const x3 = buf[j + 3 * h]!;
        const a0 = x0 + x1;
        const a1 = x0 - x1;
        const a2 = x2 + x3;
        const a3 = x2 - x3;
        buf[j] = a0 + a2;
        buf[j + h] = a1 + a3;
        buf[j + 2 * h] = a0 - a2;
        buf[j + 3 * h] = a1 - a3;
      }
    }
  }
  for (; h < n; h *= 2) {
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

/** Set bits per 16-bit value: a table lookup is the fastest popcount in JS (the pair walk counts billions of bits). */
const POPCOUNT16 = new Uint8Array(65_536);
for (let i = 1; i < 65_536; i++) POPCOUNT16[i] = POPCOUNT16[i >>> 1]! + (i & 1);

function popcount(x: number): number {
  return POPCOUNT16[x & 0xffff]! + POPCOUNT16[x >>> 16]!;
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
  return atThreshold(space, dot(a, b));
}

/** The rule of linked() for a cosine computed otherwise (sparse.ts, bit for bit the same number). */
export function atThreshold(space: Pick<LshSpace, 'threshold'>, cosine: number): boolean {
  return cosine >= space.threshold - 1e-6;
}

/** What the pair walk skips before comparing signatures (a union-find's find(), e.g. cluster.ts UnionFind). */
export interface PairFilter {
  /** Items at or above this index are stored ones: a pair of two of them was looked at when the later one came. */
  storedFrom?: number;
  /** Pairs already in one set are skipped (the set may grow while the walk runs). */
  sets?: { find(p: number): number };
}

export interface PairWalk {
  /** Pairs in a common bucket (each time they share a bucket), before the filter and the signature check. */
  candidates: number;
  /** Of those, pairs within maxHamming bits, each given once. */
  close: number;
}

/**
 * The one pair loop of both clusterings (cluster.ts in memory, cluster-store.ts in the database): every pair of
 * items 0..n-1 that shares a bucket in some table, passes the filter and has signatures within `space.maxHamming`
 * bits goes to visit(a, b), a < b, once: in the first table whose bucket it shares (a later table's bucket holds it
 * again, and it was visited, or skipped for a reason that still holds: sets only merge). Tables in order, buckets in
 * band order, members in index order (a stable radix sort per table: typed arrays, no comparator).
 *
 * The walk can stop after a number of pairs and go on later (`run`): a caller that checks pairs in batches joins
 * sets in between, and the walk skips what was joined from then on. `bands` holds `space.tables` bands per item,
 * `signatures` SIGNATURE_WORDS words per item.
 */
export class PairWalker {
  readonly stats: PairWalk = { candidates: 0, close: 0 };
  private readonly kernel: CloseKernel;
  private readonly scratch: Int32Array;
  private readonly counts = new Int32Array(65_537);
  // Where the walk stands: table, bucket [s, e), pair (i, j); t = -1 before the first table is sorted.
  private t = -1;
  private s = 0;
  private e = 0;
  private i = 0;
  private j = 0;

  constructor(
    private readonly space: Pick<LshSpace, 'tables' | 'bucketBits' | 'maxHamming'>,
    signatures: Uint32Array,
    private readonly bands: Uint32Array,
    private readonly n: number,
    private readonly filter: PairFilter,
    /** 'js' forces the JavaScript signature check (tests compare both); by default WebAssembly when it can. */
    kernel: 'wasm' | 'js' = 'wasm',
  ) {
    this.kernel = (kernel === 'wasm' ? wasmKernel(signatures, n, space.maxHamming) : null) ?? jsKernel(signatures, n, space.maxHamming);
    this.scratch = new Int32Array(n);
  }

  /** Which signature check the walk uses. */
  get kernelKind(): 'wasm' | 'js' {
    return this.kernel.kind;
  }

  /**
   * Visits pairs until `max` of them were visited or `visit` returns true (then true: paused, more may come), or
   * the walk is over (false).
   */
  run(visit: (a: number, b: number) => boolean | void, max = Infinity): boolean {
    const { bands, n, kernel } = this;
    const { order, out } = kernel;
    const T = this.space.tables;
    const storedFrom = this.filter.storedFrom ?? n;
    const sets = this.filter.sets;
    const stats = this.stats;
    let visited = 0;
    let { t, s, e, i, j } = this;
    for (; t < T; t++, s = 0, e = 0) {
      if (e === 0) {
        if (t < 0) continue;
        sortByBand(bands, T, t, n, this.space.bucketBits > 16, order, this.scratch, this.counts);
      }
      for (; s < n; s = e, e = 0) {
        if (e === 0) {
          const band = bands[order[s]! * T + t]!;
          e = s + 1;
          while (e < n && bands[order[e]! * T + t] === band) e++;
          i = s;
          j = s + 1;
        }
        for (; i < e - 1; i++, j = i + 1) {
          const a = order[i]!;
          if (a >= storedFrom) break; // members are in index order: the rest are stored ones too
          // Candidates counted per bucket row, not per pair (a counter in the loop costs as much as a check).
          stats.candidates += e - j;
          // The members within the Hamming bound first (the kernel), then the sets: a find() on each of the hundreds
          // of millions of pairs of crowded buckets costs more, and the pairs visited are the same in either order.
          const found = kernel.close(a, j, e);
          if (found === 0) continue;
          let rootA = sets ? sets.find(a) : a;
          for (let m = 0; m < found; m++) {
            const at = out[m]!;
            const b = order[at]!;
            if (sets && rootA === sets.find(b)) continue;
            if (sharedBefore(bands, T, t, a, b)) continue;
            stats.close++;
            if (visit(a, b) === true || ++visited >= max) {
              stats.candidates -= e - at - 1; // counted again when the walk goes on
              Object.assign(this, { t, s, e, i, j: at + 1 });
              return true;
            }
            if (sets) rootA = sets.find(a); // visit may have joined sets
          }
        }
      }
    }
    Object.assign(this, { t, s, e, i, j });
    return false;
  }
}

/**
 * The walk's signature check: `order` (a bucket's members by position, written by the walk's sort) and close(a, j, e),
 * which writes to `out` the positions in [j, e) whose item is within the bound of item a, in order, and counts them.
 */
interface CloseKernel {
  kind: 'wasm' | 'js';
  order: Int32Array;
  out: Int32Array;
  close(a: number, j: number, e: number): number;
}

let hammingModule: WebAssembly.Module | null = null;

/**
 * The check in WebAssembly (hamming.wat: i64.popcnt, ~3× the JS table lookups): the signatures are copied into its
 * memory, and order and out live there too (40 bytes per item). Null when that memory cannot be had (past 4 GB).
 */
function wasmKernel(signatures: Uint32Array, n: number, bound: number): CloseKernel | null {
  const sigBytes = n * SIGNATURE_WORDS * 4;
  const orderBase = sigBytes;
  const outBase = orderBase + n * 4;
  const pages = Math.ceil((outBase + n * 4) / 65_536) + 1;
  if (pages > 65_536) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages });
  } catch {
    return null;
  }
  hammingModule ??= new WebAssembly.Module(Buffer.from(HAMMING_WASM, 'base64'));
  const instance = new WebAssembly.Instance(hammingModule, { env: { memory } });
  const check = instance.exports['close'] as (a: number, j: number, e: number, bound: number, sigBase: number, orderBase: number, outBase: number) => number;
  new Uint32Array(memory.buffer, 0, n * SIGNATURE_WORDS).set(signatures.subarray(0, n * SIGNATURE_WORDS));
  return {
    kind: 'wasm',
    order: new Int32Array(memory.buffer, orderBase, n),
    out: new Int32Array(memory.buffer, outBase, n),
    close: (a, j, e) => check(a, j, e, bound, 0, orderBase, outBase),
  };
}

/** The same check in JavaScript: the 16-bit popcount table, the first 128 bits first. */
function jsKernel(signatures: Uint32Array, n: number, bound: number): CloseKernel {
  const order = new Int32Array(n);
  const out = new Int32Array(n);
  return {
    kind: 'js',
    order,
    out,
    close(a, j, e) {
      // The signature is SIGNATURE_WORDS = 8 words: held in locals for the inner loop.
      const o = a * SIGNATURE_WORDS;
      const a0 = signatures[o]!;
      const a1 = signatures[o + 1]!;
      const a2 = signatures[o + 2]!;
      const a3 = signatures[o + 3]!;
      const a4 = signatures[o + 4]!;
      const a5 = signatures[o + 5]!;
      const a6 = signatures[o + 6]!;
      const a7 = signatures[o + 7]!;
      let found = 0;
      for (; j < e; j++) {
        const q = order[j]! * SIGNATURE_WORDS;
        const half = popcount(a0 ^ signatures[q]!) + popcount(a1 ^ signatures[q + 1]!) + popcount(a2 ^ signatures[q + 2]!) + popcount(a3 ^ signatures[q + 3]!);
        if (half > bound) continue;
        const rest = popcount(a4 ^ signatures[q + 4]!) + popcount(a5 ^ signatures[q + 5]!) + popcount(a6 ^ signatures[q + 6]!) + popcount(a7 ^ signatures[q + 7]!);
        if (half + rest <= bound) out[found++] = j;
      }
      return found;
    },
  };
}

/** A whole walk at once (PairWalker), each pair to `visit`, which may join sets. */
export function walkPairs(
  space: Pick<LshSpace, 'tables' | 'bucketBits' | 'maxHamming'>,
  signatures: Uint32Array,
  bands: Uint32Array,
  n: number,
  filter: PairFilter,
  visit: (a: number, b: number) => void,
): PairWalk {
  const walker = new PairWalker(space, signatures, bands, n, filter);
  walker.run(visit);
  return walker.stats;
}

/** Whether items a and b share a bucket in a table before t. */
function sharedBefore(bands: Uint32Array, T: number, t: number, a: number, b: number): boolean {
  for (let u = 0; u < t; u++) if (bands[a * T + u] === bands[b * T + u]) return true;
  return false;
}

/**
 * `order` = 0..n-1 sorted by table t's band, ties in index order: a stable counting pass over the low 16 bits, and
 * one over the high 16 bits when bands are wider.
 */
function sortByBand(bands: Uint32Array, T: number, t: number, n: number, wide: boolean, order: Int32Array, scratch: Int32Array, counts: Int32Array): void {
  const first = wide ? scratch : order;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(bands[i * T + t]! & 0xffff) + 1]!++;
  for (let d = 0; d < 65_536; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) first[counts[bands[i * T + t]! & 0xffff]!++] = i;
  if (!wide) return;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(bands[scratch[i]! * T + t]! >>> 16) + 1]!++;
  for (let d = 0; d < 65_536; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) {
    const p = scratch[i]!;
    order[counts[bands[p * T + t]! >>> 16]!++] = p;
  }
}
