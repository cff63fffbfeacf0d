import { UsageError } from '../../errors.js';
import { buildReport } from '../../report/report.js';
import { withRunDatabase } from '../database.js';
import { runEffects } from '../effects.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { writeReport } from '../report-output.js';

/**
 * `routecheck report [FILES…] [--db FILE]`: files alone are loaded into an in-memory database;
 * with --db they are appended to it first and the report covers the whole database.
 */
export async function reportCommand(inputs: string[], settings: CommonOptions, io: Io): Promise<number> {
  if (inputs.length === 0 && !settings.db) {
    throw new UsageError('report needs log files (routecheck report logs/) or a database (--db FILE)');
  }
  return withRunDatabase(settings, io, { path: settings.db ?? ':memory:', appends: inputs.length > 0 }, async (db) => {
    const loaded = await loadInputs(db, inputs, settings, io);
    const report = await buildReport(db, { inputs: loaded, settings, effects: runEffects(io, settings) });
    writeReport(report, settings, io);
    return 0;
  });
}
