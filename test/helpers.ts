import { withDatabase, type Row } from '../src/db/database.js';
import { ingestFile, type FileSummary, type IngestOptions } from '../src/load/ingest.js';

export interface Loaded {
  summary: FileSummary;
  /** Rows of `requests` in file order, canonical columns only (raw/record_key/ingested_at left out). */
  rows: Row[];
  rejects: Row[];
}

/** Ingests one file into a fresh in-memory DuckDB and returns what landed where. */
export async function loadFile(path: string, options: IngestOptions = {}): Promise<Loaded> {
  return withDatabase({ path: ':memory:' }, async (db) => {
    const summary = await ingestFile(db, path, path, options);
    const rows = await db.all(
      `SELECT * EXCLUDE (raw, record_key, ingested_at), epoch_ms(ts) AS ts_ms FROM requests ORDER BY source_line`,
    );
    const rejects = await db.all(`SELECT source_line, reason, raw FROM rejects ORDER BY source_line`);
    return { summary, rows, rejects };
  });
}
