import { createEmbedder, type EmbedderSettings } from '../embed/select.js';
import { UsageError } from '../errors.js';
import type { Classifier } from './types.js';

/**
 * `--classifier KIND[:ARG]`: which classifier replays the window's inputs to find each request's ideal tier.
 *
 *   rules              built-in heuristics (rules.ts)
 *   knn                nearest neighbours against the default exemplars (knn.ts), with the report's embedder
 *   knn:FILE           … against your own labelled exemplars (CSV text,tier or JSONL)
 *   model:DIR          your text-classification model (ONNX, local files; model.ts)
 *   http:URL           your classifier service (http.ts); `http:` may be left out before an http(s):// URL
 *   module:PATH        your JavaScript module exporting classify(texts) (module.ts)
 */
export const CLASSIFIER_KINDS = ['rules', 'knn', 'model', 'http', 'module'] as const;
export type ClassifierKind = (typeof CLASSIFIER_KINDS)[number];

export interface ClassifierSpec {
  kind: ClassifierKind;
  /** The part after the first colon (a file, folder or URL); null when none was given. */
  arg: string | null;
}

const FORMS = 'rules, knn, knn:FILE, model:DIR, http:URL or module:PATH';

/** Pure: the flag's value → a spec, or a UsageError naming --classifier. */
export function parseClassifierSpec(value: unknown): ClassifierSpec {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--classifier needs a value: ${FORMS}`);
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) return { kind: 'http', arg: checkUrl(text) };
  const colon = text.indexOf(':');
  const kind = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
  const arg = colon < 0 ? null : text.slice(colon + 1).trim();
  if (!(CLASSIFIER_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`--classifier "${text}": unknown kind "${kind}" (use ${FORMS})`);
  }
  if (arg === '') throw new UsageError(`--classifier "${text}": nothing after "${kind}:"`);
  switch (kind as ClassifierKind) {
    case 'rules':
      if (arg !== null) throw new UsageError(`--classifier "${text}": rules takes no argument`);
      return { kind: 'rules', arg: null };
    case 'knn':
      return { kind: 'knn', arg };
    case 'http':
      if (arg === null) throw new UsageError(`--classifier http needs a URL: http:http://127.0.0.1:8080/classify`);
      return { kind: 'http', arg: checkUrl(arg) };
    case 'model':
    case 'module':
      if (arg === null) throw new UsageError(`--classifier ${kind} needs a ${kind === 'model' ? 'folder' : 'file'}: ${kind}:${kind === 'model' ? 'DIR' : 'PATH'}`);
      return { kind: kind as ClassifierKind, arg };
  }
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--classifier http: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--classifier http: "${text}" must be an http:// or https:// URL`);
  return url.href;
}

export interface ClassifierDeps {
  /** The run's embedder settings: the kNN classifier embeds with them. */
  embedder: EmbedderSettings;
}

/** Creates the classifier a spec names; each kind is loaded only when used (transformers is slow to import). */
export async function createClassifier(spec: ClassifierSpec, deps: ClassifierDeps): Promise<Classifier> {
  switch (spec.kind) {
    case 'rules': {
      const { RulesClassifier } = await import('./rules.js');
      return new RulesClassifier();
    }
    case 'knn': {
      const { KnnClassifier } = await import('./knn.js');
      const { embedder } = await createEmbedder(deps.embedder);
      return KnnClassifier.create(spec.arg === null ? { embedder } : { file: spec.arg, embedder });
    }
    case 'model': {
      const { ModelClassifier } = await import('./model.js');
      return ModelClassifier.create(spec.arg!);
    }
    case 'http': {
      const { HttpClassifier } = await import('./http.js');
      return new HttpClassifier(new URL(spec.arg!));
    }
    case 'module': {
      const { ModuleClassifier } = await import('./module.js');
      return ModuleClassifier.create(spec.arg!);
    }
  }
}
