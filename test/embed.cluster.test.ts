import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoTexts } from './demo-records.js';
import { chooseBucketBits, clusterVectors, hammingBound } from '../src/embed/cluster.js';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { hadamard, hamming, lshSpace, PairWalker, walkPairs } from '../src/embed/lsh.js';
import { sha256Hex } from '../src/embed/normalize.js';
import { HAMMING_WASM } from '../src/embed/hamming-wasm.js';
import { assemble, moduleSource } from '../scripts/build-wasm.mjs';

// ---- helpers: seeded vectors with known cosines, and an all-pairs reference ----

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const k = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= k;
  return v;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function gaussian(dim: number, r: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return unit(v);
}

/** A unit vector at cosine exactly `cos` from unit `v` (up to float32 rounding). */
function atCosine(v: Float32Array, cos: number, r: () => number): Float32Array {
  const u = gaussian(v.length, r);
  const d = dot(u, v);
  for (let i = 0; i < u.length; i++) u[i]! -= d * v[i]!;
  unit(u);
  const w = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) w[i] = cos * v[i]! + Math.sqrt(1 - cos * cos) * u[i]!;
  return unit(w);
}

/** Reference: connected components of "cosine ≥ threshold" by comparing every pair, as sets of keys. */
function allPairs(keys: string[], vectors: Float32Array[], threshold: number): Map<string, string> {
  const parent = keys.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      if (dot(vectors[i]!, vectors[j]!) >= threshold - 1e-6) parent[find(i)] = find(j);
    }
  }
  return new Map(keys.map((k, i) => [k, String(find(i))]));
}

/** Pairs of keys in one group of `labels`. */
function linkedPairs(keys: string[], labels: (k: string) => string): Set<string> {
  const byLabel = new Map<string, string[]>();
  for (const k of keys) byLabel.set(labels(k), [...(byLabel.get(labels(k)) ?? []), k]);
  const pairs = new Set<string>();
  for (const members of byLabel.values()) {
    for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) pairs.add([members[i], members[j]].sort().join('|'));
  }
  return pairs;
}

const key = (i: number): string => sha256Hex(`text ${i}`);

describe('clusterVectors on constructed vectors', () => {
  // 300 groups of 1-6 members around random centres: members at cosine ≥ 0.985 from their centre (so ≥ ~0.97
  // from each other), centres nearly orthogonal (dim 256): the true clusters are the groups.
  const r = rng(7);
  const keys: string[] = [];
  const vectors: Float32Array[] = [];
  const group: number[] = [];
  for (let g = 0; g < 300; g++) {
    const centre = gaussian(256, r);
    const size = 1 + Math.floor(r() * 6);
    for (let m = 0; m < size; m++) {
      keys.push(key(keys.length));
      vectors.push(m === 0 ? centre : atCosine(centre, 0.985 + r() * 0.014, r));
      group.push(g);
    }
  }

  it('finds exactly the constructed groups, each named by its smallest key', () => {
    const result = clusterVectors(keys, vectors, { threshold: 0.95 });
    expect(result.clusters).toBe(300);
    for (let g = 0; g < 300; g++) {
      const members = keys.filter((_, i) => group[i] === g);
      const smallest = [...members].sort()[0]!;
      for (const k of members) expect(result.clusterOf[keys.indexOf(k)]).toBe(smallest);
    }
  });

  it('gives the same ids whatever order the items arrive in', () => {
    const first = clusterVectors(keys, vectors, { threshold: 0.95 });
    const order = keys.map((_, i) => i).sort((a, b) => Math.sin(a * 12.9898) - Math.sin(b * 12.9898));
    const shuffled = clusterVectors(order.map((i) => keys[i]!), order.map((i) => vectors[i]!), { threshold: 0.95 });
    order.forEach((i, at) => expect(shuffled.clusterOf[at]).toBe(first.clusterOf[i]));
  });

  it('never links a pair below the threshold', () => {
    const rr = rng(11);
    const ks: string[] = [];
    const vs: Float32Array[] = [];
    for (let p = 0; p < 500; p++) {
      const a = gaussian(128, rr);
      ks.push(key(2 * p), key(2 * p + 1));
      vs.push(a, atCosine(a, 0.93, rr));
    }
    const result = clusterVectors(ks, vs, { threshold: 0.95 });
    expect(result.clusters).toBe(1000);
    expect(result.stats.links).toBe(0);
  });

  it('finds at least 90% of pairs just above the threshold (LSH recall)', () => {
    const rr = rng(13);
    const ks: string[] = [];
    const vs: Float32Array[] = [];
    for (let p = 0; p < 1000; p++) {
      const a = gaussian(384, rr);
      ks.push(key(2 * p), key(2 * p + 1));
      vs.push(a, atCosine(a, 0.96, rr));
    }
    const result = clusterVectors(ks, vs, { threshold: 0.95 });
    let found = 0;
    for (let p = 0; p < 1000; p++) if (result.clusterOf[2 * p] === result.clusterOf[2 * p + 1]) found++;
    expect(found).toBeGreaterThanOrEqual(900);
    expect(result.clusters).toBe(2000 - found);
  });

  it('handles the degenerate inputs', () => {
    expect(clusterVectors([], [], { threshold: 0.9 })).toMatchObject({ clusterOf: [], clusters: 0 });
    const one = clusterVectors(['a'], [unit(new Float32Array([1, 2, 3]))], { threshold: 0.9 });
    expect(one.clusterOf).toEqual(['a']);
    // An all-zero row (empty text) is similar to nothing; a repeated key is the same text.
    const zero = new Float32Array(8);
    const v = unit(new Float32Array([1, 0, 0, 0, 0, 0, 0, 1]));
    const r2 = clusterVectors(['z', 'b', 'a', 'a'], [zero, v, v, v], { threshold: 0.9 });
    expect(r2.clusterOf).toEqual(['z', 'a', 'a', 'a']);
    expect(r2.clusters).toBe(2);
    expect(() => clusterVectors(['a'], [], { threshold: 0.9 })).toThrow(/1 keys but 0 vectors/);
    expect(() => clusterVectors(['a', 'b'], [v, new Float32Array(4)], { threshold: 0.9 })).toThrow(/rows of 4 and 8/);
    expect(() => clusterVectors(['a'], [v], { threshold: 0 })).toThrow(/threshold/);
    expect(() => clusterVectors(['a'], [v], { threshold: 1.5 })).toThrow(/threshold/);
  });

  it('threshold 1 links only identical directions', () => {
    const v = unit(new Float32Array([3, 4]));
    const w = unit(new Float32Array([4, 3]));
    const result = clusterVectors(['x', 'y', 'w'], [v, Float32Array.from(v), w], { threshold: 1 });
    expect(result.clusterOf).toEqual(['x', 'x', 'w']);
  });
});

describe('LSH parameters', () => {
  it('sizes buckets so a pair at the threshold meets in some table with probability ≥ 0.95', () => {
    for (const [threshold, tables] of [[0.95, 16], [0.9, 16], [0.8, 16], [0.95, 4]] as const) {
      const agree = 1 - Math.acos(threshold) / Math.PI;
      const bits = chooseBucketBits(agree, tables);
      expect(1 - (1 - agree ** bits) ** tables).toBeGreaterThanOrEqual(0.95);
      // One more bit would miss the target (the choice is the largest that meets it), unless capped.
      if (bits < 32) expect(1 - (1 - agree ** (bits + 1)) ** tables).toBeLessThan(0.95);
    }
    // Never fewer than 4 bits, never more than 32, whatever the number of items (the buckets are persisted).
    expect(chooseBucketBits(0.3, 16)).toBe(4);
    expect(chooseBucketBits(1, 16)).toBe(32);
  });

  it('bounds the signature distance of a pair at the threshold by mean + 3.5 sd', () => {
    const angle = Math.acos(0.95) / Math.PI;
    expect(hammingBound(angle)).toBe(Math.ceil(256 * angle + 3.5 * Math.sqrt(256 * angle * (1 - angle))));
  });
});

describe('clusterVectors on real texts (lexical embedder, demo inputs)', () => {
  // 2,000 distinct normalized inputs of the demo logs: templated prompts, paraphrases, chit-chat.
  const texts = demoTexts(2000);
  const keys = texts.map(sha256Hex);
  const vectors = new LexicalEmbedder().embedSync(texts);

  it.each([0.95, 0.9])('matches the all-pairs components at %s: never more links, and 95 in 100 of their linked pairs', (threshold) => {
    const result = clusterVectors(keys, vectors, { threshold });
    const reference = allPairs(keys, vectors, threshold);
    const ours = new Map(keys.map((k, i) => [k, result.clusterOf[i]!]));
    // Refinement: two texts in one of our clusters are in one reference component.
    for (const pair of linkedPairs(keys, (k) => ours.get(k)!)) {
      const [a, b] = pair.split('|') as [string, string];
      expect(reference.get(a)).toBe(reference.get(b));
    }
    const want = linkedPairs(keys, (k) => reference.get(k)!);
    const got = linkedPairs(keys, (k) => ours.get(k)!);
    expect(want.size).toBeGreaterThan(50);
    expect(got.size / want.size).toBeGreaterThanOrEqual(0.95);
  });
});

describe('the LSH space (lsh.ts)', () => {
  /** The textbook radix-2 transform, one stage after the other. */
  function plainHadamard(buf: Float64Array): void {
    for (let h = 1; h < buf.length; h *= 2) {
      for (let i = 0; i < buf.length; i += 2 * h) {
        for (let j = i; j < i + h; j++) {
          const a = buf[j]!;
          const b = buf[j + h]!;
          buf[j] = a + b;
          buf[j + h] = a - b;
        }
      }
    }
  }

  it('runs the Walsh-Hadamard stages several at a time with the radix-2 result, bit for bit', () => {
    const r = rng(11);
    for (let n = 2; n <= 2048; n *= 2) {
      for (let trial = 0; trial < 5; trial++) {
        // Float32 inputs of mixed magnitudes and signs, as the embedders give: sums round differently if reordered.
        const input = Float64Array.from({ length: n }, () => Math.fround((r() - 0.5) * 10 ** Math.floor(r() * 8 - 4)));
        const fast = Float64Array.from(input);
        const plain = Float64Array.from(input);
        hadamard(fast);
        plainHadamard(plain);
        expect(Array.from(fast)).toEqual(Array.from(plain));
      }
    }
  });

  it('walks each close pair of a common bucket once, skipping stored pairs and pairs of one set', () => {
    const r = rng(12);
    const base = gaussian(64, r);
    // Near-duplicates of a few bases: many shared buckets, several tables per pair.
    const vectors = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? gaussian(64, r) : atCosine(base, 0.9 + 0.1 * r(), r)));
    const space = lshSpace(64, { threshold: 0.9 });
    const signatures = space.signatures(vectors);
    const T = space.tables;
    const bands = new Uint32Array(vectors.length * T);
    for (let p = 0; p < vectors.length; p++) bands.set(space.bands(signatures, p), p * T);
    const storedFrom = 200;
    const sets = { find: (p: number): number => (p >= 250 && p % 2 === 0 ? 250 : p) }; // even items from 250: one stored set
    const seen: string[] = [];
    const walk = walkPairs(space, signatures, bands, vectors.length, { storedFrom, sets }, (a, b) => seen.push(`${a}-${b}`));
    const expected: string[] = [];
    for (let a = 0; a < vectors.length; a++) {
      for (let b = a + 1; b < vectors.length; b++) {
        let shared = false;
        for (let t = 0; t < T; t++) if (bands[a * T + t] === bands[b * T + t]) shared = true;
        if (!shared || a >= storedFrom || sets.find(a) === sets.find(b)) continue;
        if (hamming(signatures, a, signatures, b) <= space.maxHamming) expected.push(`${a}-${b}`);
      }
    }
    expect(expected.length).toBeGreaterThan(100);
    expect([...seen].sort()).toEqual(expected.sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(walk.close).toBe(seen.length);
    expect(walk.candidates).toBeGreaterThanOrEqual(seen.length);

    // Stopped every 7 pairs and resumed: the same pairs in the same order.
    const walker = new PairWalker(space, signatures, bands, vectors.length, { storedFrom, sets });
    const stepped: string[] = [];
    let runs = 0;
    while (walker.run((a, b) => stepped.push(`${a}-${b}`), 7)) runs++;
    expect(stepped).toEqual(seen);
    expect(runs).toBe(Math.floor(seen.length / 7));
    expect(walker.run(() => stepped.push('again'))).toBe(false);

    // Sets joined while the walk is stopped: from then on it skips the pairs they join.
    const parent = Array.from({ length: vectors.length }, (_, i) => i);
    const find = (p: number): number => (parent[p] === p ? p : (parent[p] = find(parent[p]!)));
    const joining = new PairWalker(space, signatures, bands, vectors.length, { sets: { find } });
    const after: [number, number][] = [];
    joining.run(() => undefined, 20);
    for (let p = 1; p < vectors.length; p++) parent[find(p)] = find(0); // everything joined
    joining.run((a, b) => after.push([a, b]));
    expect(after).toEqual([]);
  });

  it('walks the same pairs with the WebAssembly check as with the JavaScript one, stopped and resumed or not', () => {
    const space = { tables: 4, bucketBits: 3, maxHamming: 60 };
    // Signatures near a few bases (distances around the bound) and random ones; the bands from a few of their bits,
    // so that buckets are crowded and pairs share several tables.
    const signaturesOf = (seed: number, n: number): Uint32Array => {
      const r = rng(seed);
      const bases = Array.from({ length: 3 }, () => Uint32Array.from({ length: 8 }, () => (r() * 2 ** 32) >>> 0));
      const out = new Uint32Array(n * 8);
      for (let p = 0; p < n; p++) {
        const base = bases[p % 3]!;
        const flip = r() < 0.2 ? 1 : r() * 0.4; // some random, most within ~0–100 bits of their base
        for (let w = 0; w < 8; w++) {
          let word = base[w]!;
          for (let bit = 0; bit < 32; bit++) if (r() < flip * (flip === 1 ? 0.5 : 1)) word ^= 1 << bit;
          out[p * 8 + w] = word >>> 0;
        }
      }
      return out;
    };
    let atBound = 0;
    let visited = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 0, max: 160 }), fc.integer({ min: 1, max: 9 }), (seed, n, step) => {
        const signatures = signaturesOf(seed, n);
        const bands = new Uint32Array(n * space.tables);
        for (let p = 0; p < n; p++) for (let t = 0; t < space.tables; t++) bands[p * space.tables + t] = (signatures[p * 8 + t]! >>> 29) & 7;
        const storedFrom = Math.floor(n * 0.7);
        const sets = { find: (p: number): number => (p >= storedFrom && p % 3 === 0 ? storedFrom : p) };
        const walk = (kernel: 'wasm' | 'js', max?: number) => {
          const walker = new PairWalker(space, signatures, bands, n, { storedFrom, sets }, kernel);
          expect(walker.kernelKind).toBe(kernel);
          const pairs: string[] = [];
          while (walker.run((a, b) => void pairs.push(`${a}-${b}`), max));
          return { pairs, stats: walker.stats };
        };
        const js = walk('js');
        for (let a = 0; a < n; a++) {
          for (let b = a + 1; b < n; b++) if (hamming(signatures, a, signatures, b) === space.maxHamming) atBound++;
        }
        visited += js.pairs.length;
        expect(walk('wasm')).toEqual(js);
        expect(walk('wasm', step)).toEqual(js);
      }),
      { numRuns: 60 },
    );
    // The runs had pairs to visit, and pairs exactly at the bound (an off-by-one in either check shows).
    expect(visited).toBeGreaterThan(1000);
    expect(atBound).toBeGreaterThan(20);
  });

  it('runs the WebAssembly check assembled from hamming.wat, as committed', async () => {
    expect(moduleSource(await assemble(new URL('../src/embed/hamming.wat', import.meta.url).pathname))).toBe(
      `// Generated by scripts/build-wasm.mjs from hamming.wat: do not edit.\nexport const HAMMING_WASM = '${HAMMING_WASM}';\n`,
    );
  });
});
