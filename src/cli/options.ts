import { Option, type Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { formatByName, formatNames } from '../load/formats/index.js';
import type { LogFormat } from '../load/formats/types.js';
import { parseMapOption } from '../load/mapping.js';
import { parseBound, parseDuration, parseIsoWeek, type Bound, type WindowSpec } from '../window.js';

/** Options as commander hands them over (strings and flags, unvalidated). */
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
}

export type OutputFormat = 'table' | 'json' | 'markdown' | 'csv' | 'html' | 'prometheus';
const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'markdown', 'csv', 'html', 'prometheus'];
/** The format `--out FILE` implies by its extension when --format is not given. */
const FORMAT_BY_EXTENSION: Record<string, OutputFormat> = { '.json': 'json', '.md': 'markdown', '.markdown': 'markdown', '.csv': 'csv', '.html': 'html', '.htm': 'html', '.prom': 'prometheus' };

/** The same options, validated once. */
export interface CommonOptions {
  db?: string;
  config: Config;
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
}

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
  classifier: () => new Option('--classifier <kind[:arg]>', "replay the window's inputs through a classifier for their ideal tier: rules, knn, knn:FILE, model:DIR, http:URL, module:PATH"),
} as const;

export type OptionName = keyof typeof OPTION_TABLE;

export function addOptions(command: Command, names: OptionName[]): Command {
  for (const name of names) command.addOption(OPTION_TABLE[name]());
  return command;
}

/** --week, --last, --since/--until and --all exclude each other; none of them is the default week. Pure. */
export function windowSpec(raw: Pick<RawOptions, 'since' | 'until' | 'week' | 'last' | 'all'>): WindowSpec {
  const given = [
    raw.week !== undefined && '--week',
    raw.last !== undefined && '--last',
    (raw.since !== undefined || raw.until !== undefined) && '--since/--until',
    raw.all && '--all',
  ].filter((x): x is string => typeof x === 'string');
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be used together: give one window`);
  if (raw.week !== undefined) return { kind: 'week', ...parseIsoWeek(raw.week, '--week') };
  if (raw.last !== undefined) return { kind: 'last', ms: parseDuration(raw.last, '--last'), text: raw.last.trim() };
  if (raw.all) return { kind: 'all' };
  if (raw.since !== undefined || raw.until !== undefined) {
    const spec: WindowSpec = { kind: 'range' };
    if (raw.since !== undefined) spec.since = parseBound(raw.since, '--since');
    if (raw.until !== undefined) spec.until = parseBound(raw.until, '--until');
    return spec;
  }
  return { kind: 'default' };
}

/** Pure apart from reading the config file. Throws UsageError naming the flag. */
export function normalizeOptions(raw: RawOptions, env: NodeJS.ProcessEnv, isTTY: boolean): CommonOptions {
  const config = loadConfig(raw.config);
  let format: OutputFormat | undefined;
  if (raw.format !== undefined) {
    if (!OUTPUT_FORMATS.includes(raw.format as OutputFormat)) {
      throw new UsageError(`--format "${raw.format}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
    }
    format = raw.format as OutputFormat;
  } else if (raw.out !== undefined) {
    const ext = /\.[^./\\]+$/.exec(raw.out.toLowerCase())?.[0];
    if (ext !== undefined && FORMAT_BY_EXTENSION[ext]) format = FORMAT_BY_EXTENSION[ext];
  }
  if (format === 'csv' && raw.out === undefined) {
    throw new UsageError('--format csv writes one file per table: give --out DIR/ (DIR/report-<table>.csv) or --out NAME.csv (NAME-<table>.csv)');
  }
  const inputFormatName = raw.inputFormat ?? config.input_format;
  let inputFormat: LogFormat | undefined;
  if (inputFormatName !== undefined) {
    inputFormat = formatByName(inputFormatName);
    if (!inputFormat) throw new UsageError(`unknown input format "${inputFormatName}" (known: ${formatNames().join(', ')})`);
  }
  const configMap = parseMapOption(Object.entries(config.map).map(([k, v]) => `${k}=${v}`));
  const options: CommonOptions = {
    config,
    window: windowSpec(raw),
    quiet: Boolean(raw.quiet),
    debug: Boolean(raw.debug),
    color: raw.color !== false && !env['NO_COLOR'] && isTTY && raw.out === undefined,
    map: { ...configMap, ...parseMapOption(raw.map ?? []) },
  };
  if (raw.db !== undefined) options.db = raw.db;
  if (raw.since !== undefined) options.since = parseBound(raw.since, '--since');
  if (raw.until !== undefined) options.until = parseBound(raw.until, '--until');
  if (format) options.format = format;
  if (raw.out !== undefined) options.out = raw.out;
  if (inputFormat) options.inputFormat = inputFormat;
  if (raw.memoryLimit !== undefined) {
    if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(raw.memoryLimit.trim())) {
      throw new UsageError(`--memory-limit "${raw.memoryLimit}" must be a size like 1GB or 512MB`);
    }
    options.memoryLimit = raw.memoryLimit.trim();
  }
  return options;
}
