import { Option, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { formatNames } from '../load/formats/index.js';
import { normalizeRunSettings, OUTPUT_FORMATS, type OutputFormat, type RunSettings } from '../settings.js';

/** Options as commander hands them over (strings and flags, unvalidated); settings.ts validates them. */
export interface RawOptions {
  db?: string;
  config?: string;
  since?: string;
  until?: string;
  week?: string;
  last?: string;
  all?: boolean;
  format?: string;
  out?: string;
  quiet?: boolean;
  debug?: boolean;
  color?: boolean;
  inputFormat?: string;
  map?: string[];
  memoryLimit?: string;
  [flag: string]: unknown;
}

/** What every command receives: the run's settings, validated once (settings.ts). */
export type CommonOptions = RunSettings;
export type { OutputFormat };

/** The option table: each command picks the rows it takes, so flags and help stay consistent. */
const OPTION_TABLE = {
  db: () => new Option('--db <file>', 'DuckDB database file to use (created if missing)'),
  config: () => new Option('--config <file>', 'config file (default: routecheck.config.json if present)'),
  since: () => new Option('--since <when>', 'window start, inclusive: a date (2025-03-17) or a duration back from the latest log (7d, 4w)'),
  until: () => new Option('--until <when>', 'window end, exclusive: a date or a duration back from the latest log'),
  week: () => new Option('--week <week>', 'report one ISO week (UTC), compared with the week before, e.g. 2025-W12'),
  last: () => new Option('--last <duration>', 'the last 7d / 4w / 12h up to the latest log, compared with the same length before'),
  all: () => new Option('--all', 'the whole data (default: the last complete ISO week in the data)'),
  maxDeviation: () => new Option('--max-deviation <fraction>', 'gate: routing deviation rate at most this (default 0.05; off to skip)'),
  maxDilution: () => new Option('--max-dilution <factor>', 'gate: cache dilution factor at most this (default 1.2; off to skip)'),
  maxTpdDrop: () => new Option('--max-tpd-drop <fraction>', 'gate: worst week-over-week tokens-per-dollar drop of a family at most this (default 0.10; off to skip)'),
  maxUnpriced: () => new Option('--max-unpriced <fraction>', 'gate: share of requests with no cost and no price at most this (default 0; off to skip)'),
  gateOn: () => new Option('--gate-on <point|upper>', 'fail on the point estimate, or only when the 95% interval is entirely over the threshold (small labelled samples)'),
  junit: () => new Option('--junit <file>', 'also write the gates as JUnit XML (one test case per gate)'),
  strict: () => new Option('--strict', 'an unknown gate (no labels, no cache keys, no week before) fails the check'),
  format: () => new Option('--format <format>', `output format: ${OUTPUT_FORMATS.join('|')} (default: table, or from --out's extension)`),
  out: () => new Option('--out <file>', 'write the output to a file instead of stdout'),
  quiet: () => new Option('--quiet', 'print nothing but the output and errors'),
  memoryLimit: () => new Option('--memory-limit <size>', "DuckDB memory limit before it spills to disk, e.g. 4GB (default 1GB)"),
  debug: () => new Option('--debug', 'print stack traces for unexpected errors'),
  color: () => new Option('--no-color', 'no colour (also NO_COLOR=1; off when not a terminal)'),
  inputFormat: () => new Option('--input-format <name>', `force the input format instead of detecting it (${formatNames().join(', ')})`),
  keepRaw: () => new Option('--keep-raw', "also store each loaded record's raw text in the --db (default: only rejects keep theirs)"),
  map: () =>
    new Option('--map <field=path...>', 'read a canonical field from another JSON path, e.g. --map input=request.body.prompt').argParser(
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    ),
  embedder: () => new Option('--embedder <name>', 'text embedder for semantic similarity: auto|lexical|transformers (default: auto, the transformers model when a local copy exists, else lexical)'),
  model: () => new Option('--model <name>', 'transformers embedding model id or folder (default: Xenova/all-MiniLM-L6-v2)'),
  modelDir: () => new Option('--model-dir <dir>', 'load the embedding model from <dir>/<model>/ only (no download)'),
  offline: () => new Option('--offline', 'never download an embedding model; fail with a clear message when none is local'),
  similarity: () => new Option('--similarity <cosine>', 'cosine similarity at or above which two inputs are the same content (default: per embedder, e.g. 0.95 lexical)'),
  cacheTtl: () => new Option('--cache-ttl <duration>', 'TTL of the replayed response cache: 90s, 15m, 24h, 2d (default: cache.ttl_hours in the config, else inferred from the log, else 24h)'),
  prices: () => new Option('--prices <file>', 'price file (CSV or JSON) over the bundled genai-prices catalog (default: "prices" in the config)'),
  weekStart: () => new Option('--week-start <day>', 'first day of a report week, UTC (default: monday, or "week_start" in the config)'),
  labels: () => new Option('--labels <file>', 'hand-labelled ideal routes (CSV or JSONL: request_id or input, and ideal), joined to the logs'),
  retryWindow: () => new Option('--retry-window <duration>', 'a re-send of the same input in a session within this time on a dearer tier is a retry (default 10m)'),
  jitterBand: () => new Option('--jitter-band <score>', 'scores within this distance of a threshold count as near it (default 0.03)'),
  trendWeeks: () => new Option('--trend-weeks <n>', 'weeks the trend sections show, ending with the window\'s last week (default 8, or "trend_weeks" in the config)'),
  calibrateMaxDeviation: () => new Option('--max-deviation <fraction>', 'recommend the cheapest policy whose cross-validated deviation is at most this (default: the least deviation)'),
  writeConfig: () => new Option('--write-config <file>', 'write the recommended policy as a config file (the --config one with the new thresholds and trivial rule)'),
  folds: () => new Option('--folds <n>', 'cross-validation folds (default 5)'),
  force: () => new Option('--force', 'let --write-config replace an existing file'),
  redact: () => new Option('--redact <mode>', 'what outputs show of prompts, raw records and user ids: none|truncate|hash (default truncate: prompts cut to 200 characters)'),
  wait: () => new Option('--wait <seconds>', 'wait this long for a database another process is using, e.g. a running ingest (default 5)'),
  classifier: () => new Option('--classifier <kind[:arg]>', "replay the window's inputs through a classifier for their ideal tier: rules, knn, knn:FILE, model:DIR, http:URL, module:PATH"),
} as const;

export type OptionName = keyof typeof OPTION_TABLE;

export function addOptions(command: Command, names: OptionName[]): Command {
  for (const name of names) command.addOption(OPTION_TABLE[name]());
  return command;
}

/** Reads the config file (--config, else routecheck.config.json when present) and validates every flag and key. */
export function normalizeOptions(raw: RawOptions, env: NodeJS.ProcessEnv, isTTY: boolean): RunSettings {
  return normalizeRunSettings(raw, loadConfig(raw.config), { env, isTTY });
}
