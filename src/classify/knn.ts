import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { UsageError } from '../errors.js';
import type { Embedder } from '../embed/types.js';
import { classifyByRules } from './rules.js';
import type { Classifier, ClassifierAnswer } from './types.js';

/**
 * `--classifier knn[:FILE]`: the tier of a text is the similarity-weighted majority of its k = 5 nearest
 * labelled exemplars. Similarity = the cosine of the report's embedder (--embedder; the built-in lexical one
 * unless a local transformers model is chosen) plus a length term (KNN_LENGTH_WEIGHT).
 *
 * The exemplar file is CSV with a header (`text,tier`) or JSONL (`{"text": "…", "tier": "…"}` per line).
 * Plain `knn` uses src/classify/exemplars/default.csv: prompts written by hand for routecheck (small talk, short
 * task requests of many kinds — banking, travel, home, car, work, kitchen —, everyday questions and short factual
 * questions → simple; explanations, summaries, rewrites and small code tasks → medium; proofs, maths, code to build,
 * designs, creative and long-form writing in several languages, open analysis → hard). None is a prompt of the
 * evaluation sets (`npm run eval:classifier` checks it). Your own file should hold prompts like your traffic,
 * labelled with your policy's tier names; list the cheapest tier first (see NO_NEIGHBOUR).
 *
 * Vote: each of the k most similar exemplars adds its similarity (when positive) to its tier; the heaviest
 * tier wins, ties go to the tier named first in the file.
 * FAR: when the exemplars' tiers are the rules' own (simple, medium, hard) and even the nearest exemplar is not
 * close (its cosine, without the length term, under KNN_NEIGHBOUR_FLOOR), the neighbours know nothing about the
 * text (another language, a kind of prompt no exemplar resembles) and the rules (rules.ts) decide instead.
 * NO_NEIGHBOUR: otherwise a text that shares nothing with any exemplar gets the first tier named in the file.
 *
 * Speed: the exemplars are an inverted index (for each dimension, the exemplars that are non-zero in it), and
 * a query visits only its own non-zero dimensions: with the lexical embedder's sparse rows (~140 of 512
 * dimensions for a 100-character prompt) a query costs a few tens of thousands of multiply-adds.
 */
export const KNN_K = 5;
/**
 * Weight of the length component in the similarity: score = cosine(embedding) + LENGTH_WEIGHT × cos(θ − θ'),
 * where θ grows with log(length) from 0 (≤ 10 characters) to π/2 (≥ 3,000 characters). Embeddings of
 * unrelated texts share incidental words, which ties a 2,000-character task to a one-line greeting that
 * happens to share a word; length is the strongest single cue of how much work a prompt asks for, and this
 * term makes a neighbour of similar length count more. A paraphrase (cosine 0.7+) still wins over it.
 * 0.75 was chosen on the tune splits of the evaluation (BENCHMARKS.md): from 0.25 to 1 the short questions'
 * error rises a little and the long prompts' falls; larger weights lean on the sets differing in length, which
 * real traffic does not promise (a pasted document to summarize is long and medium; "Is 9999999900000001
 * prime?" is short and hard).
 */
export const KNN_LENGTH_WEIGHT = 0.75;
/**
 * The cosine the nearest exemplar must reach for the neighbours to decide (FAR above). 0.3 on the tune splits:
 * the neighbours then decide ~9 in 10 short requests and about half of the long, unusual prompts.
 */
export const KNN_NEIGHBOUR_FLOOR = 0.3;
/** Vote index meaning "no close neighbour: ask the rules". */
const FAR = -1;
const LENGTH_MIN = 10;
const LENGTH_MAX = 3000;

/** The angle of a text's length: 0 for ≤ 10 characters, π/2 for ≥ 3,000, logarithmic in between. */
export function lengthAngle(chars: number): number {
  const x = Math.log(Math.max(chars, LENGTH_MIN) / LENGTH_MIN) / Math.log(LENGTH_MAX / LENGTH_MIN);
  return (Math.PI / 2) * Math.min(1, x);
}
const KNN_VERSION = 'knn-v2';

export interface Exemplar {
  text: string;
  tier: string;
}

/** Where the default exemplar file is: next to this module (source, tests) or under src/ from dist/. */
export function defaultExemplarsPath(): string {
  const candidates = [new URL('./exemplars/default.csv', import.meta.url), new URL('../../src/classify/exemplars/default.csv', import.meta.url)];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error('the default kNN exemplar file (src/classify/exemplars/default.csv) is missing from this installation');
}

/** Pure: the text of an exemplar file → exemplars, or a UsageError naming the file and the line. */
export function parseExemplars(text: string, file: string): Exemplar[] {
  const body = text.replace(/^\uFEFF/, '');
  const firstChar = body.trimStart()[0];
  const rows: Exemplar[] = [];
  const check = (value: Record<string, unknown> | undefined, where: string): void => {
    const t = value?.['text'];
    const tier = value?.['tier'];
    if (typeof t !== 'string' || t.trim() === '') throw new UsageError(`${file}: ${where}: "text" must be a non-empty string`);
    if (typeof tier !== 'string' || tier.trim() === '') throw new UsageError(`${file}: ${where}: "tier" must be a non-empty string`);
    rows.push({ text: t, tier: tier.trim() });
  };
  if (firstChar === '{') {
    body.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new UsageError(`${file}: line ${i + 1}: not valid JSON`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file}: line ${i + 1}: must be a JSON object {"text", "tier"}`);
      check(value as Record<string, unknown>, `line ${i + 1}`);
    });
  } else {
    const parsed = Papa.parse<Record<string, string>>(body, { header: true, skipEmptyLines: true });
    const fields = parsed.meta.fields ?? [];
    if (!fields.includes('text') || !fields.includes('tier')) {
      throw new UsageError(`${file}: a CSV exemplar file needs a header with the columns text and tier (found: ${fields.join(', ') || 'none'})`);
    }
    const error = parsed.errors[0];
    if (error) throw new UsageError(`${file}: row ${(error.row ?? 0) + 2}: ${error.message}`);
    // Row numbers count the header as line 1 (true when no text spans lines).
    parsed.data.forEach((row, i) => check(row, `row ${i + 2}`));
  }
  if (rows.length === 0) throw new UsageError(`${file}: no exemplars`);
  return rows;
}

export interface KnnOptions {
  /** Exemplar file; the default set when omitted. */
  file?: string;
  embedder: Embedder;
  k?: number;
  /** Weight of the length component (default KNN_LENGTH_WEIGHT; 0 = plain cosine). */
  lengthWeight?: number;
  /** Cosine the nearest exemplar must reach, else the rules decide (default KNN_NEIGHBOUR_FLOOR; -1 = never). */
  floor?: number;
}

export class KnnClassifier implements Classifier {
  readonly id: string;
  readonly batchSize = 1024;
  readonly concurrency = 1;
  readonly tiers: readonly string[];
  private readonly embedder: Embedder;
  private readonly k: number;
  private readonly size: number;
  /** Inverted index: the exemplars non-zero in dimension d are ids[start[d]..start[d+1]) with values vals[…]. */
  private readonly start: Int32Array;
  private readonly ids: Int32Array;
  private readonly vals: Float64Array;
  /** Tier index of each exemplar. */
  private readonly labels: Int32Array;
  /** cos and sin of each exemplar's length angle. */
  private readonly lengthCos: Float64Array;
  private readonly lengthSin: Float64Array;
  private readonly lengthWeight: number;
  private readonly floor: number;
  /** Whether the exemplars' tiers are the rules' (simple, medium, hard): then a text with no close neighbour goes to the rules. */
  private readonly rulesFallback: boolean;

  private constructor(id: string, embedder: Embedder, exemplars: Exemplar[], rows: Float32Array[], k: number, lengthWeight: number, floor: number) {
    this.id = id;
    this.embedder = embedder;
    this.k = k;
    this.lengthWeight = lengthWeight;
    this.floor = floor;
    this.lengthCos = Float64Array.from(exemplars, (e) => Math.cos(lengthAngle(e.text.trim().length)));
    this.lengthSin = Float64Array.from(exemplars, (e) => Math.sin(lengthAngle(e.text.trim().length)));
    this.size = exemplars.length;
    const tiers: string[] = [];
    this.labels = new Int32Array(exemplars.length);
    exemplars.forEach((e, j) => {
      let t = tiers.indexOf(e.tier);
      if (t < 0) t = tiers.push(e.tier) - 1;
      this.labels[j] = t;
    });
    this.tiers = tiers;
    this.rulesFallback = floor >= 0 && (['simple', 'medium', 'hard'] as const).every((t) => tiers.includes(t));
    const dim = embedder.dim;
    this.start = new Int32Array(dim + 1);
    for (const row of rows) for (let d = 0; d < dim; d++) if (row[d] !== 0) this.start[d + 1]!++;
    for (let d = 0; d < dim; d++) this.start[d + 1]! += this.start[d]!;
    const fill = this.start.slice(0, dim);
    this.ids = new Int32Array(this.start[dim]!);
    this.vals = new Float64Array(this.start[dim]!);
    rows.forEach((row, j) => {
      for (let d = 0; d < dim; d++) {
        if (row[d] === 0) continue;
        const at = fill[d]!++;
        this.ids[at] = j;
        this.vals[at] = row[d]!;
      }
    });
  }

  /** Reads and embeds the exemplars (a UsageError for a missing or malformed file). */
  static async create(options: KnnOptions): Promise<KnnClassifier> {
    const file = options.file ?? defaultExemplarsPath();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read the kNN exemplar file ${file}`);
    }
    const exemplars = parseExemplars(text, file);
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
    const name = options.file === undefined ? 'default' : file;
    // The id keys the replay cache: a different file, embedder or k gives different answers.
    const k = options.k ?? KNN_K;
    const lengthWeight = options.lengthWeight ?? KNN_LENGTH_WEIGHT;
    const floor = options.floor ?? KNN_NEIGHBOUR_FLOOR;
    const tuning = `${k === KNN_K ? '' : `:k${k}`}${lengthWeight === KNN_LENGTH_WEIGHT ? '' : `:lw${lengthWeight}`}${floor === KNN_NEIGHBOUR_FLOOR ? '' : `:f${floor}`}`;
    const id = `${KNN_VERSION}:${name}@sha256:${hash}:${options.embedder.id}${tuning}`;
    const rows = await options.embedder.embed(exemplars.map((e) => e.text));
    return new KnnClassifier(id, options.embedder, exemplars, rows, k, lengthWeight, floor);
  }

  async classify(texts: string[]): Promise<ClassifierAnswer[]> {
    const rows = await this.embedder.embed(texts);
    const scores = new Float64Array(this.size);
    return rows.map((row, i) => {
      const v = this.vote(row, texts[i]!.trim().length, scores);
      return { tier: v === FAR ? classifyByRules(texts[i]!).tier : this.tiers[v]! };
    });
  }

  /** The winning tier index for one query row; `scores` is scratch space of one slot per exemplar. */
  private vote(row: Float32Array, chars: number, scores: Float64Array): number {
    const n = this.size;
    const { start, ids, vals } = this;
    // A text with no features (only punctuation) has no neighbours, whatever its length.
    let any = false;
    for (let d = 0; d < row.length && !any; d++) any = row[d] !== 0;
    if (!any) return this.rulesFallback ? FAR : 0;
    const angle = lengthAngle(chars);
    const c = this.lengthWeight * Math.cos(angle);
    const s = this.lengthWeight * Math.sin(angle);
    for (let j = 0; j < n; j++) scores[j] = c * this.lengthCos[j]! + s * this.lengthSin[j]!;
    for (let d = 0; d < row.length; d++) {
      const q = row[d]!;
      if (q === 0) continue;
      const end = start[d + 1]!;
      for (let at = start[d]!; at < end; at++) scores[ids[at]!]! += q * vals[at]!;
    }
    // Top k by insertion into a small sorted list (k is tiny).
    const k = Math.min(this.k, n);
    const top = new Int32Array(k).fill(-1);
    for (let j = 0; j < n; j++) {
      const s = scores[j]!;
      if (s <= 0) continue;
      let at = k;
      while (at > 0 && (top[at - 1] === -1 || scores[top[at - 1]!]! < s)) at--;
      if (at >= k) continue;
      for (let x = k - 1; x > at; x--) top[x] = top[x - 1]!;
      top[at] = j;
    }
    if (this.rulesFallback) {
      // The nearest exemplar's own cosine (its score without the length term) says whether any neighbour is close.
      const nearest = top[0]!;
      if (nearest < 0 || scores[nearest]! - (c * this.lengthCos[nearest]! + s * this.lengthSin[nearest]!) < this.floor) return FAR;
    }
    const weight = new Float64Array(this.tiers.length);
    for (const j of top) if (j >= 0) weight[this.labels[j]!]! += scores[j]!;
    let best = 0;
    for (let t = 1; t < weight.length; t++) if (weight[t]! > weight[best]!) best = t;
    return best;
  }
}
