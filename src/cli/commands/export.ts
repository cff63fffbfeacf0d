import { withDatabase } from '../../db/database.js';
import { UsageError } from '../../errors.js';
import { buildExportTable, dropExportTables } from '../../export/enriched.js';
import { EXPORT_FORMATS, exportFormatOf, writeExport, type ExportFormat } from '../../export/write.js';
import { int } from '../../render/format.js';
import type { Report } from '../../report/report.js';
import type { RunShared } from '../../sections/section.js';
import { resolveReportWindow } from '../../window.js';
import { runEffects } from '../effects.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';

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
): Promise<number> {
  if (inputs.length === 0 && !options.db) {
    throw new UsageError('export needs log files (routecheck export logs/ --out requests.parquet) or a database (--db FILE)');
  }
  if (!options.out) throw new UsageError('export needs --out FILE (.parquet, .csv or .arrow)');
  let chosen: ExportFormat | null;
  if (format !== undefined) {
    if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw new UsageError(`--format "${format}" is not one of ${EXPORT_FORMATS.join(', ')}`);
    chosen = format as ExportFormat;
  } else {
    chosen = exportFormatOf(options.out);
    if (!chosen) throw new UsageError(`cannot tell the format from "${options.out}": end it in .parquet, .csv or .arrow, or give --format`);
  }
  const out = options.out;
  return withDatabase({ path: options.db ?? ':memory:', memoryLimit: options.memoryLimit }, async (db) => {
    await loadInputs(db, inputs, options, io);
    const range = await db.one<{ first: Date | null; last: Date | null }>('SELECT min(ts) AS first, max(ts) AS last FROM requests');
    const spec = options.window.kind === 'default' ? ({ kind: 'all' } as const) : options.window;
    const { window } = resolveReportWindow(spec, { first: range?.first ?? null, last: range?.last ?? null });
    const params = { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null };
    const effects = runEffects(io, options);
    // The replay section reads nothing of the report; it needs only the window and the settings.
    const replay = options.classifier
      ? async (): Promise<void> => {
          const { replaySection } = await import('../../sections/replay.js');
          const none = { from: null, to: null };
          await replaySection.build(
            { db, window, params, previous: null, previousParams: null, trend: none, trendParams: none, settings: options, effects, shared: unused },
            {} as Report,
          );
        }
      : undefined;
    try {
      const prep = await buildExportTable({ db, params, settings: options, effects, ...(replay ? { replay } : {}) });
      await writeExport(db, out, chosen);
      effects.log(`wrote ${out}: ${int(prep.rows)} requests (${chosen})`);
    } finally {
      await dropExportTables(db);
    }
    return 0;
  });
}

/** The replay section needs no shared preparation; anything that asks for it here is a bug. */
const unused: RunShared = {
  routing: () => Promise.reject(new Error('export: the replay section asked for the routing tables')),
  costs: () => Promise.reject(new Error('export: the replay section asked for cost facts')),
};
