/**
 * Groups texts whose embeddings have cosine similarity ≥ a threshold, in memory: the connected components of the
 * graph whose edges are the pairs that share an LSH bucket (lsh.ts), have close signatures and an exact cosine ≥
 * the threshold. cluster-store.ts builds the same graph incrementally in the database; this function is its
 * from-scratch reference (tests) and the benchmark's.
 *
 * Invariants:
 * - the graph is a function of the set of vectors (every pair of a bucket is looked at, not a window of it), so
 *   the clusters do not depend on arrival order or on batching, and a clustering grown item by item equals this;
 * - a cluster's id is the smallest key among its members (keys are SHA-256 of the normalized text);
 * - no false links: every link is an exact cosine ≥ threshold (single linkage, so a cluster can still hold a pair
 *   below it, chained through others). Missed links are possible (LSH is probabilistic): a pair exactly at the
 *   threshold shares a bucket in some table with probability ≥ 0.95 for independent bits; measured, 95% of
 *   constructed pairs at cosine 0.955 (threshold 0.95) and 97–99% of the all-pairs links on demo texts
 *   (test/embed.cluster.test.ts);
 * - time ~ n × (D log D + tables) + Σ over buckets of (bucket size)², with a cheap union-find test before each
 *   signature comparison; buckets stay small (measured: at most ~750 of 190K demo inputs at 0.95). The pair loop
 *   is lsh.ts PairWalker (walkPairs), the store's too.
 */

import { linked, lshSpace, walkPairs } from './lsh.js';

export { chooseBucketBits, hammingBound } from './lsh.js';

export interface ClusterOptions {
  /** Cosine similarity at or above which two items are linked, in (0, 1]. */
  threshold: number;
  /** LSH tables (default 16): more tables, better recall, more time. */
  tables?: number;
  /** Seed of the hyperplanes and bit samples (default fixed). */
  seed?: number;
}

export interface ClusterStats {
  tables: number;
  /** Signature bits that name a bucket. */
  bucketBits: number;
  /** Pairs looked at (in a common bucket, not yet in one cluster). */
  candidates: number;
  /** Pairs whose exact cosine was computed (close signatures, not yet in one cluster, each pair once). */
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

/** Union-find over 0..n-1 where the smaller index stays the root (items sorted by key: the root is the smallest key). */
export class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let p = 0; p < n; p++) this.parent[p] = p;
  }
  find(p: number): number {
    const parent = this.parent;
    while (parent[p] !== p) {
      const up = parent[parent[p]!]!;
      parent[p] = up;
      p = up;
    }
    return p;
  }
  /** Joins the sets of a and b; false when they were one already. */
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
    return true;
  }
}

/** Clusters `vectors` (L2-normalized rows of one dimension) identified by `keys` (e.g. SHA-256 hex). */
export function clusterVectors(keys: readonly string[], vectors: readonly Float32Array[], options: ClusterOptions): Clustering {
  const n = keys.length;
  if (vectors.length !== n) throw new RangeError(`clusterVectors: ${n} keys but ${vectors.length} vectors`);
  const dim = n > 0 ? vectors[0]!.length : 1;
  for (const v of vectors) if (v.length !== dim) throw new RangeError(`clusterVectors: rows of ${v.length} and ${dim} values`);
  const space = lshSpace(dim, options);
  const stats: ClusterStats = { tables: space.tables, bucketBits: space.bucketBits, candidates: 0, verified: 0, links: 0 };
  // Sorted by key: position p holds item order[p], so the root of a set (its smallest position) is its smallest key.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  const rows = order.map((i) => vectors[i]!);
  const signatures = space.signatures(rows);
  const uf = new UnionFind(n);
  // Identical keys are the same text: one cluster, no cosine needed.
  for (let p = 1; p < n; p++) if (keys[order[p]!] === keys[order[p - 1]!]) uf.union(p - 1, p);
  const bands = new Uint32Array(n * space.tables);
  for (let p = 0; p < n; p++) bands.set(space.bands(signatures, p), p * space.tables);
  const walk = walkPairs(space, signatures, bands, n, { sets: uf }, (a, b) => {
    stats.verified++;
    if (linked(space, rows[a]!, rows[b]!) && uf.union(a, b)) stats.links++;
  });
  stats.candidates = walk.candidates;
  const clusterOf = new Array<string>(n);
  let clusters = 0;
  for (let p = 0; p < n; p++) {
    const root = uf.find(p);
    if (root === p) clusters++;
    clusterOf[order[p]!] = keys[order[root]!]!;
  }
  return { clusterOf, clusters, stats };
}
