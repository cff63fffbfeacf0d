import type { Database } from '../db/database.js';
import { InputError, UserError } from '../errors.js';
import { discoverInputs } from '../load/discover.js';
import { ingestFile, type FileSummary } from '../load/ingest.js';
import { ingestPostgres, OVERLAP_MS, type ReadPlan } from '../load/postgres.js';
import { readSpan } from '../report/read-span.js';
import { terminalLine } from '../render/escape.js';
import { int } from '../render/format.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';
import { progressSink, statusLine } from './progress.js';
import { plural } from '../words.js';

/** Loads every input into the database, printing one summary line per file on stderr (unless --quiet). */
export async function loadInputs(db: Database, inputs: string[], options: CommonOptions, io: Io): Promise<FileSummary[]> {
  if (!options.quiet && options.config.unknownKeys.length > 0) {
    io.stderr(terminalLine(`routecheck: warning: ${options.config.file}: unknown keys ignored: ${options.config.unknownKeys.join(', ')}`) + '\n');
  }
  const { files, notes, cleanup } = await discoverInputs(inputs, io.stdin, io.env);
  try {
    if (!options.quiet) for (const note of notes) io.stderr(`routecheck: note: ${note}\n`);
    const summaries: FileSummary[] = [];
    // On a terminal, the file being loaded and the seconds it has taken (erased before its summary line).
    const status = statusLine(progressSink(io, options.quiet));
    for (const [i, file] of files.entries()) {
      let s: FileSummary;
      let plan: ReadPlan | null = null;
      status.start(`loading ${terminalLine(file.label)}${files.length > 1 ? ` (${i + 1} of ${files.length})` : ''}…`);
      try {
        if (file.postgres) {
          // The server filters: only the request times the run reads, and with --db only rows after the last run's.
          const load = await ingestPostgres(db, file.postgres, { map: options.map, keepRaw: options.keepRaw, env: io.env, span: readSpan(options) });
          s = load.summary;
          plan = load.plan;
        } else {
          s = await ingestFile(db, file.path, file.label, { inputFormat: options.inputFormat, map: options.map, keepRaw: options.keepRaw });
        }
      } catch (error) {
        status.clear();
        // A file DuckDB cannot read at all (unreadable, not the format it claims): one clear line, exit 2.
        if (error instanceof UserError) throw error;
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        throw new InputError(`cannot load ${file.label}: ${message}`, { cause: error });
      }
      status.clear();
      summaries.push(s);
      if (!options.quiet) io.stderr(summaryLine(s) + '\n');
      if (!options.quiet) for (const warning of s.warnings ?? []) io.stderr(`routecheck: warning: ${s.file}: ${warning}\n`);
      const read = plan && planLine(plan);
      if (!options.quiet && read) io.stderr(`  ${read}\n`);
    }
    // Only when files were named (a folder without logs): `report --db FILE` alone reads the database, no files.
    if (!options.quiet && inputs.length > 0 && files.length === 0) io.stderr('no log files found in the inputs\n');
    return summaries;
  } finally {
    cleanup();
  }
}

export function summaryLine(s: FileSummary): string {
  const parts = [`${int(s.loaded)} loaded`, `${int(s.rejected)} rejected`];
  if (s.duplicates > 0) parts.push(`${int(s.duplicates)} already loaded`);
  if (s.skipped > 0) parts.push(`${int(s.skipped)} skipped (not LLM calls)`);
  // One line whatever the file is called (a name may hold a line feed or an escape sequence).
  return terminalLine(`${s.file}: ${s.format}, ${plural(s.records, 'record')}: ${parts.join(', ')}`);
}

/** What part of a database source was read, when not all of it. Pure. */
export function planLine(plan: ReadPlan): string | null {
  const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
  const until = plan.to ? ` up to ${iso(plan.to)}` : '';
  switch (plan.basis) {
    case 'all':
      return plan.to ? `rows read: startTime before ${iso(plan.to)} (what the window needs)` : null;
    case 'mark':
      return `rows read: startTime from ${iso(plan.from!)}${until} (${OVERLAP_MS / 3_600_000} h before the latest row of the last run)`;
    case 'span':
      return `rows read: startTime from ${iso(plan.from!)}${until} (what the window needs)`;
  }
}
