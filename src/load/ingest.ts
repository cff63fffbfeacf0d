import { statSync } from 'node:fs';
import type { Database } from '../db/database.js';
import { CANONICAL_FIELDS } from './canonical.js';
import { quoteIdent } from '../db/sql.js';
import { detectFormat, formatByName } from './formats/index.js';
import { native } from './formats/native.js';
import type { LogFormat } from './formats/types.js';
import { createFrameErrors, dropFrameTables, FRAME_ERRORS, type FrameError, framingFromLines, framingFromName, firstLines, frameFile, sampleFile, sampleFramed, recordKeys } from './frame.js';
import { compileMapping } from './mapping.js';
import { MAX_LINE_BYTES, scanBytes, type ByteScan } from './scan.js';
import { privateTempDir, type TempDir } from '../temp.js';
import { isEnvelopeSample, unwrapEnvelopes } from './envelope.js';

export interface IngestOptions {
  /** A format name to use instead of detection. */
  inputFormat?: LogFormat;
  /** --map field=json.path overrides (already parsed). */
  map?: Record<string, string>;
  /**
   * Store each loaded record's raw text in `requests.raw` (--keep-raw). Off by default: a loaded record is kept as its
   * mapped fields plus its file and line (rejects always keep their text). Copying every line's text into the
   * database doubled the load's write (BENCHMARKS.md) and kept whole records (headers, metadata) nobody reads.
   */
  keepRaw?: boolean;
}

/** The one-line-per-file summary printed on stderr and kept in the `ingests` table. */
export interface FileSummary {
  file: string;
  format: string;
  records: number;
  loaded: number;
  rejected: number;
  duplicates: number;
  skipped: number;
  /** What the user must hear about the file beyond its counts (an archive that ends early). */
  warnings?: string[];
}

const COLUMNS_OF_M = CANONICAL_FIELDS.map((f) => 'm.' + quoteIdent(f.name)).join(', ');
/** The inserted columns by name: a --db from an older version has newer canonical columns at the end. */
const REQUEST_COLUMNS = [...CANONICAL_FIELDS.map((f) => quoteIdent(f.name)), 'source_file', 'source_line', 'format', 'raw', 'record_key', 'ingested_at'].join(', ');

/**
 * Loads one file into `requests`, sending every record that cannot be used to `rejects` with its line,
 * reason and text. Idempotent: a record whose key is already stored is counted as a duplicate.
 * `label` is the name stored as source_file (the path as the user gave it, or `<stdin>`).
 */
export async function ingestFile(db: Database, path: string, label: string, options: IngestOptions = {}): Promise<FileSummary> {
  let work: TempDir | undefined;
  try {
    const byName = framingFromName(path);
    // Over-long lines, bytes that are not UTF-8 and an archive that ends early are found before DuckDB reads (scan.ts).
    const scan: ByteScan = byName === 'parquet' || byName === 'arrow' ? {} : await scanBytes(path, () => (work ??= privateTempDir('routecheck-scan-')).path);
    const framing = byName ?? framingFromLines(scan.copy?.firstLines ?? (await firstLines(db, path)));
    // A JSON document is read whole (its long lines are not records), from the file unless only part of it is readable.
    const lineFramed = framing !== 'json' && framing !== 'parquet' && framing !== 'arrow';
    const readPath = scan.copy && (lineFramed || scan.damaged) ? scan.copy.path : path;
    let sample = await sampleFile(db, readPath, framing);
    const framed = await frameFile(db, readPath, framing);
    if (lineFramed && scan.badLines) await loadBadLines(db, scan.badLines.path);
    if (scan.damaged) framed.frameErrors.push({ line: scan.damaged.line, reason: scan.damaged.reason, raw: null });
    if (sample.objects.length === 0 && sample.lines.length === 0) sample = await sampleFramed(db, framing);
    // An API page ({"data": [...], "total": …}) loads as its records, which detection then sees.
    const enveloped = isEnvelopeSample(sample);
    if (enveloped) {
      await unwrapEnvelopes(db);
      sample = await sampleFramed(db, framing);
    }
    const format = options.inputFormat ?? detectFormat(sample) ?? native;
    const summary = await ingestFramed(db, label, format, framed.frameErrors, { ...options, enveloped, fileTime: () => fileTime(path) });
    if (scan.damaged) summary.warnings = [scan.damaged.warning];
    return summary;
  } finally {
    work?.remove();
  }
}

/** The scan's rejected lines (a JSONL file of {line, reason, raw}) into rc_frame_errors, by DuckDB. */
async function loadBadLines(db: Database, path: string): Promise<void> {
  // An over-long line keeps 10,000 bytes, a line that is not UTF-8 all of its (< 16 MB) text, escaped.
  await db.run(
    `INSERT INTO ${FRAME_ERRORS} SELECT line, reason, raw FROM read_json($path, format='newline_delimited',
       columns={'line': 'BIGINT', 'reason': 'VARCHAR', 'raw': 'VARCHAR'}, maximum_object_size=${8 * MAX_LINE_BYTES})`,
    { path },
  );
}

export interface FramedIngestOptions extends IngestOptions {
  /**
   * What makes a reject "already stored": its line (a file's records keep their line numbers from run to run), or
   * its text (a database source's rows are numbered by their position in one read, which the next read shifts).
   */
  rejectIdentity?: 'line' | 'raw';
  /** The records were unwrapped from API pages: those of one JSONL page share its line, so they keep their text. */
  enveloped?: boolean;
  /** The time a format without one dates its records by (anthropic-batch: the file's modification time). */
  fileTime?: () => string;
}

/**
 * The one mapping of records to rows, for every source: the records are in `rc_framed(line, raw)` (a file's
 * framing, or rows read from a database), `format` maps them, and each lands in `requests` or `rejects`.
 * Drops the frame tables when done.
 */
export async function ingestFramed(
  db: Database,
  label: string,
  format: LogFormat,
  frameErrors: FrameError[],
  options: FramedIngestOptions = {},
): Promise<FileSummary> {
  const source = format.explode ? `(${format.explode})` : 'rc_framed';
  const keys = format.fieldsFor ? await recordKeys(db) : undefined;
  const mapping = compileMapping(format, source, { overrides: options.map, keys });
  // Without explode, a record's line identifies it in rc_framed, so the mapped table keeps the raw text of rejects
  // only, and --keep-raw joins it back for the loaded records: the text is copied at most once, not twice (peak
  // memory). The records of JSONL pages share their page's line, so those keep their text.
  const joinRaw = !format.explode && !options.enveloped;
  const keepRaw = options.keepRaw === true;
  // Every row keeps its text only when --keep-raw cannot join it back; otherwise only rejects do.
  await db.run(
    `CREATE TEMP TABLE rc_mapped AS SELECT ${keepRaw && !joinRaw ? '*' : '* EXCLUDE (raw), CASE WHEN keep AND reason IS NOT NULL THEN raw END AS raw'} FROM (${mapping})`,
    mapping.includes('$file_time') ? { file_time: options.fileTime?.() ?? new Date().toISOString() } : undefined,
  );
  // The lines are not read again (rejects have their text in rc_mapped) unless --keep-raw joins them back: their
  // memory goes now, not after the insert. With long prompts the lines and the mapped table together exceed the
  // memory limit, and the insert then reads rc_mapped back from DuckDB's spill files (twice as slow).
  if (!(keepRaw && joinRaw)) await db.run(`DROP VIEW IF EXISTS rc_framed; DROP TABLE IF EXISTS rc_rows`);

  const params = { file: label, format: format.name };
  // A reject is "already stored" when its text (by hash), reason and position match, whatever the file was called:
  // the same file named by another path, or unzipped, adds nothing, and two different stdin feeds keep both. A
  // database source's rows are numbered by their position in one read, which the next read shifts: there the
  // position is left out (each row's text holds its request_id).
  const samePlace = options.rejectIdentity === 'raw' ? '' : 'AND r.source_line IS NOT DISTINCT FROM m.line';
  // Framing problems, however many: those in rc_frame_errors already, and the few found in JS. One without text (a
  // damaged archive's missing end) has only its file to tell it apart.
  await createFrameErrors(db);
  if (frameErrors.length > 0) {
    const appender = await db.tempAppender(FRAME_ERRORS);
    try {
      for (const e of frameErrors) {
        if (e.line === null) appender.appendNull();
        else appender.appendBigInt(BigInt(e.line));
        appender.appendVarchar(e.reason);
        if (e.raw === null) appender.appendNull();
        else appender.appendVarchar(e.raw);
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
  }
  const framingRejects = (await db.scalar(`SELECT count(*) FROM ${FRAME_ERRORS}`)) ?? 0;
  if (framingRejects > 0) {
    await db.run(
      `INSERT INTO rejects (source_file, source_line, reason, raw, format, ingested_at, raw_key)
       SELECT $file, e.line, e.reason, e.raw, $format, now(), md5_number(e.raw) FROM ${FRAME_ERRORS} e
       WHERE NOT EXISTS (SELECT 1 FROM rejects r WHERE r.reason = e.reason AND r.source_line IS NOT DISTINCT FROM e.line
         AND CASE WHEN e.raw IS NULL THEN r.raw IS NULL AND r.source_file = $file ELSE r.raw_key = md5_number(e.raw) END)`,
      params,
    );
  }
  const counts = await db.one<{ records: bigint; skipped: bigint; rejected: bigint; repeats: bigint }>(
    `SELECT count(*) AS records, count(*) FILTER (WHERE NOT keep) AS skipped,
            count(*) FILTER (WHERE keep AND reason IS NOT NULL) AS rejected,
            count(*) FILTER (WHERE keep AND reason IS NULL) - count(DISTINCT record_key) FILTER (WHERE keep AND reason IS NULL) AS repeats
     FROM rc_mapped`,
  );
  if (Number(counts?.rejected ?? 0) > 0) {
    await db.run(
      `INSERT INTO rejects (source_file, source_line, reason, raw, format, ingested_at, raw_key)
       SELECT $file, m.line, m.reason, m.raw, $format, now(), md5_number(m.raw) FROM rc_mapped m
       WHERE m.keep AND m.reason IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.raw_key = md5_number(m.raw) AND r.reason = m.reason ${samePlace})`,
      params,
    );
  }
  const before = await db.scalar('SELECT count(*) FROM requests');
  // The anti-join against the stored keys costs as much as the insert itself, even against an empty table: only
  // when some key is stored already (a semi-join, ~0.1 s on a million rows). The window that keeps the first of
  // repeated keys is costly too: only when the file repeats a key.
  const stored = before
    ? await db.scalar(`SELECT count(*) FROM rc_mapped m WHERE m.keep AND m.reason IS NULL AND m.record_key IN (SELECT record_key FROM requests)`)
    : 0;
  const good = 'm.keep AND m.reason IS NULL';
  const rows = keepRaw && joinRaw
    ? `(SELECT m.* EXCLUDE (raw), f.raw FROM rc_mapped m JOIN rc_framed f ON f.line = m.line WHERE ${good}) m WHERE true`
    : `rc_mapped m WHERE ${good}`;
  await db.run(
    `INSERT INTO requests (${REQUEST_COLUMNS})
     SELECT ${COLUMNS_OF_M}, $file, m.line, $format, ${keepRaw ? 'm.raw' : 'NULL'}, m.record_key, now() FROM ${rows}
     ${stored ? 'AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.record_key = m.record_key)' : ''}
     ${counts?.repeats ? 'QUALIFY row_number() OVER (PARTITION BY m.record_key ORDER BY m.line) = 1' : ''}`,
    params,
  );
  const after = await db.scalar('SELECT count(*) FROM requests');
  const records = Number(counts?.records ?? 0) + framingRejects;
  const rejected = Number(counts?.rejected ?? 0) + framingRejects;
  const skipped = Number(counts?.skipped ?? 0);
  const loaded = (after ?? 0) - (before ?? 0);
  const summary: FileSummary = {
    file: label,
    format: format.name,
    records,
    loaded,
    rejected,
    skipped,
    duplicates: records - rejected - skipped - loaded,
  };
  await db.run(`INSERT INTO ingests VALUES ($file, $format, $records, $loaded, $rejected, $duplicates, $skipped, now())`, {
    ...params,
    records: summary.records,
    loaded: summary.loaded,
    rejected: summary.rejected,
    duplicates: summary.duplicates,
    skipped: summary.skipped,
  });
  await dropFrameTables(db);
  return summary;
}

/** The file's modification time (ISO), for formats whose records carry no time (stdin: when it was read). */
function fileTime(path: string): string {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return new Date().toISOString();
  }
}

export { formatByName };
