import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { Bool, Float64, Int64, RecordBatchFileWriter, Table, TimestampMillisecond, Utf8, vectorFromArray, type DataType } from 'apache-arrow';
import type { Database, Row } from '../db/database.js';
import { quoteIdent, quoteLiteral } from '../db/sql.js';
import { csvFormulaSql } from '../render/escape.js';
import { HASH_HEX } from '../report/redact.js';
import type { RedactMode } from '../settings.js';
import { EXPORT_COLUMNS, type ColumnKind } from './enriched.js';

export type ExportFormat = 'parquet' | 'csv' | 'arrow';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['parquet', 'csv', 'arrow'];

/** `.parquet` → parquet, `.csv` → csv, `.arrow` / `.feather` / `.ipc` → arrow (the IPC file format). */
export function exportFormatOf(path: string): ExportFormat | null {
  const ext = /\.([^./\\]+)$/.exec(path.toLowerCase())?.[1];
  if (ext === 'parquet' || ext === 'pq') return 'parquet';
  if (ext === 'csv') return 'csv';
  if (ext === 'arrow' || ext === 'feather' || ext === 'ipc') return 'arrow';
  return null;
}

/** Rows per Arrow record batch: each batch is one query, so JS holds one batch at a time. */
export const ARROW_BATCH_ROWS = 50_000;

/**
 * `--redact hash`: the prompt and the user and session ids are written as the first 12 hex digits of their SHA-256
 * (report/redact.ts' textHash, so a hash in the report finds its row here). `truncate` and `none` write them as
 * logged: the export is the user's own per-request table, written where they said.
 */
export const HASHED_COLUMNS: ReadonlySet<string> = new Set(['input', 'user_id', 'session_id']);

/**
 * The columns as written. In CSV a text cell a spreadsheet would run as a formula gets a `'` in front (escape.ts,
 * the rule the report's CSV follows); typed columns are left alone, so a negative number stays a number. Parquet
 * and Arrow are typed files and keep every value as it is.
 */
function selectColumns(format: ExportFormat, redact: RedactMode): string {
  return EXPORT_COLUMNS.map((c) => {
    const name = quoteIdent(c.name);
    let expr = redact === 'hash' && HASHED_COLUMNS.has(c.name) ? `left(sha256(${name}), ${HASH_HEX})` : name;
    if (format === 'csv' && c.kind === 'text') expr = csvFormulaSql(expr);
    return expr === name ? name : `${expr} AS ${name}`;
  }).join(', ');
}

/**
 * Writes rc_export to `path`. Parquet and CSV are DuckDB's own COPY (no row passes through JS); Arrow IPC is
 * written by apache-arrow from DuckDB results read in batches of ARROW_BATCH_ROWS.
 */
export async function writeExport(db: Database, path: string, format: ExportFormat, redact: RedactMode = 'none', partition?: 'week'): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const columns = selectColumns(format, redact);
  if (format === 'arrow') return writeArrow(db, path, columns);
  // COPY takes a literal file name, not a parameter.
  const base = format === 'parquet' ? 'FORMAT parquet, COMPRESSION zstd' : 'FORMAT csv, HEADER true';
  // Hive partitions (week=YYYY-MM-DD/data_0.parquet): the layout DuckDB, Spark and Trino read as one table, and
  // routecheck reads back as an input folder. The partition column lives in the path; WRITE_PARTITION_COLUMNS
  // keeps it in the files too, so a file read alone still has it. A re-export replaces the folder's files.
  const options = partition ? `(${base}, PARTITION_BY (${quoteIdent(partition)}), WRITE_PARTITION_COLUMNS true, OVERWRITE true)` : `(${base})`;
  await db.run(`COPY (SELECT ${columns} FROM rc_export ORDER BY rn) TO ${quoteLiteral(path)} ${options}`);
}

const ARROW_TYPE: Record<ColumnKind, () => DataType> = {
  text: () => new Utf8(),
  timestamp: () => new TimestampMillisecond('UTC'),
  double: () => new Float64(),
  bigint: () => new Int64(),
  boolean: () => new Bool(),
};

/** A DuckDB value as the Arrow builder of its column takes it. */
function arrowValue(kind: ColumnKind, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'timestamp':
      return v instanceof Date ? v.getTime() : Date.parse(String(v));
    case 'bigint':
      return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    case 'double':
      return Number(v);
    case 'boolean':
      return Boolean(v);
    default:
      return String(v);
  }
}

/** One record batch of rows, typed by EXPORT_COLUMNS. Pure. */
export function toArrowTable(rows: readonly Row[]): Table {
  const vectors = Object.fromEntries(
    EXPORT_COLUMNS.map((c) => [c.name, vectorFromArray(rows.map((r) => arrowValue(c.kind, r[c.name])) as never[], ARROW_TYPE[c.kind]())]),
  );
  return new Table(vectors);
}

async function writeArrow(db: Database, path: string, columns: string): Promise<void> {
  const writer = new RecordBatchFileWriter();
  const out = createWriteStream(path);
  writer.toNodeStream().pipe(out);
  const total = Number((await db.one('SELECT count(*) AS n FROM rc_export'))?.['n'] ?? 0);
  // An empty export still has its schema.
  if (total === 0) for (const batch of toArrowTable([]).batches) writer.write(batch);
  for (let start = 1; start <= total; start += ARROW_BATCH_ROWS) {
    const rows = await db.all(`SELECT ${columns} FROM rc_export WHERE rn >= $a AND rn < $b ORDER BY rn`, { a: start, b: start + ARROW_BATCH_ROWS });
    for (const batch of toArrowTable(rows).batches) writer.write(batch);
  }
  writer.finish();
  await finished(out);
}
