import { Option, type Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import { formatByName, formatNames } from '../load/formats/index.js';
import type { LogFormat } from '../load/formats/types.js';
import { parseMapOption } from '../load/mapping.js';
import { parseBound, type Bound } from '../window.js';

/** Options as commander hands them over (strings and flags, unvalidated). */
export interface RawOptions {
  db?: string;
  config?: string;
  since?: string;
  until?: string;
  format?: string;
  out?: string;
  quiet?: boolean;
  debug?: boolean;
  color?: boolean;
  inputFormat?: string;
  map?: string[];
  memoryLimit?: string;
}

export type OutputFormat = 'table' | 'json';
const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json'];

/** The same options, validated once. */
export interface CommonOptions {
  db?: string;
  config: Config;
  since?: Bound;
  until?: Bound;
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
  prices: () => new Option('--prices <file>', 'price file (CSV or JSON) over the bundled genai-prices catalog (default: "prices" in the config)'),
  weekStart: () => new Option('--week-start <day>', 'first day of a report week, UTC (default: monday, or "week_start" in the config)'),
} as const;

export type OptionName = keyof typeof OPTION_TABLE;

export function addOptions(command: Command, names: OptionName[]): Command {
  for (const name of names) command.addOption(OPTION_TABLE[name]());
  return command;
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
  } else if (raw.out?.toLowerCase().endsWith('.json')) {
    format = 'json';
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
