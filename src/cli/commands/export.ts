import { UsageError } from '../../errors.js';
import { buildExportTable, dropExportTables } from '../../export/enriched.js';
import { EXPORT_FORMATS, exportFormatOf, writeExport, type ExportFormat } from '../../export/write.js';
import { int } from '../../render/format.js';
import { replayWindow } from '../../sections/replay.js';
import { resolveReportWindow } from '../../window.js';
import { withRunDatabase } from '../database.js';
import { runEffects } from '../effects.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { replaceAtomicAsync } from '../output.js';
import { plural } from '../../words.js';

/**
 * `routecheck export [FILES…] [--db FILE] --out FILE`: the enriched per-request table (export/enriched.ts) as
 * Parquet, CSV or Arrow IPC, for notebooks and dashboards. Without a window flag it covers all the data
 * (a report's default is one week; an export is for analysis).
 */
export async function exportCommand(
  inputs: string[],
  options: CommonOptions,
  io: Io,
  format: string | undefined,
  partition?: 'week',
): Promise<number> {
  if (inputs.length === 0 && !options.db) {
    throw new UsageError('export needs log files (routecheck export logs/ --out requests.parquet) or a database (--db FILE)');
  }
  if (!options.out) throw new UsageError('export needs --out FILE (.parquet, .csv or .arrow)');
  let chosen: ExportFormat | null;
  if (format !== undefined) {
    if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw new UsageError(`--format "${format}" is not one of ${EXPORT_FORMATS.join(', ')}`);
    chosen = format as ExportFormat;
  } else if (partition) {
    // A folder of partitions: Parquet unless --format says otherwise.
    chosen = 'parquet';
  } else {
    chosen = exportFormatOf(options.out);
    if (!chosen) throw new UsageError(`cannot tell the format from "${options.out}": end it in .parquet, .csv or .arrow, or give --format`);
  }
  if (partition && chosen === 'arrow') throw new UsageError('--partition writes Parquet or CSV folders, not Arrow IPC');
  const out = options.out;
  return withRunDatabase(options, io, { path: options.db ?? ':memory:', appends: inputs.length > 0 }, async (db) => {
    await loadInputs(db, inputs, options, io);
    const range = await db.one<{ first: Date | null; last: Date | null }>('SELECT min(ts) AS first, max(ts) AS last FROM requests');
    const spec = options.window.kind === 'default' ? ({ kind: 'all' } as const) : options.window;
    const { window } = resolveReportWindow(spec, { first: range?.first ?? null, last: range?.last ?? null });
    const params = { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null };
    const effects = runEffects(io, options);
    // With --classifier, the replayed ideal routes are exported too (the report's replay, on the export window).
    const replay = async (): Promise<void> => void (await replayWindow(db, params, options, effects));
    try {
      const prep = await buildExportTable({ db, params, settings: options, effects, replay });
      if (partition) {
        // A folder of partitions: COPY replaces its files (OVERWRITE); there is no single file to swap in.
        await writeExport(db, out, chosen, options.redact, partition);
      } else {
        // Whole or not at all: a full disk leaves the previous export as it was.
        await replaceAtomicAsync(out, (temp) => writeExport(db, temp, chosen, options.redact));
      }
      effects.log(`wrote ${out}: ${plural(prep.rows, 'request')} (${chosen}${partition ? `, a folder of ${partition}=… partitions` : ''})`);
    } finally {
      await dropExportTables(db);
    }
    return 0;
  });
}
