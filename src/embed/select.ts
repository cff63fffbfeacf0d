import { dirname, resolve } from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { LexicalEmbedder } from './lexical.js';
import { DEFAULT_MODEL, findLocalModel, TransformersEmbedder } from './transformers.js';
import type { Embedder } from './types.js';

/**
 * Which embedder a run uses: `--embedder auto|lexical|transformers` (or the config's "embedder"), with
 * `--model`, `--model-dir` and `--offline` for the transformers one. Flags win over the config.
 *
 * Config forms:
 *   "embedder": "lexical"
 *   "embedder": {"name": "transformers", "model": "Xenova/all-MiniLM-L6-v2", "model_dir": "models", "offline": true}
 * A relative model_dir is relative to the config file's folder.
 */
export const EMBEDDER_NAMES = ['auto', 'lexical', 'transformers'] as const;
export type EmbedderName = (typeof EMBEDDER_NAMES)[number];

export interface EmbedderSettings {
  name: EmbedderName;
  model: string;
  modelDir?: string;
  offline: boolean;
}

export interface SelectedEmbedder {
  embedder: Embedder;
  /** Why this embedder, for the report ("auto: Xenova/all-MiniLM-L6-v2 not on this machine, lexical used"). */
  reason: string;
}

function parseName(value: unknown, what: string): EmbedderName {
  if (typeof value !== 'string' || !(EMBEDDER_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(`${what} must be one of ${EMBEDDER_NAMES.join(', ')}${typeof value === 'string' ? `, got "${value}"` : ''}`);
  }
  return value as EmbedderName;
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`${what} must be a non-empty string`);
  return value;
}

/**
 * Pure: command-line options (commander's raw values: embedder, model, modelDir, offline) and the config →
 * settings, or a UsageError naming the flag or the config field.
 */
export function normalizeEmbedderSettings(options: Record<string, unknown>, config: Pick<Config, 'file' | 'raw'>): EmbedderSettings {
  const where = config.file ?? 'config';
  const fromConfig: Partial<EmbedderSettings> = {};
  const raw = config.raw['embedder'];
  if (typeof raw === 'string') {
    fromConfig.name = parseName(raw, `${where}: "embedder"`);
  } else if (raw !== undefined) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new UsageError(`${where}: "embedder" must be a name (${EMBEDDER_NAMES.join(', ')}) or an object {"name", "model", "model_dir", "offline"}`);
    }
    const obj = raw as Record<string, unknown>;
    const unknown = Object.keys(obj).filter((k) => !['name', 'model', 'model_dir', 'offline'].includes(k));
    if (unknown.length > 0) throw new UsageError(`${where}: "embedder.${unknown[0]}" is not a known field (name, model, model_dir, offline)`);
    if (obj['name'] !== undefined) fromConfig.name = parseName(obj['name'], `${where}: "embedder.name"`);
    const model = optionalString(obj['model'], `${where}: "embedder.model"`);
    if (model !== undefined) fromConfig.model = model;
    const modelDir = optionalString(obj['model_dir'], `${where}: "embedder.model_dir"`);
    if (modelDir !== undefined) fromConfig.modelDir = config.file ? resolve(dirname(config.file), modelDir) : modelDir;
    if (obj['offline'] !== undefined) {
      if (typeof obj['offline'] !== 'boolean') throw new UsageError(`${where}: "embedder.offline" must be true or false`);
      fromConfig.offline = obj['offline'];
    }
  }
  const settings: EmbedderSettings = {
    name: options['embedder'] !== undefined ? parseName(options['embedder'], '--embedder') : (fromConfig.name ?? 'auto'),
    model: optionalString(options['model'], '--model') ?? fromConfig.model ?? DEFAULT_MODEL,
    offline: options['offline'] === true || (options['offline'] === undefined && fromConfig.offline === true),
  };
  const modelDir = optionalString(options['modelDir'], '--model-dir') ?? fromConfig.modelDir;
  if (modelDir !== undefined) settings.modelDir = modelDir;
  return settings;
}

/** The library's local-model folder and download cache, read from its env (importing it costs ~1 s once). */
async function libraryModelDirs(): Promise<string[]> {
  const { env } = await import('@huggingface/transformers');
  return [env.localModelPath, env.cacheDir].filter((d): d is string => typeof d === 'string');
}

/**
 * Creates the embedder. `auto` never downloads: it loads the transformers model when a copy is on this
 * machine (in --model-dir, else the library's folders), and falls back to the built-in lexical embedder.
 */
export async function createEmbedder(
  settings: EmbedderSettings,
  deps: { libraryDirs?: () => Promise<string[]> } = {},
): Promise<SelectedEmbedder> {
  const transformersOptions = {
    model: settings.model,
    offline: settings.offline,
    ...(settings.modelDir !== undefined ? { modelDir: settings.modelDir } : {}),
  };
  switch (settings.name) {
    case 'lexical':
      return { embedder: new LexicalEmbedder(), reason: 'lexical (chosen)' };
    case 'transformers':
      return { embedder: await TransformersEmbedder.create(transformersOptions), reason: `transformers ${settings.model} (chosen)` };
    case 'auto': {
      const dirs = settings.modelDir !== undefined ? [] : await (deps.libraryDirs ?? libraryModelDirs)();
      const local = findLocalModel(settings.model, settings.modelDir !== undefined ? resolve(settings.modelDir) : undefined, dirs);
      if (!local) {
        return { embedder: new LexicalEmbedder(), reason: `auto: ${settings.model} is not on this machine, lexical used` };
      }
      const embedder = await TransformersEmbedder.create({ ...transformersOptions, offline: true });
      return { embedder, reason: `auto: local copy of ${settings.model} used` };
    }
  }
}
