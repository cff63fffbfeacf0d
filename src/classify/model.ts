import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { failAll } from './answers.js';
import type { Classifier, ClassifierAnswer } from './types.js';

/**
 * `--classifier model:DIR`: the user's own text-classification model (e.g. a fine-tuned DistilBERT exported to
 * ONNX, as Optimum's `optimum-cli export onnx --task text-classification` writes it), run through the
 * @huggingface/transformers `text-classification` pipeline from local files only (nothing is downloaded).
 *
 * DIR holds config.json (with `id2label`), tokenizer.json, tokenizer_config.json and onnx/model.onnx (or
 * onnx/model_quantized.onnx). The answer for a text is the `id2label` name of the top class; it must name a
 * tier of the routing policy (or its route label, e.g. `medium_complexity`), otherwise it is counted as
 * `unknown_tier`. Texts are cut to 4,096 characters before tokenizing (the tokenizer then truncates to the
 * model's max length).
 * The replay cache key includes the SHA-256 of the weights and config, so a retrained model re-classifies.
 */
const MAX_CHARS = 4096;
/** Texts per forward pass (sorted by length so a batch pads little). */
const FORWARD_BATCH = 16;

const WEIGHTS = [
  { file: join('onnx', 'model.onnx'), dtype: 'fp32' },
  { file: join('onnx', 'model_quantized.onnx'), dtype: 'q8' },
] as const;

type TextClassifier = ((texts: string[], options?: { top_k?: number }) => Promise<{ label: string; score: number }[]>) & {
  dispose?: () => Promise<void>;
};

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Pure: config.json's id2label → the label names, or a message saying what is wrong. */
export function labelsOf(config: unknown): string[] | string {
  const id2label = (config as { id2label?: unknown } | null)?.id2label;
  if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) return 'config.json has no "id2label" object';
  const labels = Object.values(id2label as Record<string, unknown>);
  if (labels.length === 0 || labels.some((l) => typeof l !== 'string' || l === '')) return '"id2label" values must be label names';
  if (labels.every((l) => /^LABEL_\d+$/.test(l as string))) {
    return '"id2label" has only generic LABEL_n names: set it to your tier names, e.g. {"0": "simple", "1": "medium", "2": "hard"}';
  }
  return labels as string[];
}

export class ModelClassifier implements Classifier {
  readonly id: string;
  readonly batchSize = 64;
  readonly concurrency = 1;
  readonly labels: readonly string[];
  private readonly pipe: TextClassifier;

  private constructor(id: string, labels: string[], pipe: TextClassifier) {
    this.id = id;
    this.labels = labels;
    this.pipe = pipe;
  }

  static async create(dir: string): Promise<ModelClassifier> {
    const abs = resolve(dir);
    const what = `--classifier model:${dir}`;
    const needs = 'config.json (with id2label), tokenizer.json, tokenizer_config.json and onnx/model.onnx';
    const weights = WEIGHTS.find((w) => existsSync(join(abs, w.file)));
    if (!existsSync(join(abs, 'config.json')) || !existsSync(join(abs, 'tokenizer.json')) || !weights) {
      throw new UsageError(`${what}: ${abs} must hold ${needs}`);
    }
    const configText = readFileSync(join(abs, 'config.json'), 'utf8');
    let config: unknown;
    try {
      config = JSON.parse(configText);
    } catch {
      throw new UsageError(`${what}: ${join(abs, 'config.json')} is not valid JSON`);
    }
    const labels = labelsOf(config);
    if (typeof labels === 'string') throw new UsageError(`${what}: ${labels}`);
    const hash = createHash('sha256').update(await sha256File(join(abs, weights.file))).update(configText).digest('hex').slice(0, 12);

    const lib = await import('@huggingface/transformers');
    // Local files only: the model is the user's, and a report never reaches the network on its own.
    lib.env.allowRemoteModels = false;
    lib.env.allowLocalModels = true;
    let pipe: TextClassifier;
    try {
      pipe = (await lib.pipeline('text-classification', abs, { dtype: weights.dtype, local_files_only: true })) as unknown as TextClassifier;
    } catch (error) {
      throw new UsageError(`${what}: cannot load the model: ${(error as Error).message.split('\n')[0]}`);
    }
    return new ModelClassifier(`model:${abs}@sha256:${hash}`, labels, pipe);
  }

  async classify(texts: string[]): Promise<ClassifierAnswer[]> {
    const answers = new Array<ClassifierAnswer>(texts.length);
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
    for (let start = 0; start < order.length; start += FORWARD_BATCH) {
      const indices = order.slice(start, start + FORWARD_BATCH);
      let out: { label: string; score: number }[];
      try {
        out = await this.pipe(indices.map((i) => texts[i]!.slice(0, MAX_CHARS) || ' '));
      } catch (error) {
        const failed = failAll(indices.length, 'failed', `model run failed: ${(error as Error).message.split('\n')[0]}`);
        indices.forEach((i, k) => (answers[i] = failed[k]!));
        continue;
      }
      indices.forEach((i, k) => {
        const label = out[k]?.label;
        answers[i] = typeof label === 'string' ? { tier: label } : { error: 'the model returned no label', kind: 'bad_response' };
      });
    }
    return answers;
  }

  async close(): Promise<void> {
    await this.pipe.dispose?.();
  }
}
