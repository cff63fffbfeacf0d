import { accessSync, constants } from 'node:fs';
import { normalizeCalibrationSettings, type CalibrationSettings } from './analyses/calibration.js';
import { normalizeGateThresholds, type GateThresholds } from './analyses/gates.js';
import { normalizeCacheSettings, type CacheSettings } from './analyses/cache-settings.js';
import { parseClassifierSpec, type ClassifierSpec } from './classify/select.js';
import type { Config } from './config.js';
import { normalizeEmbedderSettings, type EmbedderSettings } from './embed/select.js';
import { UsageError } from './errors.js';
import { formatByName, formatNames } from './load/formats/index.js';
import type { LogFormat } from './load/formats/types.js';
import { parseMapOption } from './load/mapping.js';
import { normalizePricingSettings, type PricingSettings } from './prices/settings.js';
import { applyRoutingFlags, normalizeRoutingPolicy, type RoutingFlags, type RoutingPolicy } from './routing/policy.js';
import { parseBound, parseDuration, parseIsoWeek, type Bound, type WindowSpec } from './window.js';

/**
 * Everything a run is told, validated once, before any log is read (Malloy's `normalizeDuckDBConfig` pattern):
 * commander's raw flags and the config file go in, one typed object comes out, or a UsageError that names the flag
 * or the config field. Commands and report sections read only this object, never raw options, so a bad value fails
 * in milliseconds whatever the size of the input.
 */
export interface RunSettings {
  config: Config;
  /** The database: --db, else the config's "db"; undefined: the command's own default (in memory for report). */
  db?: string;
  since?: Bound;
  until?: Bound;
  /** The report window as asked for (--week, --last, --since/--until, --all, or the default week). */
  window: WindowSpec;
  format?: OutputFormat;
  out?: string;
  quiet: boolean;
  debug: boolean;
  color: boolean;
  inputFormat?: LogFormat;
  map: Record<string, string>;
  memoryLimit?: string;
  /** Prices, the report week, tokens-per-dollar alert settings and the config tiers' model patterns. */
  pricing: PricingSettings;
  gates: GateThresholds;
  embedder: EmbedderSettings;
  cache: CacheSettings;
  /** The config's routing policy with --labels, --retry-window and --jitter-band applied. */
  routing: RoutingPolicy & RoutingFlags;
  /** --classifier, parsed; null without it. */
  classifier: ClassifierSpec | null;
  /** Trend sections show this many weeks, ending with the window's last week (--trend-weeks, else 8). */
  trendWeeks: number;
  /** `calibrate`'s own flags (--max-deviation, --write-config, --folds, --force); defaults elsewhere. */
  calibration: CalibrationSettings;
  /** What of prompts, raw records and user ids the outputs show (--redact, else "redact" in the config; report/redact.ts). */
  redact: RedactMode;
  /** Seconds to wait for a database another process holds (--wait, default 5). */
  waitSeconds: number;
  /** Store loaded records' raw text in requests.raw (--keep-raw, else "keep_raw" in the config; default false). */
  keepRaw: boolean;
}

/** none: as logged; truncate (default): prompt samples and raw rejects cut; hash: prompts and user/session ids hashed. */
export type RedactMode = 'none' | 'truncate' | 'hash';
export const REDACT_MODES: readonly RedactMode[] = ['none', 'truncate', 'hash'];

/** Flags as commander hands them over: strings and booleans, unvalidated. Keys are commander's camelCase names. */
export type RawFlags = Record<string, unknown>;

export type OutputFormat = 'table' | 'json' | 'markdown' | 'csv' | 'html' | 'prometheus';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'markdown', 'csv', 'html', 'prometheus'];
/** The format `--out FILE` implies by its extension when --format is not given. */
const FORMAT_BY_EXTENSION: Record<string, OutputFormat> = { '.json': 'json', '.md': 'markdown', '.markdown': 'markdown', '.csv': 'csv', '.html': 'html', '.htm': 'html', '.prom': 'prometheus' };

export const DEFAULT_TREND_WEEKS = 8;
const MAX_TREND_WEEKS = 104;

/** --week, --last, --since/--until and --all exclude each other; none of them is the default week. Pure. */
export function windowSpec(raw: RawFlags): WindowSpec {
  const text = (key: string): string | undefined => (raw[key] === undefined ? undefined : String(raw[key]));
  const week = text('week');
  const last = text('last');
  const since = text('since');
  const until = text('until');
  const given = [
    week !== undefined && '--week',
    last !== undefined && '--last',
    (since !== undefined || until !== undefined) && '--since/--until',
    raw['all'] === true && '--all',
  ].filter((x): x is string => typeof x === 'string');
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be used together: give one window`);
  if (week !== undefined) return { kind: 'week', ...parseIsoWeek(week, '--week') };
  if (last !== undefined) return { kind: 'last', ms: parseDuration(last, '--last'), text: last.trim() };
  if (raw['all'] === true) return { kind: 'all' };
  if (since !== undefined || until !== undefined) {
    const spec: WindowSpec = { kind: 'range' };
    if (since !== undefined) spec.since = parseBound(since, '--since');
    if (until !== undefined) spec.until = parseBound(until, '--until');
    return spec;
  }
  return { kind: 'default' };
}

/**
 * Pure apart from checking that the files the flags name can be read: raw flags + the loaded config → RunSettings.
 * `env` and `isTTY` decide colour only.
 */
export function normalizeRunSettings(raw: RawFlags, config: Config, terminal: { env: NodeJS.ProcessEnv; isTTY: boolean }): RunSettings {
  const out = optionalText(raw['out'], '--out');
  const format = outputFormat(raw['format'], out);
  if (format === 'csv' && out === undefined) {
    throw new UsageError('--format csv writes one file per table: give --out DIR/ (DIR/report-<table>.csv) or --out NAME.csv (NAME-<table>.csv)');
  }
  const inputFormatName = optionalText(raw['inputFormat'], '--input-format') ?? config.input_format;
  let inputFormat: LogFormat | undefined;
  if (inputFormatName !== undefined) {
    inputFormat = formatByName(inputFormatName);
    if (!inputFormat) throw new UsageError(`unknown input format "${inputFormatName}" (known: ${formatNames().join(', ')})`);
  }
  const configMap = parseMapOption(Object.entries(config.map).map(([k, v]) => `${k}=${v}`));
  const flagMap = Array.isArray(raw['map']) ? (raw['map'] as unknown[]).map(String) : [];

  const routing = applyRoutingFlags(normalizeRoutingPolicy(config.raw, config.file), raw);
  if (routing.labels !== null) readable(routing.labels, '--labels');
  const pricing = normalizePricingSettings(config, raw, terminal.env);
  if (pricing.priceFile !== null) readable(pricing.priceFile, raw['prices'] !== undefined ? '--prices' : `${config.file ?? 'config'}: "prices"`);
  const classifier = raw['classifier'] === undefined ? null : parseClassifierSpec(raw['classifier']);

  const window = windowSpec(raw);
  const settings: RunSettings = {
    config,
    window,
    quiet: raw['quiet'] === true,
    debug: raw['debug'] === true,
    color: raw['color'] !== false && !terminal.env['NO_COLOR'] && terminal.isTTY && out === undefined,
    map: { ...configMap, ...parseMapOption(flagMap) },
    pricing,
    gates: normalizeGateThresholds(config, raw),
    embedder: normalizeEmbedderSettings(raw, config),
    cache: normalizeCacheSettings(raw, config),
    routing,
    classifier,
    trendWeeks: trendWeeks(raw['trendWeeks'], config),
    calibration: normalizeCalibrationSettings(raw),
    redact: redactMode(raw['redact'], config),
    waitSeconds: waitSeconds(raw['wait']),
    keepRaw: keepRaw(raw['keepRaw'], config),
  };
  const db = optionalText(raw['db'], '--db') ?? config.db;
  if (db !== undefined) settings.db = localDatabase(db, raw['db'] !== undefined ? '--db' : `${config.file ?? 'config'}: "db"`);
  // --since/--until exclude the other window flags (windowSpec), so they are the range's bounds.
  if (window.kind === 'range' && window.since) settings.since = window.since;
  if (window.kind === 'range' && window.until) settings.until = window.until;
  if (format) settings.format = format;
  if (out !== undefined) settings.out = out;
  if (inputFormat) settings.inputFormat = inputFormat;
  const memoryLimit = optionalText(raw['memoryLimit'], '--memory-limit');
  if (memoryLimit !== undefined) settings.memoryLimit = memorySize(memoryLimit);
  return settings;
}

const SIZE_UNIT: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };
/** DuckDB needs some room to run at all, and takes no limit past what its byte count can hold. */
const MIN_MEMORY = 64 * 2 ** 20;
const MAX_MEMORY = 2 ** 50;

/** `4GB`, `512MiB`: a DuckDB memory_limit between 64 MiB and 1 PiB. */
function memorySize(text: string): string {
  const m = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--memory-limit "${text}" must be a size like 1GB or 512MB`);
  const bytes = Number(m[1]) * SIZE_UNIT[m[2]!.toLowerCase()]!;
  if (!(bytes >= MIN_MEMORY && bytes <= MAX_MEMORY)) throw new UsageError(`--memory-limit "${text}" must be between 64MiB and 1024TiB`);
  return text.trim();
}

function keepRaw(flag: unknown, config: Config): boolean {
  if (flag === true) return true;
  const value = config.raw['keep_raw'];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new UsageError(`${config.file ?? 'config'}: "keep_raw" must be true or false`);
  return value;
}

function redactMode(flag: unknown, config: Config): RedactMode {
  const check = (value: unknown, what: string): RedactMode => {
    if (!REDACT_MODES.includes(value as RedactMode)) throw new UsageError(`${what} "${String(value)}" is not one of ${REDACT_MODES.join(', ')}`);
    return value as RedactMode;
  };
  if (flag !== undefined) return check(flag, '--redact');
  if (config.raw['redact'] !== undefined) return check(config.raw['redact'], `${config.file ?? 'config'}: "redact"`);
  return 'truncate';
}

/** A few seconds: a report started while a short ingest runs still goes through; a long one is said at once. */
export const DEFAULT_WAIT_SECONDS = 5;
const MAX_WAIT_SECONDS = 86_400;
function waitSeconds(flag: unknown): number {
  if (flag === undefined) return DEFAULT_WAIT_SECONDS;
  const value = typeof flag === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(flag) ? Number(flag) : NaN;
  if (!(value >= 0 && value <= MAX_WAIT_SECONDS)) throw new UsageError(`--wait "${String(flag)}" must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  return value;
}

/**
 * A database is a local file. A URL (`http://`, `s3://`, `md:`) would make DuckDB reach the network (and look for
 * an extension to do it): said here, before anything is opened.
 */
function localDatabase(path: string, what: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || /^md:/i.test(path)) {
    throw new UsageError(`${what} "${path}" is a URL: the database is a local DuckDB file (routecheck reads nothing from the network)`);
  }
  return path;
}

function outputFormat(value: unknown, out: string | undefined): OutputFormat | undefined {
  if (value !== undefined) {
    if (!OUTPUT_FORMATS.includes(value as OutputFormat)) throw new UsageError(`--format "${String(value)}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
    return value as OutputFormat;
  }
  if (out === undefined) return undefined;
  const ext = /\.[^./\\]+$/.exec(out.toLowerCase())?.[0];
  return ext !== undefined ? FORMAT_BY_EXTENSION[ext] : undefined;
}

function trendWeeks(flag: unknown, config: Config): number {
  const where = config.file ?? 'config';
  const check = (n: unknown, what: string): number => {
    const value = typeof n === 'string' && /^\s*\d+\s*$/.test(n) ? Number(n) : n;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TREND_WEEKS) {
      throw new UsageError(`${what} "${String(n)}" must be a whole number of weeks from 1 to ${MAX_TREND_WEEKS}`);
    }
    return value;
  };
  if (flag !== undefined) return check(flag, '--trend-weeks');
  if (config.raw['trend_weeks'] !== undefined) return check(config.raw['trend_weeks'], `${where}: "trend_weeks"`);
  return DEFAULT_TREND_WEEKS;
}

function optionalText(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} needs a value`);
  return value;
}

/** A file a flag names must be readable now, not after the logs are loaded. */
function readable(path: string, what: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UsageError(`${what}: cannot read ${path}`);
  }
}
