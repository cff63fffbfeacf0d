import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { answersFrom, failAll } from './answers.js';
import type { Classifier, ClassifierAnswer } from './types.js';

/**
 * `--classifier module:PATH`: a JavaScript module (ESM `.mjs`/`.js`, or CommonJS) of the user's that exports
 *
 *   export async function classify(texts) { return texts.map((t) => (t.length < 20 ? 'simple' : 'hard')); }
 *
 * (or a default export that is that function or an object with it). It gets up to 256 texts per call and
 * returns, in order, one tier per text: a string or {tier}, as for http: (see http.ts). An optional
 * `export const id = 'my-router-v3'` names it in the replay cache; otherwise the cache key is the file's
 * SHA-256, so editing the file re-classifies everything (a module that reads other files should export an id
 * and change it when they change). A call that throws counts every text of the batch as `failed`.
 */
export const MODULE_BATCH = 256;

type ClassifyFn = (texts: string[]) => unknown;

export class ModuleClassifier implements Classifier {
  readonly id: string;
  readonly batchSize = MODULE_BATCH;
  readonly concurrency = 1;
  private readonly fn: ClassifyFn;
  private readonly path: string;

  private constructor(id: string, path: string, fn: ClassifyFn) {
    this.id = id;
    this.path = path;
    this.fn = fn;
  }

  static async create(path: string): Promise<ModuleClassifier> {
    const abs = resolve(path);
    let source: Buffer;
    try {
      source = readFileSync(abs);
    } catch {
      throw new UsageError(`--classifier module:${path}: cannot read ${abs}`);
    }
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--classifier module:${path}: cannot load it: ${(error as Error).message.split('\n')[0]}`);
    }
    const fallback = mod['default'] as unknown;
    const fn =
      typeof mod['classify'] === 'function'
        ? mod['classify']
        : typeof fallback === 'function'
          ? fallback
          : fallback !== null && typeof fallback === 'object' && typeof (fallback as Record<string, unknown>)['classify'] === 'function'
            ? (fallback as Record<string, unknown>)['classify']
            : undefined;
    if (typeof fn !== 'function') {
      throw new UsageError(`--classifier module:${path}: the module must export a function classify(texts) returning one tier per text`);
    }
    const ownId = typeof mod['id'] === 'string' && mod['id'] !== '' ? (mod['id'] as string) : null;
    const id = ownId !== null ? `module:${ownId}` : `module:${abs}@sha256:${hash}`;
    return new ModuleClassifier(id, abs, fn as ClassifyFn);
  }

  async classify(texts: string[]): Promise<ClassifierAnswer[]> {
    let value: unknown;
    try {
      value = await this.fn(texts);
    } catch (error) {
      return failAll(texts.length, 'failed', `${this.path}: classify() threw: ${(error as Error)?.message ?? String(error)}`);
    }
    return answersFrom(value, texts.length, this.path);
  }
}
