import { Command } from 'commander';
import type { Io } from './io.js';
import { addOptions, normalizeOptions, type RawOptions } from './options.js';
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
    ['db', 'config', 'inputFormat', 'map', 'format', 'out', 'memoryLimit', 'quiet', 'debug'],
  ).action(async (inputs: string[], raw: RawOptions) => {
    const { ingestCommand } = await import('./commands/ingest.js');
    result.code = await ingestCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), io);
  });

  addOptions(
    program
      .command('report')
      .description('print the report for log files (loaded in memory) or for a database (--db)')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin'),
    ['db', 'config', 'since', 'until', 'format', 'out', 'inputFormat', 'map', 'memoryLimit', 'quiet', 'debug', 'color', 'embedder', 'model', 'modelDir', 'offline', 'prices', 'weekStart'],
  ).action(async (inputs: string[], raw: RawOptions) => {
    const { reportCommand } = await import('./commands/report.js');
    // Section flags (--prices, --embedder, …) are validated by the section that owns them.
    result.code = await reportCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), io, { ...raw });
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

  // `prices show` / `prices check` are registered by commands/prices.ts; `prices watch` here.
  const prices = program.command('prices').description('prices in force, unpriced models in logs, and a watch on provider price lists');
  registerPrices(prices, io, result);
  registerPricesWatch(prices, io, result);

  return program;
}
