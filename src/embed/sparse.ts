/**
 * Vectors kept as their nonzero entries, for the cluster store's cosine checks (cluster-store.ts). A lexical row
 * has ~150 nonzeros of 512: 900 bytes instead of 2 KB, so the two blocks of vectors a check reads from are half
 * the memory, and a check reads one row's entries in order instead of two whole rows at random. On the 5.6M-request
 * week, the dense dot of 6.6M pairs took ~10 s of the main thread, most of it waiting on memory.
 *
 * Exactness: `SparseDot.dot(a, b)` equals lsh.ts `dot()` of the dense rows bit for bit (up to the sign of a zero).
 * Each product of two float32 values is exact in a double (24 + 24 bits ≤ 53), so the dense sum is the products
 * added in index order; the terms left out here are the products with a zero entry, ±0, and adding ±0 leaves a
 * sum as it is. The terms kept are added in the same (ascending) order. A row with a NaN or an infinity is not
 * sparse-safe (0 × ∞ is NaN, not 0): such pairs go through the dense dot of the rows rebuilt.
 */
import { dot } from './lsh.js';

export interface SparseRow {
  /** Indices of the nonzero entries, ascending. */
  index: Uint16Array | Uint32Array;
  /** Their values. */
  value: Float32Array;
  /** Every value finite (NaN and ±Infinity are kept as entries, but then the dense dot decides). */
  finite: boolean;
  dim: number;
}

/** Many sparse rows in three buffers (what a worker thread sends back): row r is [offsets[r], offsets[r + 1]). */
export interface PackedRows {
  dim: number;
  offsets: Int32Array;
  index: Uint16Array | Uint32Array;
  value: Float32Array;
}

/** Packs `count` dense rows of `dim` values (consecutive in `dense`) as their nonzero entries. */
export function packRows(dense: Float32Array, count: number, dim: number): PackedRows {
  let nonzero = 0;
  for (let i = 0; i < count * dim; i++) if (dense[i] !== 0) nonzero++;
  const offsets = new Int32Array(count + 1);
  const index = dim <= 65_536 ? new Uint16Array(nonzero) : new Uint32Array(nonzero);
  const value = new Float32Array(nonzero);
  let at = 0;
  for (let r = 0; r < count; r++) {
    const base = r * dim;
    for (let d = 0; d < dim; d++) {
      const x = dense[base + d]!;
      if (x !== 0) {
        index[at] = d;
        value[at++] = x;
      }
    }
    offsets[r + 1] = at;
  }
  return { dim, offsets, index, value };
}

/** The rows of a pack, as views into its buffers. */
export function unpackRows(packed: PackedRows): SparseRow[] {
  const rows: SparseRow[] = [];
  const { offsets, index, value, dim } = packed;
  for (let r = 0; r + 1 < offsets.length; r++) {
    const v = value.subarray(offsets[r]!, offsets[r + 1]!);
    let finite = true;
    for (let k = 0; k < v.length; k++) if (!Number.isFinite(v[k]!)) finite = false;
    rows.push({ index: index.subarray(offsets[r]!, offsets[r + 1]!), value: v, finite, dim });
  }
  return rows;
}

/** Dense rows (any embedder's) as sparse ones, packed together. */
export function sparseRows(rows: readonly Float32Array[], dim: number): SparseRow[] {
  const dense = new Float32Array(rows.length * dim);
  rows.forEach((row, r) => {
    if (row.length !== dim) throw new RangeError(`clustering: rows of ${row.length} and ${dim} values`);
    dense.set(row, r * dim);
  });
  return unpackRows(packRows(dense, rows.length, dim));
}

/** The dense row again. */
export function densify(row: SparseRow): Float32Array {
  const out = new Float32Array(row.dim);
  for (let k = 0; k < row.index.length; k++) out[row.index[k]!] = row.value[k]!;
  return out;
}

/**
 * Dot products of sparse rows, one side spread into a dense scratch row: consecutive pairs with the same first row
 * (the pair walk lists a content's pairs together) spread it once.
 */
export class SparseDot {
  private readonly scratch: Float64Array;
  private owner: SparseRow | null = null;

  constructor(dim: number) {
    this.scratch = new Float64Array(dim);
  }

  dot(a: SparseRow, b: SparseRow): number {
    if (!a.finite || !b.finite) return dot(densify(a), densify(b));
    const scratch = this.scratch;
    if (this.owner !== a) {
      const old = this.owner;
      if (old) for (let k = 0; k < old.index.length; k++) scratch[old.index[k]!] = 0;
      for (let k = 0; k < a.index.length; k++) scratch[a.index[k]!] = a.value[k]!;
      this.owner = a;
    }
    const { index, value } = b;
    let sum = 0;
    for (let k = 0; k < index.length; k++) sum += value[k]! * scratch[index[k]!]!;
    return sum;
  }
}
