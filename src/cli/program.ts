import { Command, Option } from 'commander';
import type { Io } from './io.js';
import { addOptions, normalizeOptions, type RawOptions } from './options.js';
import { registerPricesUpdate } from './commands/prices-update.js';
import { registerPricesWatch } from './commands/prices-watch.js';
import { registerPrices } from './commands/prices.js';

export const VERSION = '0.1.0';

/**
 * Declares the commands. Each action validates its options once and calls a plain async command
 * function (loaded lazily, so `--help` does not load DuckDB). Actions store their exit code in `result`.
 */
export function buildProgram(io: Io, result: { code: number }): Command {
  const program = new Command('routecheck')
    .description('Is your multi-model LLM router quietly burning money? Reads gateway logs, offline.')
    .version(VERSION)
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });

  addOptions(
    program
      .command('ingest')
      .description('append logs to a persistent DuckDB database (default .routecheck/routecheck.duckdb)')
      .argument('<inputs...>', 'log files, directories, glob patterns, or - for stdin (.gz and .zst are read as is)'),
    ['db', 'config', 'inputFormat', 'map', 'keepRaw', 'format', 'out', 'memoryLimit', 'wait', 'quiet', 'debug'],
  ).action(async (inputs: string[], raw: RawOptions) => {
    const { ingestCommand } = await import('./commands/ingest.js');
    result.code = await ingestCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), io);
  });

  addOptions(
    program
      .command('report')
      .description('print the report for log files (loaded in memory) or for a database (--db)')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin'),
    ['db', 'config', 'week', 'last', 'since', 'until', 'all', 'format', 'out', 'inputFormat', 'map', 'keepRaw', 'memoryLimit', 'quiet', 'debug', 'color', 'embedder', 'model', 'modelDir', 'offline', 'similarity', 'cacheTtl', 'prices', 'weekStart', 'labels', 'retryWindow', 'jitterBand', 'classifier', 'trendWeeks', 'maxDeviation', 'maxDilution', 'maxTpdDrop', 'maxUnpriced', 'gateOn', 'redact', 'wait'],
  ).action(async (inputs: string[], raw: RawOptions) => {
    const { reportCommand } = await import('./commands/report.js');
    result.code = await reportCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), io);
  });

  addOptions(
    program
      .command('calibrate')
      .description('sweep the routing thresholds and the trivial rule over the logged scores and ideal routes; recommend a policy by cross-validation')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin'),
    ['db', 'config', 'week', 'last', 'since', 'until', 'all', 'format', 'out', 'inputFormat', 'map', 'keepRaw', 'memoryLimit', 'quiet', 'debug', 'color', 'embedder', 'model', 'modelDir', 'offline', 'prices', 'weekStart', 'labels', 'retryWindow', 'classifier', 'calibrateMaxDeviation', 'folds', 'writeConfig', 'force'],
  ).action(async (inputs: string[], raw: RawOptions) => {
    const { calibrateCommand } = await import('./commands/calibrate.js');
    // --max-deviation here picks a policy; in report and check it is a gate: kept apart under its own name.
    const { maxDeviation, ...rest } = raw;
    result.code = await calibrateCommand(inputs, normalizeOptions({ ...rest, calibrateMaxDeviation: maxDeviation }, io.env, io.isTTY), io);
  });

  addOptions(
    program
      .command('init')
      .description('write a starting routecheck.config.json (tiers by logged price, score thresholds) from the models in a log')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin')
      .option('--force', 'overwrite an existing config file'),
    ['db', 'inputFormat', 'map', 'keepRaw', 'out', 'memoryLimit', 'wait', 'quiet', 'debug'],
  ).action(async (inputs: string[], raw: RawOptions & { force?: boolean }) => {
    const { initCommand } = await import('./commands/init.js');
    result.code = await initCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), io, { force: Boolean(raw.force) });
  });

  addOptions(
    program
      .command('check')
      .description('the CI gate: the report\'s health gates against thresholds; exit 0 pass, 1 a gate failed, 2 usage/input error')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin'),
    ['db', 'config', 'week', 'last', 'since', 'until', 'all', 'format', 'out', 'inputFormat', 'map', 'keepRaw', 'memoryLimit', 'quiet', 'debug', 'color', 'embedder', 'model', 'modelDir', 'offline', 'similarity', 'cacheTtl', 'prices', 'weekStart', 'labels', 'retryWindow', 'jitterBand', 'classifier', 'trendWeeks', 'maxDeviation', 'maxDilution', 'maxTpdDrop', 'maxUnpriced', 'gateOn', 'junit', 'strict', 'redact', 'wait'],
  ).action(async (inputs: string[], raw: RawOptions & { junit?: string; strict?: boolean }) => {
    const { checkCommand } = await import('./commands/check.js');
    result.code = await checkCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), io, { junit: raw.junit, strict: raw.strict });
  });

  addOptions(
    program.command('history').description('the headline numbers each report stored in the database (--db), oldest first'),
    ['db', 'config', 'format', 'out', 'memoryLimit', 'wait', 'quiet', 'debug', 'color'],
  ).action(async (raw: RawOptions) => {
    const { historyCommand } = await import('./commands/history.js');
    result.code = await historyCommand(normalizeOptions(raw, io.env, io.isTTY), io);
  });

  addOptions(
    program
      .command('export')
      .description('write the enriched per-request table (cost, tier, ideal tier, deviation, retry, cluster) as Parquet, CSV or Arrow IPC')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin')
      .addOption(new Option('--format <format>', "parquet|csv|arrow (default: from --out's extension)"))
      .addOption(new Option('--partition <by>', 'write a folder of hive partitions (--out DIR): week=YYYY-MM-DD/…').choices(['week'])),
    ['db', 'config', 'week', 'last', 'since', 'until', 'all', 'out', 'inputFormat', 'map', 'keepRaw', 'memoryLimit', 'quiet', 'debug', 'embedder', 'model', 'modelDir', 'offline', 'similarity', 'prices', 'weekStart', 'labels', 'retryWindow', 'jitterBand', 'classifier', 'redact', 'wait'],
  ).action(async (inputs: string[], raw: RawOptions) => {
    const { exportCommand } = await import('./commands/export.js');
    // --format here names a file format, not a report format: kept out of the common options.
    const { format, partition, ...common } = raw;
    result.code = await exportCommand(inputs, normalizeOptions(common, io.env, io.isTTY), io, format as string | undefined, partition as 'week' | undefined);
  });

  program
    .command('demo')
    .description('write a deterministic demo log with the failure modes routecheck finds')
    .requiredOption('--out <dir>', 'folder to write (logs/, routecheck.config.json, labels.csv, truth.json)')
    .option('--days <n>', 'days of traffic', '42')
    .option('--seed <n>', 'random seed', '1')
    .option('--start <date>', 'first day (a Monday)', '2025-02-10')
    .option('--scale <x>', 'volume multiplier (1 ≈ 40k requests over 42 days)', '1')
    .option('--healthy', 'a healthy router: low deviation, stable prices, content-only cache key')
    .option('--quiet', 'print nothing but errors')
    .option('--debug', 'print stack traces for unexpected errors')
    .action(async (raw) => {
      const { demoCommand } = await import('./commands/demo.js');
      result.code = await demoCommand(raw, io);
    });

  // `prices show` / `prices check` are registered by commands/prices.ts; `prices update` and `prices watch` here.
  const prices = program
    .command('prices')
    .description('prices in force, unpriced models in logs, a fresher price catalog, and a watch on provider price lists');
  registerPrices(prices, io, result);
  registerPricesUpdate(prices, io, result);
  registerPricesWatch(prices, io, result);

  return program;
}
