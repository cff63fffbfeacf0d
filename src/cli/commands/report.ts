import { withDatabase } from '../../db/database.js';
import { UsageError } from '../../errors.js';
import { buildReport } from '../../report/report.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { writeReport } from '../report-output.js';

/**
 * `routecheck report [FILES…] [--db FILE]`: files alone are loaded into an in-memory database;
 * with --db they are appended to it first and the report covers the whole database.
 */
export async function reportCommand(inputs: string[], options: CommonOptions, io: Io, sectionOptions: Record<string, unknown> = {}): Promise<number> {
  if (inputs.length === 0 && !options.db) {
    throw new UsageError('report needs log files (routecheck report logs/) or a database (--db FILE)');
  }
  return withDatabase({ path: options.db ?? ':memory:', memoryLimit: options.memoryLimit }, async (db) => {
    const loaded = await loadInputs(db, inputs, options, io);
    const report = await buildReport(db, {
      window: options.window,
      since: options.since,
      until: options.until,
      inputs: loaded,
      config: options.config,
      sectionOptions,
      log: (m) => (options.quiet ? undefined : io.stderr(m + '\n')),
    });
    writeReport(report, options, io);
    return 0;
  });
}
