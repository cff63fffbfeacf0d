import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Embedder } from './types.js';

/**
 * Sentence embeddings from a local ONNX model through @huggingface/transformers: the `feature-extraction`
 * pipeline with mean pooling over real tokens and L2 normalization (what sentence-transformers does).
 *
 * Where the model comes from (the library's own rules, set once per process through its global `env`):
 * - `modelDir`: files under `<modelDir>/<model>/` only (env.localModelPath; remote loading off);
 * - `offline`: the library's local folders and its download cache only (env.allowRemoteModels = false);
 * - otherwise the library downloads the model on first use and caches it as it normally does.
 */
export const DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2';
/**
 * Cosine similarity for "same content" with MiniLM-style sentence embeddings. Not tuned here (no copy of the
 * model was at hand when the lexical threshold was tuned); override with --similarity.
 */
export const TRANSFORMERS_DEFAULT_THRESHOLD = 0.85;
/** Texts per forward pass: large enough to amortize the call, small enough that padding stays cheap. */
export const DEFAULT_BATCH_SIZE = 32;
/**
 * Characters of a text that are tokenized. BERT-style models read at most 512 tokens (~2,000 characters of
 * English); cutting first keeps a 100 kB prompt from costing a 100 kB tokenization.
 */
const MAX_CHARS = 4096;

export interface TransformersOptions {
  /** A model id (`Xenova/all-MiniLM-L6-v2`) or a path to a model folder. */
  model?: string;
  /** Folder holding `<model>/config.json`, `<model>/onnx/model.onnx`, …; implies local files only. */
  modelDir?: string;
  /** Never download: use only local folders and the library's cache. */
  offline?: boolean;
  batchSize?: number;
  threshold?: number;
}

/** The files the pipeline reads; the ONNX weights in full precision, else 8-bit quantized. */
const REQUIRED_FILES = ['config.json', 'tokenizer.json'];
const WEIGHTS = [
  { file: join('onnx', 'model.onnx'), dtype: 'fp32' },
  { file: join('onnx', 'model_quantized.onnx'), dtype: 'q8' },
] as const;
type Dtype = (typeof WEIGHTS)[number]['dtype'];

export interface LocalModel {
  /** The folder that holds config.json. */
  dir: string;
  dtype: Dtype;
}

function looksLikePath(model: string): boolean {
  return isAbsolute(model) || model.startsWith('.') || model.includes('\\') || existsSync(join(model, 'config.json'));
}

function modelFilesIn(dir: string): LocalModel | null {
  if (!REQUIRED_FILES.every((f) => existsSync(join(dir, f)))) return null;
  const weights = WEIGHTS.find((w) => existsSync(join(dir, w.file)));
  return weights ? { dir, dtype: weights.dtype } : null;
}

/**
 * Where a usable copy of `model` is on this machine, or null: a model folder given as a path, else
 * `<modelDir>/<model>/` when modelDir is set, else the library's local-model folder or its download cache.
 * `libraryDirs` are the library's env.localModelPath and env.cacheDir (passed in so this stays cheap to test).
 */
export function findLocalModel(model: string, modelDir: string | undefined, libraryDirs: readonly string[]): LocalModel | null {
  if (looksLikePath(model)) return modelFilesIn(resolve(model));
  const roots = modelDir !== undefined ? [modelDir] : libraryDirs;
  for (const root of roots) {
    const found = modelFilesIn(join(root, model));
    if (found) return found;
  }
  return null;
}

/** The one line a user sees when the model is not on this machine and downloading is off. */
export function missingModelMessage(model: string, modelDir: string | undefined): string {
  const where = modelDir !== undefined ? `${join(modelDir, model)}/` : `the transformers cache`;
  return (
    `embedding model ${model} not found in ${where} (offline): put its config.json, tokenizer.json, ` +
    `tokenizer_config.json and onnx/model.onnx under <dir>/${model}/ and pass --model-dir <dir>, ` +
    `run once without --offline to download it, or use --embedder lexical`
  );
}

type Extractor = (texts: string[], options: { pooling: 'mean'; normalize: true }) => Promise<{ data: Float32Array; dims: number[] }>;

export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly defaultThreshold: number;
  readonly model: string;
  private readonly extractor: Extractor;
  private readonly batchSize: number;

  private constructor(model: string, dtype: Dtype, dim: number, extractor: Extractor, options: TransformersOptions) {
    this.model = model;
    // The id keys the persistent cache: a quantized copy gives different vectors than the full model.
    this.id = `transformers:${model}${dtype === 'fp32' ? '' : `:${dtype}`}`;
    this.dim = dim;
    this.extractor = extractor;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.defaultThreshold = options.threshold ?? TRANSFORMERS_DEFAULT_THRESHOLD;
  }

  /**
   * Loads the pipeline. Throws UsageError (one line) when downloading is off and no local copy exists, or when
   * the library cannot load the model.
   */
  static async create(options: TransformersOptions = {}): Promise<TransformersEmbedder> {
    const model = options.model ?? DEFAULT_MODEL;
    const localOnly = Boolean(options.offline) || options.modelDir !== undefined;
    const lib = await import('@huggingface/transformers');
    const { env } = lib;
    const modelDir = options.modelDir !== undefined ? resolve(options.modelDir) : undefined;
    const libraryDirs = [env.localModelPath, env.cacheDir].filter((d): d is string => typeof d === 'string');
    const local = findLocalModel(model, modelDir, libraryDirs);
    if (localOnly && !local) throw new UsageError(missingModelMessage(model, options.modelDir));
    if (modelDir !== undefined) env.localModelPath = modelDir;
    // A model that is on disk is always loaded without the network, even when downloading is allowed.
    env.allowRemoteModels = !localOnly && !local;
    env.allowLocalModels = true;
    const dtype: Dtype = local?.dtype ?? 'fp32';
    let extractor: Extractor;
    try {
      const pipe = await lib.pipeline('feature-extraction', looksLikePath(model) ? resolve(model) : model, { dtype });
      extractor = pipe as unknown as Extractor;
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      if (localOnly) throw new UsageError(`${missingModelMessage(model, options.modelDir)} (${reason})`);
      throw new UsageError(`cannot load embedding model ${model}: ${reason}`);
    }
    // The hidden size is the embedding length; read it from the model instead of trusting a config field.
    const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
    const dim = probe.dims[probe.dims.length - 1]!;
    return new TransformersEmbedder(model, dtype, dim, extractor, options);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const rows = new Array<Float32Array>(texts.length);
    // Batches of similar lengths pad less: sort by length, embed, put each row back at its text's index.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize);
      const batch = indices.map((i) => texts[i]!.slice(0, MAX_CHARS) || ' ');
      const output = await this.extractor(batch, { pooling: 'mean', normalize: true });
      const dim = this.dim;
      indices.forEach((textIndex, k) => {
        rows[textIndex] = output.data.slice(k * dim, (k + 1) * dim);
      });
    }
    return rows;
  }
}
