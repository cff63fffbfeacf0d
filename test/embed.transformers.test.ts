import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { findLocalModel, missingModelMessage, TransformersEmbedder } from '../src/embed/transformers.js';
// The generator's closed-form weights: the expected vectors below are computed from them by hand.
import { tinyWeights, HIDDEN, writeTinyModel } from '../scripts/make-tiny-model.mjs';

const MODELS = resolve('fixtures/models');
const config = JSON.parse(readFileSync(join(MODELS, 'tiny-bert', 'config.json'), 'utf8'));
const vocab: Record<string, number> = JSON.parse(readFileSync(join(MODELS, 'tiny-bert', 'tokenizer.json'), 'utf8')).model.vocab;

/** Mean over tokens of tanh(word + position + type), L2-normalized: what the tiny model and mean pooling compute. */
function expected(tokens: string[]): number[] {
  const { word, position, type } = tinyWeights(Object.keys(vocab).length);
  const sum = new Array<number>(HIDDEN).fill(0);
  tokens.forEach((token, p) => {
    const id = vocab[token];
    if (id === undefined) throw new Error(`test token ${token} is not in the vocabulary`);
    for (let j = 0; j < HIDDEN; j++) sum[j]! += Math.tanh(word[id * HIDDEN + j]! + position[p * HIDDEN + j]! + type[j]!);
  });
  const mean = sum.map((x) => x / tokens.length);
  const n = Math.hypot(...mean);
  return mean.map((x) => x / n);
}

function expectClose(actual: Float32Array, want: number[]) {
  expect(actual).toHaveLength(want.length);
  want.forEach((w, j) => expect(actual[j]).toBeCloseTo(w, 5));
}

describe('transformers embedder (the real pipeline, offline, on the tiny test model)', () => {
  it('returns normalized mean-pooled vectors of the model hidden size', async () => {
    const embedder = await TransformersEmbedder.create({ model: 'tiny-bert', modelDir: MODELS, offline: true });
    expect(embedder.dim).toBe(config.hidden_size);
    expect(embedder.id).toBe('transformers:tiny-bert');
    const long = 'How do I explain the code in Python today?';
    const rows = await embedder.embed(['Hello world', long, 'hello   WORLD']);
    for (const row of rows) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    // Padding to the longer text must not change the shorter one's vector (mean over real tokens only), and
    // rows come back in input order whatever the batching did.
    expectClose(rows[0]!, expected(['[CLS]', 'hello', 'world', '[SEP]']));
    expectClose(rows[1]!, expected(['[CLS]', 'how', 'do', 'i', 'explain', 'the', 'code', 'in', 'python', 'today', '?', '[SEP]']));
    expect(Array.from(rows[2]!)).toEqual(Array.from(rows[0]!));
  });

  it('embeds in batches of the configured size with the same results', async () => {
    const one = await TransformersEmbedder.create({ model: 'tiny-bert', modelDir: MODELS, offline: true, batchSize: 1 });
    const texts = ['cost of the router', 'ok', 'what is the price of a model today', 'thanks'];
    const rows = await one.embed(texts);
    const together = await (await TransformersEmbedder.create({ model: 'tiny-bert', modelDir: MODELS, offline: true })).embed(texts);
    rows.forEach((row, i) => expectClose(row, Array.from(together[i]!)));
    expectClose(rows[1]!, expected(['[CLS]', 'ok', '[SEP]']));
  });

  it('fails offline with one line that says how to provide the model', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'routecheck-models-'));
    const error = await TransformersEmbedder.create({ model: 'Xenova/all-MiniLM-L6-v2', modelDir: empty, offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toBe(missingModelMessage('Xenova/all-MiniLM-L6-v2', empty));
    expect(message).toContain(`${join(empty, 'Xenova/all-MiniLM-L6-v2')}/`);
    expect(message).toContain('--model-dir');
    expect(message).toContain('onnx/model.onnx');
  });

  it('fails offline the same way without --model-dir when the library has no copy', async () => {
    const error = await TransformersEmbedder.create({ model: 'nobody/no-such-model', offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(missingModelMessage('nobody/no-such-model', undefined));
    expect((error as Error).message).toMatch(/^embedding model nobody\/no-such-model not found in the transformers cache \(offline\): /);
  });

  it('uses the committed model files, which are exactly what the script writes', () => {
    const out = mkdtempSync(join(tmpdir(), 'routecheck-tiny-'));
    writeTinyModel(out);
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(MODELS, 'tiny-bert', file))), file).toBe(true);
    }
    expect(readFileSync(join(MODELS, 'tiny-bert', 'onnx/model.onnx')).length).toBeLessThan(16_000);
  });

  it('finds a local copy only where all the files are', () => {
    expect(findLocalModel('tiny-bert', MODELS, [])).toEqual({ dir: join(MODELS, 'tiny-bert'), dtype: 'fp32' });
    expect(findLocalModel('tiny-bert', undefined, ['/nonexistent', MODELS])).toEqual({ dir: join(MODELS, 'tiny-bert'), dtype: 'fp32' });
    expect(findLocalModel(join(MODELS, 'tiny-bert'), undefined, [])).toEqual({ dir: join(MODELS, 'tiny-bert'), dtype: 'fp32' });
    expect(findLocalModel('tiny-bert', mkdtempSync(join(tmpdir(), 'routecheck-models-')), [MODELS])).toBeNull();
    expect(findLocalModel('Xenova/all-MiniLM-L6-v2', MODELS, [])).toBeNull();
  });
});
