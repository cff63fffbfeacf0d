import Papa from 'papaparse';
import type { Database } from '../db/database.js';
import { quoteLiteral } from '../db/sql.js';
import type { Framing, Sample } from './formats/types.js';
import { readArrowAsJsonl } from './arrow.js';
import { MAX_LINE_BYTES } from './scan.js';
/**
 * The largest single JSON document (a top-level array is split into elements, each within this limit).
 * DuckDB allocates twice this per read, so it must stay well inside the default 1 GB memory limit.
 */
const MAX_DOCUMENT_BYTES = 128 * 1024 * 1024;
/** read_csv would otherwise size its buffers at 16× the line limit, per thread (1 GB each at 64 MB lines). */
const BUFFER_BYTES = 2 * MAX_LINE_BYTES;

/**
 * Options that make read_csv return each physical line as one VARCHAR, blank lines included. The delimiter \x01
 * must not occur in a line, nor a lone CR: scan.ts takes such lines out first (and bytes that are not UTF-8).
 */
const LINE_READER = `columns={'raw': 'VARCHAR'}, header=false, delim=E'\\x01', quote='', escape='',
  auto_detect=false, strict_mode=false, ignore_errors=true, store_rejects=true,
  rejects_table='rc_csv_errors', rejects_scan='rc_csv_scans', max_line_size=${MAX_LINE_BYTES}, buffer_size=${BUFFER_BYTES}`;

export function stripCompression(path: string): string {
  return path.replace(/\.(gz|zst)$/i, '');
}

/** Framing from the file name alone, where the extension settles it. */
export function framingFromName(path: string): Framing | undefined {
  const base = stripCompression(path).toLowerCase();
  if (base.endsWith('.parquet')) return 'parquet';
  if (/\.(arrow|arrows|ipc|feather)$/.test(base)) return 'arrow';
  if (/\.(csv|tsv)$/.test(base)) return 'csv';
  return undefined;
}

const SEED_TEXT_LINE = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*\s*\|\s*[\w.-]+\s*:/;

/** Framing from the first lines of a text file. Pure. */
export function framingFromLines(lines: string[]): Framing {
  // '#' comment lines say nothing about the framing (the write-up's own log excerpt starts with one).
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'))?.trim() ?? '';
  if (first.startsWith('{') || first.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(first);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return 'jsonl';
    } catch {
      // not one object per line: a (pretty-printed) document, or broken JSON lines (decided below)
    }
    const parsedLater = lines.slice(1, 6).some((l) => {
      try {
        return typeof JSON.parse(l) === 'object';
      } catch {
        return false;
      }
    });
    return parsedLater ? 'jsonl' : 'json';
  }
  if (SEED_TEXT_LINE.test(first)) return 'text';
  return 'jsonl';
}

/** The first `n` physical lines of a (possibly compressed) file, read by DuckDB. */
export async function firstLines(db: Database, path: string, n = 50): Promise<string[]> {
  const rows = await db.all<{ raw: string | null }>(
    `SELECT raw FROM read_csv($path, ${LINE_READER.replace(/store_rejects=true,\s*rejects_table='rc_csv_errors', rejects_scan='rc_csv_scans',/, '')}) LIMIT ${n}`,
    { path },
  );
  return rows.map((r) => r.raw ?? '');
}

/** A problem found while splitting a file into records: (line, reason, raw). */
export interface FrameError {
  line: number | null;
  reason: string;
  raw: string | null;
}

export interface FramedFile {
  /**
   * Problems found while splitting the file into records, as few as a whole-file reject. The reader's per-line
   * errors, which may be as many as the lines, are in temp table `rc_frame_errors(line, reason, raw)` instead.
   */
  frameErrors: FrameError[];
}

/** The per-line problems of one file's framing, any number of them: rejects to be (ingest.ts). */
export const FRAME_ERRORS = 'rc_frame_errors';

export async function createFrameErrors(db: Database): Promise<void> {
  await db.run(`CREATE TEMP TABLE IF NOT EXISTS ${FRAME_ERRORS} (line BIGINT, reason VARCHAR, raw VARCHAR)`);
}

/**
 * Splits a file into records in temp table `rc_framed(line BIGINT, raw VARCHAR)`.
 * DuckDB reads the bytes (including .gz and .zst); JS never iterates rows here,
 * except for Arrow IPC, which DuckDB cannot read without a network-installed extension.
 */
export async function frameFile(db: Database, path: string, framing: Framing): Promise<FramedFile> {
  await dropFrameTables(db);
  await createFrameErrors(db);
  switch (framing) {
    case 'jsonl':
    case 'text':
      return frameLines(db, path, framing === 'text');
    case 'csv':
      return frameCsv(db, path);
    case 'json':
      return frameJsonDocument(db, path);
    case 'parquet':
      await db.run(`CREATE TEMP TABLE rc_rows AS SELECT * FROM read_parquet($path)`, { path });
      await db.run(`CREATE TEMP VIEW rc_framed AS SELECT rowid + 1 AS line, CAST(to_json(rc_rows) AS VARCHAR) AS raw FROM rc_rows`);
      return { frameErrors: [] };
    case 'arrow': {
      const jsonl = await readArrowAsJsonl(path);
      try {
        return await frameLines(db, jsonl.path, false);
      } finally {
        jsonl.cleanup();
      }
    }
  }
}

/**
 * read_csv keeps insertion order, so rowid + 1 is the line number, except after lines the CSV reader
 * itself rejected. Those are known by line, and each good row's number is shifted by the count of rejected lines
 * before it (see shiftedLines).
 */
async function frameLines(db: Database, path: string, keepBlank: boolean): Promise<FramedFile> {
  await db.run(`CREATE TEMP TABLE rc_rows AS SELECT raw FROM read_csv($path, ${LINE_READER})`, { path });
  const { from, line } = await shiftedLines(db, 1);
  // Blank lines arrive as NULL; a line of JSON whitespace only (spaces, tabs, a CR) is blank too. `raw >= '!'` settles
  // almost every line on its first bytes; only lines that start with whitespace pay for trim() (copying every line
  // through trim costs seconds on a million rows).
  const where = keepBlank ? '' : `WHERE raw IS NOT NULL AND (raw >= '!' OR trim(raw, E' \\t\\r') <> '')`;
  // A view, not a copy: the lines are only read once more, by the mapping.
  await db.run(`CREATE TEMP VIEW rc_framed AS SELECT ${line} AS line, coalesce(raw, '') AS raw FROM ${from} ${where}`);
  return { frameErrors: [] };
}

async function frameCsv(db: Database, path: string): Promise<FramedFile> {
  const tsv = /\.tsv$/i.test(stripCompression(path));
  const read = (options: string) =>
    db.run(
      `CREATE TEMP TABLE rc_rows AS SELECT * FROM read_csv($path, header=true, all_varchar=true${tsv ? `, delim=E'\\t'` : ''}, ${options}
         ignore_errors=true, store_rejects=true, rejects_table='rc_csv_errors', rejects_scan='rc_csv_scans',
         max_line_size=${MAX_LINE_BYTES}, buffer_size=${BUFFER_BYTES})`,
      { path },
    );
  try {
    await read('');
  } catch (sniffed) {
    // DuckDB's sniffer gives up on some damaged files ("Error when sniffing file"): such a file is read as RFC 4180
    // with its header line's names, and when even that fails it becomes one reject rather than stopping the run.
    await dropFrameTables(db);
    await createFrameErrors(db);
    const names = csvHeader((await firstLines(db, path, 1))[0] ?? '', tsv ? '\t' : ',');
    try {
      if (names.length === 0) throw sniffed;
      const columns = names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(', ');
      await read(`auto_detect=false, strict_mode=false, quote='"', escape='"', ${tsv ? '' : `delim=',', `}columns={${columns}},`);
    } catch (error) {
      await dropFrameTables(db);
      await createFrameErrors(db);
      await db.run(`CREATE TEMP TABLE rc_rows (raw VARCHAR); CREATE TEMP VIEW rc_framed AS SELECT rowid + 1 AS line, raw FROM rc_rows`);
      return { frameErrors: [{ line: null, reason: `unreadable CSV: ${firstLine(error)}`, raw: null }] };
    }
  }
  const { from, line } = await shiftedLines(db, 2);
  await db.run(`CREATE TEMP VIEW rc_framed AS SELECT ${line} AS line, CAST(to_json(rc_rows) AS VARCHAR) AS raw FROM ${from}`);
  return { frameErrors: [] };
}

/** The column names of a CSV header line, as DuckDB would name them (blank: column0…, repeated: name_1…). Pure. */
export function csvHeader(line: string, delimiter: string): string[] {
  const parsed = Papa.parse<string[]>(line.replace(/^\uFEFF/, ''), { delimiter, header: false });
  const cells = parsed.data[0] ?? [];
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell === '' ? `column${i}` : cell;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** A JSON document (object or array, possibly pretty-printed). Record number = element index. */
async function frameJsonDocument(db: Database, path: string): Promise<FramedFile> {
  let frameErrors: FramedFile['frameErrors'] = [];
  try {
    await db.run(
      `CREATE TEMP TABLE rc_rows AS SELECT CAST(json AS VARCHAR) AS raw
       FROM read_json_objects($path, format='auto', maximum_object_size=${MAX_DOCUMENT_BYTES})`,
      { path },
    );
  } catch (error) {
    // A broken document cannot be split into records: the whole file becomes one reject, with its text.
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    const text = await db.one<{ content: string }>(`SELECT content FROM read_text($path)`, { path }).catch(() => undefined);
    await db.run(`CREATE TEMP TABLE rc_rows (raw VARCHAR)`);
    frameErrors = [{ line: null, reason: `malformed JSON document: ${message}`, raw: text?.content ?? null }];
  }
  await db.run(`CREATE TEMP VIEW rc_framed AS SELECT rowid + 1 AS line, raw FROM rc_rows`);
  return { frameErrors };
}

/** Temp objects of one file's load; dropped before the next file and after the last. */
export async function dropFrameTables(db: Database): Promise<void> {
  await db.run(`DROP VIEW IF EXISTS rc_framed; DROP TABLE IF EXISTS rc_rows;
    DROP TABLE IF EXISTS rc_csv_errors; DROP TABLE IF EXISTS rc_csv_scans; DROP TABLE IF EXISTS rc_mapped;
    DROP TABLE IF EXISTS rc_unwrapped; DROP TABLE IF EXISTS ${FRAME_ERRORS}; DROP TABLE IF EXISTS rc_line_shift`);
}

/**
 * The CSV reader's rejected lines go to rc_frame_errors, in SQL (a file may have as many as it has lines), and the
 * good rows' line numbers are shifted past them: good row k (0-based) comes after rejected line L_i (1-based i) iff
 * k >= L_i - first - (i - 1), so rc_line_shift holds those thresholds and an ASOF join finds each row's shift.
 * Without rejected lines (nearly always) the line is rowid + first.
 */
async function shiftedLines(db: Database, first: number): Promise<{ from: string; line: string }> {
  const exists = await db.one(`SELECT 1 AS x FROM duckdb_tables() WHERE table_name = 'rc_csv_errors'`);
  const rejected = exists ? await db.scalar(`SELECT count(DISTINCT line) FROM rc_csv_errors`) : 0;
  if (!rejected) return { from: 'rc_rows', line: `rowid + ${first}` };
  // One bad line can be reported once per column: keep one error per line (the first column's).
  await db.run(`INSERT INTO ${FRAME_ERRORS}
    SELECT line, ${readerReason('arg_min(error_type, coalesce(column_idx, -1))', 'arg_min(error_message, coalesce(column_idx, -1))')},
      arg_min(csv_line, coalesce(column_idx, -1))
    FROM rc_csv_errors GROUP BY line`);
  await db.run(`CREATE TEMP TABLE rc_line_shift AS
    SELECT max(t) AS t, max(i) AS shift FROM (
      SELECT line - ${first} - (row_number() OVER (ORDER BY line) - 1) AS t, row_number() OVER (ORDER BY line) AS i
      FROM (SELECT DISTINCT line FROM rc_csv_errors)) GROUP BY t`);
  return {
    from: 'rc_rows ASOF LEFT JOIN rc_line_shift s ON rc_rows.rowid >= s.t',
    line: `rc_rows.rowid + ${first} + coalesce(s.shift, 0)`,
  };
}

/** The reject reason of a CSV reader error, as SQL over its type and message. */
function readerReason(type: string, message: string): string {
  return `CASE ${type}
      WHEN 'INVALID ENCODING' THEN 'not valid UTF-8'
      WHEN 'LINE SIZE OVER MAXIMUM' THEN 'line longer than ${MAX_LINE_BYTES} bytes'
      WHEN 'MISSING COLUMNS' THEN 'CSV row has fewer columns than the header'
      WHEN 'TOO MANY COLUMNS' THEN 'CSV row has more columns than the header'
      ELSE 'unreadable: ' || split_part(${message}, chr(10), 1) END`;
}

/**
 * SQL for a good row's line number given the rejected line numbers (ascending) and the first data line (for small
 * files whose rejected lines are few, such as --labels; the loader uses shiftedLines).
 * Good row k (0-based) comes after rejected line L_i (1-based i) iff k >= L_i - first - (i - 1).
 * Pure; the list is small (only reader-level rejects).
 */
export function lineFix(rejectedLines: number[], first: number): string {
  const sorted = [...rejectedLines].sort((a, b) => a - b);
  if (sorted.length === 0) return `rowid + ${first}`;
  const thresholds = sorted.map((l, i) => l - first - i);
  const shifts = thresholds.map((t) => `(rowid >= ${t})::BIGINT`).join(' + ');
  return `rowid + ${first} + ${shifts}`;
}

/** The sample detection sees: first lines, and the first records parsed as objects. */
export async function sampleFile(db: Database, path: string, framing: Framing): Promise<Sample> {
  if (framing === 'jsonl' || framing === 'text' || framing === 'json') {
    const lines = (await firstLines(db, path)).filter((l) => l.trim() !== '');
    let objects: Record<string, unknown>[] = [];
    if (framing === 'jsonl') {
      objects = lines.flatMap((l) => {
        try {
          const v: unknown = JSON.parse(l);
          return v !== null && typeof v === 'object' && !Array.isArray(v) ? [v as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      });
    } else if (framing === 'json') {
      const rows = await db
        .all<{ json: string }>(`SELECT CAST(json AS VARCHAR) AS json FROM read_json_objects($path, format='auto', maximum_object_size=${MAX_DOCUMENT_BYTES}) LIMIT 20`, { path })
        .catch(() => []);
      // DuckDB reads NaN and Infinity, JSON.parse does not: such a record is left out of the sample, not fatal.
      objects = parseObjects(rows.map((r) => r.json));
    }
    return { framing, lines, objects };
  }
  // Columnar and CSV: frame first, then look at the first rows.
  return { framing, lines: [], objects: [] };
}

/** After framing a csv/parquet/arrow file, its first rows as objects (for detection). */
export async function sampleFramed(db: Database, framing: Framing): Promise<Sample> {
  const rows = await db.all<{ raw: string }>(`SELECT raw FROM rc_framed ORDER BY line LIMIT 20`);
  return { framing, lines: rows.map((r) => r.raw), objects: parseObjects(rows.map((r) => r.raw)) };
}

/**
 * Every top-level key that occurs in the framed records, found by DuckDB over all of them: formats with many
 * alternative spellings read only the paths a file uses (each extra path costs a lookup on every row), and a
 * spelling used by 50 records in a million must still be read. Rows of a CSV or columnar file all have its columns.
 */
export async function recordKeys(db: Database): Promise<Set<string>> {
  const columns = await db.all<{ name: string }>(
    `SELECT column_name AS name FROM duckdb_columns() WHERE table_name = 'rc_rows' AND database_name = 'temp' ORDER BY column_index`,
  );
  const unwrapped = await db.one(`SELECT 1 AS x FROM duckdb_tables() WHERE table_name = 'rc_unwrapped' AND temporary`);
  if (!unwrapped && !(columns.length === 1 && columns[0]!.name === 'raw')) return new Set(columns.map((c) => c.name));
  // try(): a record that is not JSON has no keys (it becomes a 'malformed JSON' reject in the mapping).
  const rows = await db.all<{ key: string }>(`SELECT DISTINCT unnest(try(json_keys(raw))) AS key FROM rc_framed`);
  return new Set(rows.map((r) => r.key));
}

function parseObjects(texts: string[]): Record<string, unknown>[] {
  return texts.flatMap((t) => {
    try {
      const v: unknown = JSON.parse(t);
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}
