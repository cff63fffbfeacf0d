import { normalizeText } from './normalize.js';
import type { PackedRows } from './sparse.js';
import type { Embedder } from './types.js';

/**
 * The built-in embedder: no model, no download. A text becomes a signed feature-hashing vector of
 *   - its words, weighted by a fixed IDF proxy: common English function words count little, words with a
 *     digit (numbers, ids) count most,
 *   - word pairs in order (so "dog bites man" differs from "man bites dog"),
 *   - character 3- and 4-grams inside each word, padded with a boundary mark (typos, plurals, inflections),
 * L2-normalized. Each word's n-grams carry the word's weight, so "the" adds little in any form.
 *
 * Invariants the persistent cache relies on:
 * - a row depends on the text alone (no corpus statistics, no batch effects): the same normalized text gives
 *   the same row in any batch, any run, any machine;
 * - `id` changes whenever a feature, weight or the dimension changes.
 * Performance: one pass over the UTF-16 code units of each text; hashing with Math.imul; no strings or objects
 * per word; one Float32Array per batch, rows are views into it.
 */
export const LEXICAL_VERSION = 'lexical-v1';
export const LEXICAL_DEFAULT_DIM = 512;
/**
 * Cosine similarity at or above which two texts count as the same content: near-verbatim variants (word order,
 * a typo, a dropped "please") pass; a reworded question mostly does not. Chosen for precision: on MRPC, 41 of
 * the 42 pairs at or above it are paraphrases (`npm run eval:similarity`, BENCHMARKS.md), while at 0.9 long
 * templated prompts that differ in one slot ("…a short story set in Oslo" / "…set in Rome") already merge.
 */
export const LEXICAL_DEFAULT_THRESHOLD = 0.95;

export interface LexicalOptions {
  /** Vector length, a power of two from 64 to 65536 (default 512). */
  dim?: number;
}

// Feature weights (before L2 normalization). Words carry the meaning; n-grams make near-spellings close.
const W_WORD = 1.0;
const W_PAIR = 0.2;
const W_GRAM3 = 0.6;
const W_GRAM4 = 0.25;
/** Weight of a function word relative to a content word: a fixed stand-in for its (low) IDF. */
const W_STOP = 0.25;
/**
 * Weight of a word with a digit ("15", "v2", "retry15", "#40437"). Numbers and ids are what tell two
 * templated prompts apart ("if 8 workers…" vs "if 15 workers…"): different answers, so different content.
 */
const W_DIGITS = 3;

// Seeds keep the feature families apart: the word "the" and the 3-gram "the" land in different buckets.
const SEED_WORD = 0x9e3779b1;
const SEED_PAIR = 0x85ebca6b;
const SEED_GRAM3 = 0xc2b2ae35;
const SEED_GRAM4 = 0x27d4eb2f;
/** The word-boundary mark of character n-grams (a code unit no word contains). */
const BOUNDARY = 0x20;
const NONE = -1;
const PLUS = 0x2b;
const HASH = 0x23;
/** Longest word whose n-grams are kept; longer runs (base64, hashes, URLs without separators) are cut. */
const MAX_WORD = 64;

const STOP_WORDS = [
  'a', 'an', 'the', 'and', 'or', 'but', 'if', 'so', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'with', 'from', 'into',
  'about', 'as', 'than', 'then', 'that', 'this', 'these', 'those', 'there', 'here', 'it', 'its', 'is', 'are', 'was',
  'were', 'be', 'been', 'being', 'am', 'do', 'does', 'did', 'doing', 'have', 'has', 'had', 'having', 'will', 'would',
  'shall', 'should', 'can', 'could', 'may', 'might', 'must', 'i', 'me', 'my', 'mine', 'we', 'us', 'our', 'you', 'your',
  'he', 'him', 'his', 'she', 'her', 'they', 'them', 'their', 'what', 'which', 'who', 'whom', 'whose', 'when', 'where',
  'why', 'how', 'not', 'no', 'nor', 'all', 'any', 'some', 'such', 'very', 'just', 'also', 'too', 'only', 'own', 'same',
  'other', 'more', 'most', 'up', 'down', 'out', 'off', 'over', 'under', 'again', 'further', 'once', 'each', 'both',
  'few', 'between', 'through', 'during', 'before', 'after', 'above', 'below', 's', 't', 'd', 'll', 're', 've', 'm',
  'please', 'thanks', 'thank', 'hi', 'hello', 'hey', 'ok', 'okay',
];

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function step(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

function wordHashOf(word: string): number {
  let h = SEED_WORD;
  for (let i = 0; i < word.length; i++) h = step(h, word.charCodeAt(i));
  return h;
}

const STOP_HASHES = new Set(STOP_WORDS.map(wordHashOf));
const NON_ASCII_WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  // Surrogate halves are kept inside words: most astral characters in text are letters or emoji.
  if (c >= 0xd800 && c <= 0xdfff) return true;
  return NON_ASCII_WORD_CHAR.test(String.fromCharCode(c));
}

export class LexicalEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly defaultThreshold = LEXICAL_DEFAULT_THRESHOLD;
  private readonly mask: number;
  /** Bucket-sign codes of the current word's n-grams, applied with the word's weight at its end. */
  private readonly grams = new Int32Array(4 * (MAX_WORD + 2));
  /** The buckets the current row has touched, one bit each (embedSparse lists them without a pass over the row). */
  private readonly touched: Int32Array;

  constructor(options: LexicalOptions = {}) {
    const dim = options.dim ?? LEXICAL_DEFAULT_DIM;
    if (!Number.isInteger(dim) || dim < 64 || dim > 65536 || (dim & (dim - 1)) !== 0) {
      throw new RangeError(`lexical dim must be a power of two from 64 to 65536, got ${dim}`);
    }
    this.dim = dim;
    this.mask = dim - 1;
    this.touched = new Int32Array(dim >>> 5);
    this.id = dim === LEXICAL_DEFAULT_DIM ? LEXICAL_VERSION : `${LEXICAL_VERSION}-d${dim}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return this.embedSync(texts);
  }

  /** The same rows, synchronously: one buffer for the batch, rows are views into it. */
  embedSync(texts: readonly string[]): Float32Array[] {
    const dim = this.dim;
    const buffer = new Float32Array(texts.length * dim);
    const rows = new Array<Float32Array>(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const row = buffer.subarray(i * dim, (i + 1) * dim);
      this.fill(normalizeText(texts[i]), row);
      rows[i] = row;
    }
    return rows;
  }

  /**
   * The same rows as their entries in touched buckets (every nonzero one, and the rare bucket whose terms cancel),
   * ascending, packed (sparse.ts): what the cluster store's cosine checks read.
   */
  embedSparse(texts: readonly string[]): PackedRows {
    const dim = this.dim;
    const row = new Float32Array(dim);
    const touched = this.touched;
    const offsets = new Int32Array(texts.length + 1);
    let index = new Uint16Array(Math.max(256, texts.length * 160));
    let value = new Float32Array(index.length);
    let at = 0;
    touched.fill(0); // embedSync leaves its last row's bits
    for (let i = 0; i < texts.length; i++) {
      this.fill(normalizeText(texts[i]), row);
      if (at + dim > index.length) {
        const grown = Math.max(2 * index.length, at + dim);
        const moreIndex = new Uint16Array(grown);
        moreIndex.set(index);
        index = moreIndex;
        const moreValue = new Float32Array(grown);
        moreValue.set(value);
        value = moreValue;
      }
      // Set bits lowest first: buckets in ascending order. The row is cleared as it is read.
      for (let w = 0; w < touched.length; w++) {
        let bits = touched[w]!;
        while (bits !== 0) {
          const low = bits & -bits;
          const d = (w << 5) | (31 - Math.clz32(low));
          index[at] = d;
          value[at++] = row[d]!;
          row[d] = 0;
          bits ^= low;
        }
        touched[w] = 0;
      }
      offsets[i + 1] = at;
    }
    return { dim, offsets, index: index.slice(0, at), value: value.slice(0, at) };
  }

  /** Adds weight × sign to the bucket that `code` names (bucket in the low bits, sign in bit 31). */
  private add(row: Float32Array, code: number, weight: number): void {
    const d = code & this.mask;
    row[d]! += code < 0 ? -weight : weight;
    this.touched[d >>> 5]! |= 1 << (d & 31);
  }

  /** Writes the L2-normalized vector of already-normalized `text` into `row` (all zeros for an empty text). */
  private fill(text: string, row: Float32Array): void {
    const grams = this.grams;
    let nGrams = 0;
    let wordHash = SEED_WORD;
    let wordLen = 0;
    let digits = 0;
    let previousWord = 0;
    let previousWeight = 0;
    let hasPrevious = false;
    // The last three code units of the current word, most recent first (NONE before the word's start).
    let p1 = NONE;
    let p2 = NONE;
    let p3 = NONE;
    const n = text.length;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? text.charCodeAt(i) : NONE;
      // '+' and '#' continue a word ("c++", "c#", "f#"), so that they differ from "c" and "f".
      if (c !== NONE && (isWordChar(c) || (wordLen > 0 && (c === PLUS || c === HASH)))) {
        if (wordLen === 0) {
          p1 = BOUNDARY;
          p2 = NONE;
          p3 = NONE;
        }
        wordHash = step(wordHash, c);
        wordLen++;
        if (c >= 48 && c <= 57) digits++;
        if (wordLen <= MAX_WORD) nGrams = this.pushGrams(grams, nGrams, p3, p2, p1, c);
        p3 = p2;
        p2 = p1;
        p1 = c;
        continue;
      }
      if (wordLen === 0) continue;
      // End of a word: its closing n-grams, then the word, its pair with the previous word, its n-grams.
      nGrams = this.pushGrams(grams, nGrams, p3, p2, p1, BOUNDARY);
      const weight = digits > 0 ? W_DIGITS : STOP_HASHES.has(wordHash) ? W_STOP : 1;
      this.add(row, fmix(wordHash), W_WORD * weight);
      if (hasPrevious) this.add(row, fmix(step(previousWord ^ SEED_PAIR, wordHash)), W_PAIR * Math.max(weight, previousWeight));
      for (let g = 0; g < nGrams; g += 2) this.add(row, grams[g]!, (grams[g + 1] === 3 ? W_GRAM3 : W_GRAM4) * weight);
      previousWord = wordHash;
      previousWeight = weight;
      hasPrevious = true;
      nGrams = 0;
      wordHash = SEED_WORD;
      wordLen = 0;
      digits = 0;
    }
    let sum = 0;
    for (let d = 0; d < row.length; d++) sum += row[d]! * row[d]!;
    if (sum > 0) {
      const scale = 1 / Math.sqrt(sum);
      for (let d = 0; d < row.length; d++) row[d]! *= scale;
    }
  }

  /** Records the 3-gram and 4-gram ending in `c` (pairs of hash code, n). */
  private pushGrams(grams: Int32Array, at: number, p3: number, p2: number, p1: number, c: number): number {
    if (p2 !== NONE) {
      grams[at++] = fmix(step(step(step(SEED_GRAM3, p2), p1), c));
      grams[at++] = 3;
    }
    if (p3 !== NONE) {
      grams[at++] = fmix(step(step(step(step(SEED_GRAM4, p3), p2), p1), c));
      grams[at++] = 4;
    }
    return at;
  }
}
