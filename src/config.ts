import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/**
 * routecheck.config.json, validated once into this shape. Later sections add their keys here.
 * Messages name the file and the field, so a user can fix the file without reading code.
 */
export interface Config {
  /** Where the config came from, for messages; undefined when defaults are used. */
  file?: string;
  /** Default persistent database for `ingest` (and `report --db` when given without a value). */
  db?: string;
  /** Input format to force for every file (as --input-format). */
  input_format?: string;
  /** Extra field mappings (as --map field=json.path). */
  map: Record<string, string>;
  /** Keys present in the file that this version does not know, reported once as a warning. */
  unknownKeys: string[];
  /**
   * The parsed file as is. Sections (tiers, prices, cache, …) validate their own part with their own
   * pure normalize function, so that each message names the file and the field.
   */
  raw: Record<string, unknown>;
}

const KNOWN_KEYS = new Set([
  '$schema', 'db', 'input_format', 'map', 'prices_watch', 'embedder', 'efficiency', 'cache', 'gates',
  'tiers', 'trivial', 'classifier', 'prices', 'price_catalog', 'retries', 'week_start', 'trend_weeks', 'redact', 'keep_raw',
]);

export const DEFAULT_CONFIG_FILE = 'routecheck.config.json';

/** Reads --config FILE, or routecheck.config.json when present, else defaults. */
export function loadConfig(path: string | undefined): Config {
  const file = path ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (!file) return normalizeConfig({}, undefined);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read config ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return normalizeConfig(raw, file);
}

/** Pure: raw JSON → Config, or a UsageError naming the field. */
export function normalizeConfig(raw: unknown, file: string | undefined): Config {
  const where = file ?? 'config';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${where}: must be a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const config: Config = { map: {}, unknownKeys: [], raw: obj };
  if (file) config.file = file;
  if (obj['db'] !== undefined) config.db = requireString(obj['db'], `${where}: "db"`);
  if (obj['input_format'] !== undefined) config.input_format = requireString(obj['input_format'], `${where}: "input_format"`);
  if (obj['map'] !== undefined) {
    const map = obj['map'];
    if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new UsageError(`${where}: "map" must be an object of field: "json.path"`);
    for (const [k, v] of Object.entries(map)) config.map[k] = requireString(v, `${where}: "map.${k}"`);
  }
  config.unknownKeys = Object.keys(obj).filter((k) => !KNOWN_KEYS.has(k));
  return config;
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${what} must be a non-empty string`);
  return value;
}
