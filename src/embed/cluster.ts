/**
 * Groups texts whose embeddings have cosine similarity ≥ a threshold: the connected components of the graph
 * "cosine ≥ threshold", found without comparing all pairs.
 *
 * How: random-hyperplane LSH (SimHash). Each vector gets a 256-bit signature: the signs of 256 projections onto
 * the rows of a seeded pseudo-random rotation (signaturesOf); two vectors at angle θ disagree on each bit with
 * probability ≈ θ/π. Each of `tables` tables sorts the items by K sampled signature bits (the bucket) followed by
 * further bits (so near items sit side by side in a crowded bucket), and every item is compared with the next
 * `window` items of its bucket. A candidate pair goes on only if its signatures are close in Hamming distance
 * and it is not yet in one cluster; then the exact cosine decides, and union-find joins the pair.
 *
 * Invariants:
 * - deterministic: the projections and bit samples come from a fixed seed and items are processed sorted by
 *   their key (the SHA-256 of the normalized text), so the same set of texts gives the same clusters and the
 *   same cluster ids whatever order they arrive in;
 * - a cluster's id is the smallest key among its members, so a cluster keeps its id when texts are added to it
 *   unless a text with a smaller key joins (or two clusters merge);
 * - no false links: every link is an exact cosine ≥ threshold (single linkage, so a cluster can still hold a
 *   pair below it, chained through others). Missed links are possible (LSH is probabilistic): K is chosen so
 *   that a pair exactly at the threshold shares a bucket in some table with probability ≥ 0.95 for independent
 *   bits; measured, 95% of constructed pairs at cosine 0.955 (threshold 0.95) and 97–99% of the all-pairs links
 *   on demo texts (test/embed.cluster.test.ts). A cluster of several members needs only a spanning set of links;
 * - memory beyond the caller's vectors: 32 bytes of signature + ~28 bytes of work arrays per item; time
 *   ~ n × (D log D + tables × (log n + window)), plus D per exact cosine.
 */

import { mulberry32 } from '../random.js';

export interface ClusterOptions {
  /** Cosine similarity at or above which two items are linked, in (0, 1]. */
  threshold: number;
  /** LSH tables (default 16): more tables, better recall, more time. */
  tables?: number;
  /** Neighbours compared after each item in a table's sorted bucket (default 12). */
  window?: number;
  /** Seed of the hyperplanes and bit samples (default fixed). */
  seed?: number;
}

export interface ClusterStats {
  tables: number;
  /** Signature bits that name a bucket. */
  bucketBits: number;
  /** Pairs looked at (in a common bucket and window). */
  candidates: number;
  /** Pairs whose exact cosine was computed (close signatures, not yet in one cluster). */
  verified: number;
  /** Verified pairs that joined two clusters. */
  links: number;
}

export interface Clustering {
  /** For each input item, in the caller's order: its cluster id (the smallest key in the cluster). */
  clusterOf: string[];
  /** Distinct clusters. */
  clusters: number;
  stats: ClusterStats;
}

const SIGNATURE_BITS = 256;
/** Sign-flip + Hadamard rounds of the fast pseudo-rotation (3 is the usual choice for Gaussian-like rows). */
const ROUNDS = 3;
const WORDS = SIGNATURE_BITS / 32;
const DEFAULT_TABLES = 16;
const DEFAULT_WINDOW = 12;
const DEFAULT_SEED = 0x5eedc105;
/** Target probability that a pair exactly at the threshold shares a bucket in some table. */
const TARGET_RECALL = 0.95;
/** Sort keys are doubles: bucket bits + ordering bits + item index must fit in 53 bits. */
const KEY_BITS = 53;

/** Clusters `vectors` (L2-normalized rows of one dimension) identified by `keys` (unique, e.g. SHA-256 hex). */
export function clusterVectors(keys: readonly string[], vectors: readonly Float32Array[], options: ClusterOptions): Clustering {
  const n = keys.length;
  if (vectors.length !== n) throw new RangeError(`clusterVectors: ${n} keys but ${vectors.length} vectors`);
  const threshold = options.threshold;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`clusterVectors: threshold must be in (0, 1], got ${threshold}`);
  const tables = Math.max(1, Math.floor(options.tables ?? DEFAULT_TABLES));
  const window = Math.max(1, Math.floor(options.window ?? DEFAULT_WINDOW));
  const dim = n > 0 ? vectors[0]!.length : 0;
  for (const v of vectors) if (v.length !== dim) throw new RangeError(`clusterVectors: rows of ${v.length} and ${dim} values`);

  // Sorted by key: position p holds item order[p]; all the work below is in positions, so arrival order is moot.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  const rows = order.map((i) => vectors[i]!);
  const rng = mulberry32(options.seed ?? DEFAULT_SEED);
  const signatures = signaturesOf(rows, dim, rng);

  const angle = Math.acos(Math.min(1, threshold)) / Math.PI;
  const bucketBits = chooseBucketBits(1 - angle, tables, n);
  const maxHamming = hammingBound(angle);
  const indexBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const orderBits = Math.max(0, Math.min(SIGNATURE_BITS - bucketBits, KEY_BITS - bucketBits - indexBits));
  if (bucketBits + indexBits > KEY_BITS) throw new RangeError(`clusterVectors: too many items (${n})`);

  const parent = new Int32Array(n);
  for (let p = 0; p < n; p++) parent[p] = p;
  const find = (p: number): number => {
    while (parent[p] !== p) {
      const up = parent[parent[p]!]!;
      parent[p] = up;
      p = up;
    }
    return p;
  };
  const stats: ClusterStats = { tables, bucketBits, candidates: 0, verified: 0, links: 0 };

  // Identical keys are the same text: one cluster, no cosine needed.
  for (let p = 1; p < n; p++) if (keys[order[p]!] === keys[order[p - 1]!]) parent[p] = find(p - 1);

  const sortKeys = new Float64Array(n);
  const bucketOf = new Float64Array(n);
  const positions = new Int32Array(n);
  const indexScale = 2 ** indexBits;
  for (let t = 0; t < tables; t++) {
    // This table's bits: bucketBits name the bucket, the next orderBits order items inside it.
    const bits = sampleBits(bucketBits + orderBits, rng);
    for (let p = 0; p < n; p++) {
      let bucket = 0;
      for (let b = 0; b < bucketBits; b++) bucket = bucket * 2 + bitOf(signatures, p, bits[b]!);
      let within = 0;
      for (let b = bucketBits; b < bits.length; b++) within = within * 2 + bitOf(signatures, p, bits[b]!);
      sortKeys[p] = (bucket * 2 ** orderBits + within) * indexScale + p;
    }
    sortKeys.sort();
    for (let s = 0; s < n; s++) {
      const key = sortKeys[s]!;
      const p = key % indexScale;
      positions[s] = p;
      bucketOf[s] = Math.floor(key / indexScale / 2 ** orderBits);
    }
    for (let s = 0; s < n; s++) {
      const a = positions[s]!;
      const bucket = bucketOf[s]!;
      const end = Math.min(n, s + 1 + window);
      for (let u = s + 1; u < end && bucketOf[u] === bucket; u++) {
        const b = positions[u]!;
        stats.candidates++;
        if (hamming(signatures, a, b) > maxHamming) continue;
        const ra = find(a);
        const rb = find(b);
        if (ra === rb) continue;
        stats.verified++;
        if (dot(rows[a]!, rows[b]!, dim) >= threshold - 1e-6) {
          // The smaller position (the smaller key) stays the root: it is the cluster's id.
          if (ra < rb) parent[rb] = ra;
          else parent[ra] = rb;
          stats.links++;
        }
      }
    }
  }

  const clusterOf = new Array<string>(n);
  let clusters = 0;
  for (let p = 0; p < n; p++) {
    const root = find(p);
    if (root === p) clusters++;
    clusterOf[order[p]!] = keys[order[root]!]!;
  }
  return { clusterOf, clusters, stats };
}

/**
 * Bits per bucket: the most (fewer collisions of unrelated items) such that a pair at the threshold, whose bits
 * agree with probability `agree`, shares a bucket in at least one of `tables` tables with TARGET_RECALL.
 * More than log2(n) + 4 bits are never needed (buckets are already tiny); never fewer than 4.
 */
export function chooseBucketBits(agree: number, tables: number, n: number): number {
  const perTable = 1 - (1 - TARGET_RECALL) ** (1 / tables);
  const bits = agree >= 1 ? 32 : Math.floor(Math.log(perTable) / Math.log(agree));
  return Math.max(4, Math.min(32, bits, Math.max(4, Math.ceil(Math.log2(Math.max(n, 2))) + 4)));
}

/** Signature Hamming distance above which a pair at the threshold is very unlikely (mean + 3.5 sd: p < 0.0003). */
export function hammingBound(angle: number): number {
  const mean = SIGNATURE_BITS * angle;
  const sd = Math.sqrt(SIGNATURE_BITS * angle * (1 - angle));
  return Math.min(SIGNATURE_BITS, Math.ceil(mean + 3.5 * sd));
}

/**
 * SIGNATURE_BITS sign bits per row. The projections are the rows of H·D3·H·D2·H·D1 (H the Walsh-Hadamard
 * transform, Di seeded random ±1 diagonals), a standard fast stand-in for a random rotation: O(D log D) per
 * row instead of O(D × bits), and its directions are orthogonal. Rows are zero-padded to a power of two;
 * a row shorter than SIGNATURE_BITS gets several independent blocks.
 */
function signaturesOf(rows: readonly Float32Array[], dim: number, rng: () => number): Uint32Array {
  let size = 2;
  while (size < dim) size *= 2;
  const blocks = Math.ceil(SIGNATURE_BITS / size);
  const signs: Float64Array[] = [];
  for (let k = 0; k < blocks * ROUNDS; k++) signs.push(Float64Array.from({ length: size }, () => (rng() < 0.5 ? -1 : 1)));
  const signatures = new Uint32Array(rows.length * WORDS);
  const buf = new Float64Array(size);
  for (let p = 0; p < rows.length; p++) {
    const row = rows[p]!;
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
        if (buf[bit - first]! > 0) signatures[p * WORDS + (bit >>> 5)]! |= 1 << (bit & 31);
      }
    }
  }
  return signatures;
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

function bitOf(signatures: Uint32Array, p: number, bit: number): number {
  return (signatures[p * WORDS + (bit >>> 5)]! >>> (bit & 31)) & 1;
}

function hamming(signatures: Uint32Array, a: number, b: number): number {
  let total = 0;
  for (let w = 0; w < WORDS; w++) total += popcount(signatures[a * WORDS + w]! ^ signatures[b * WORDS + w]!);
  return total;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function dot(a: Float32Array, b: Float32Array, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += a[d]! * b[d]!;
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
