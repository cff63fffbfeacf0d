import { existsSync } from 'node:fs';
import { InputError, UsageError } from '../../errors.js';
import { heading, info, type Block } from '../../render/blocks.js';
import { when } from '../../render/format.js';
import { renderJson } from '../../render/json.js';
import { trendTable } from '../../sections/history.js';
import { drawDocument } from '../../render/terminal.js';
import { readHistory, type TrendRow } from '../../report/history.js';
import { withRunDatabase } from '../database.js';
import type { Io } from '../io.js';
import type { CommonOptions } from '../options.js';
import { writeOutput } from '../output.js';
import { DEFAULT_DB } from './ingest.js';

/** `routecheck history [--db FILE]`: the headline numbers every report stored in the database, oldest first. */
export async function historyCommand(options: CommonOptions, io: Io): Promise<number> {
  if (options.format !== undefined && options.format !== 'table' && options.format !== 'json') {
    throw new UsageError(`history prints table or json, not ${options.format}`);
  }
  const path = options.db ?? DEFAULT_DB;
  // Opening a missing file would create an empty database; say so instead.
  if (!existsSync(path)) throw new InputError(`no database at ${path} (run a report with --db ${path} first)`);
  return withRunDatabase(options, io, { path, appends: false }, async (db) => {
    const rows = await readHistory(db);
    const text =
      options.format === 'json'
        ? renderJson({ database: path, reports: rows })
        : drawDocument([{ section: 'history', blocks: historyBlocks(rows, path) }], { color: options.color, width: Math.min(io.columns, 100) });
    writeOutput(text, options, io);
    return 0;
  });
}

export function historyBlocks(rows: readonly TrendRow[], path: string): Block[] {
  const out: Block[] = [heading('Report history', 2, path)];
  if (rows.length === 0) {
    out.push(info('no report stored yet: `routecheck report --db FILE` stores one per window.'));
    return out;
  }
  out.push(trendTable('history', rows, (t) => t.label ?? `${when(t.window_from)} → ${when(t.window_to)}`));
  return out;
}
