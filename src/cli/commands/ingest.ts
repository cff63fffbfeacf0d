import { renderJson } from '../../render/json.js';
import { withRunDatabase } from '../database.js';
import { int } from '../../render/format.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { writeOutput } from '../output.js';
import { plural } from '../../words.js';

export const DEFAULT_DB = '.routecheck/routecheck.duckdb';

/** `routecheck ingest FILES…`: append logs to a persistent database. */
export async function ingestCommand(inputs: string[], options: CommonOptions, io: Io): Promise<number> {
  const path = options.db ?? DEFAULT_DB;
  return withRunDatabase(options, io, { path, appends: true }, async (db) => {
    const summaries = await loadInputs(db, inputs, options, io);
    const loaded = summaries.reduce((s, x) => s + x.loaded, 0);
    const rejected = summaries.reduce((s, x) => s + x.rejected, 0);
    const total = await db.scalar('SELECT count(*) FROM requests');
    if (options.format === 'json') {
      writeOutput(renderJson({ database: path, files: summaries, loaded, rejected, total_requests: total }), options, io);
    } else if (!options.quiet) {
      io.stderr(`${path}: ${plural(loaded, 'new request')} from ${plural(summaries.length, 'file')}, ${int(rejected)} rejected; ${plural(total ?? 0, 'request')} in the database\n`);
    }
    return 0;
  });
}
