import { existsSync, statSync } from 'node:fs';
import type { Database } from '../db/database.js';
import { quoteLiteral } from '../db/sql.js';
import { InputError } from '../errors.js';
import { lineFix } from '../load/frame.js';

/**
 * `--labels FILE`: a hand-labelled sample of ideal routes, CSV (with a header) or JSONL, optionally .gz/.zst.
 * Each row names a request and its ideal route, joined to the logs by `request_id`, or (rows without one) by the
 * normalized input text, which then labels every request with that text:
 *
 *   request_id,ideal                 {"input": "OK, got it, thanks", "ideal": "simple"}
 *   req_a8019926,simple              {"request_id": "req_2ae72447", "should_be": "gpt-4o-2024-08-06"}
 *
 * The ideal is a tier name, a model or a router label (see tierOfLabel). DuckDB reads the file; a bad row
 * (malformed JSON, no ideal, an ideal that names no tier, neither request_id nor input, a repeat) is counted by
 * reason with examples, never fatal. The good rows land in temp table `rc_labels(line, request_id, norm_key,
 * ideal)`: at most one row per request_id, and one per normalized input among rows without a request_id.
 */

/** Column names accepted for each field, first present wins (the native log format's aliases). */
export const LABEL_FIELDS = {
  request_id: ['request_id', 'id', 'requestId'],
  input: ['input', 'user_input', 'prompt', 'query', 'text'],
  ideal: ['ideal', 'should_be', 'ideal_route', 'ideal_model', 'ideal_tier', 'label', 'tier'],
} as const;

/**
 * The normalized input as SQL: lower case, whitespace runs as one space, ends trimmed, trailing sentence
 * punctuation dropped (the rules of src/embed/normalize.ts, without NFKC). Retries, flips and labels by text
 * compare this. `lowered` must already be lower-cased text (a column, so it is computed once): the regular
 * expression only runs on text that has something to collapse, which keeps a million inputs fast.
 */
export function normalizedLowerSql(lowered: string): string {
  const t = lowered;
  const messy = `strpos(${t}, '  ') > 0 OR strpos(${t}, chr(9)) > 0 OR strpos(${t}, chr(10)) > 0 OR strpos(${t}, chr(13)) > 0
    OR prefix(${t}, ' ') OR suffix(${t}, ' ')`;
  const punctuated = ['.', ',', '!', '?', ';', ':'].map((p) => `suffix(${t}, ${quoteLiteral(p)})`).join(' OR ');
  return `CASE WHEN ${messy} THEN rtrim(regexp_replace(trim(${t}), '\\s+', ' ', 'g'), ' .,!?;:')
    WHEN ${punctuated} THEN rtrim(${t}, ' .,!?;:') ELSE ${t} END`;
}

/** The normalized input's 64-bit hash (what tables keep: a million inputs stay small); NULL for no input. */
export function normKeySql(column: string): string {
  return `CASE WHEN ${column} IS NOT NULL THEN hash(${normalizedLowerSql(`lower(${column})`)}) END`;
}

export interface LabelProblem {
  reason: string;
  count: number;
}

export interface LabelExample {
  line: number;
  reason: string;
  raw: string | null;
}

export interface LabelsLoad {
  file: string;
  /** Data rows read (blank lines not counted). */
  rows: number;
  /** Rows kept in rc_labels. */
  usable: number;
  /** Of the usable rows, those keyed by request_id and by input text. */
  by_request_id: number;
  by_input: number;
  /** Usable rows that match no request in the database (all loaded logs, whatever the window). */
  unmatched: number;
  bad: LabelProblem[];
  examples: LabelExample[];
}

export type LabelTierLookup = (labels: string[]) => Promise<void>;

const PATH_FIELD = (names: readonly string[]): string => `coalesce(${names.map((n) => `json_extract_string(raw, '$.${n}')`).join(', ')})`;

/**
 * Reads the file into rc_labels. `mapTiers` is called with the distinct ideal labels of the file so that the caller
 * can register their tiers in `rc_route_tier` (kind 'label') before the rows are checked against it.
 */
export async function loadLabels(db: Database, file: string, mapTiers: LabelTierLookup): Promise<LabelsLoad> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`--labels: cannot read ${file}`);
  await db.run(`DROP TABLE IF EXISTS rc_label_raw; DROP TABLE IF EXISTS rc_label_rows; DROP TABLE IF EXISTS rc_labels;
    DROP TABLE IF EXISTS rc_label_csv_errors; DROP TABLE IF EXISTS rc_label_csv_scans`);
  const framing = await labelFraming(db, file);
  try {
    if (framing === 'csv') {
      const delim = /\.tsv(\.gz|\.zst)?$/i.test(file) ? `, delim=E'\\t'` : '';
      await db.run(
        `CREATE TEMP TABLE rc_label_raw AS SELECT * FROM read_csv($path, header=true, all_varchar=true${delim},
           ignore_errors=true, store_rejects=true, rejects_table='rc_label_csv_errors', rejects_scan='rc_label_csv_scans')`,
        { path: file },
      );
      const errors = await db.all<{ line: bigint; raw: string | null }>(
        `SELECT line, any_value(csv_line) AS raw FROM rc_label_csv_errors GROUP BY line ORDER BY line`,
      );
      // rowid counts good rows only: shift each past the rejected lines before it (the loader's rule).
      const line = lineFix(errors.map((e) => Number(e.line)), 2);
      await db.run(`CREATE TEMP TABLE rc_label_rows AS
        SELECT CAST(${line} AS BIGINT) AS line, CAST(to_json(rc_label_raw) AS VARCHAR) AS raw, true AS valid FROM rc_label_raw`);
      await db.run(`INSERT INTO rc_label_rows SELECT line, any_value(csv_line), false FROM rc_label_csv_errors GROUP BY line`);
    } else {
      // One VARCHAR per physical line (the loader's JSONL framing), so that line numbers are real.
      await db.run(
        `CREATE TEMP TABLE rc_label_raw AS SELECT raw FROM read_csv($path, columns={'raw': 'VARCHAR'}, header=false,
           delim=E'\\x01', quote='', escape='', auto_detect=false, strict_mode=false)`,
        { path: file },
      );
      await db.run(`CREATE TEMP TABLE rc_label_rows AS
        SELECT CAST(rowid + 1 AS BIGINT) AS line, raw, json_valid(raw) AND starts_with(ltrim(raw), '{') AS valid
        FROM rc_label_raw WHERE raw IS NOT NULL AND trim(raw) <> ''`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new InputError(`--labels: cannot read ${file}: ${message}`, { cause: error });
  }

  await db.run(`CREATE OR REPLACE TEMP TABLE rc_label_fields AS
    SELECT line, raw, valid,
      CASE WHEN valid THEN nullif(trim(${PATH_FIELD(LABEL_FIELDS.request_id)}), '') END AS request_id,
      CASE WHEN valid THEN nullif(trim(${PATH_FIELD(LABEL_FIELDS.input)}), '') END AS input,
      CASE WHEN valid THEN nullif(trim(${PATH_FIELD(LABEL_FIELDS.ideal)}), '') END AS ideal
    FROM rc_label_rows`);
  const ideals = await db.all<{ ideal: string }>(`SELECT DISTINCT ideal FROM rc_label_fields WHERE ideal IS NOT NULL`);
  await mapTiers(ideals.map((r) => r.ideal));

  // The first reason that applies; repeats are judged among otherwise good rows, the first line kept.
  await db.run(`CREATE OR REPLACE TEMP TABLE rc_label_checked AS
    WITH checked AS (
      SELECT f.*, ${normKeySql('f.input')} AS norm_key,
        CASE
          WHEN NOT f.valid THEN ${framing === 'csv' ? `'unreadable CSV row'` : `'malformed JSON (or not an object)'`}
          WHEN f.ideal IS NULL THEN 'no ideal route (ideal, should_be, label or tier)'
          WHEN t.rank IS NULL THEN 'ideal names no configured tier or tier model'
          WHEN f.request_id IS NULL AND f.input IS NULL THEN 'neither request_id nor input'
        END AS problem
      FROM rc_label_fields f LEFT JOIN rc_route_tier t ON t.kind = 'label' AND t.label = f.ideal
    )
    SELECT *, CASE
        WHEN problem IS NOT NULL THEN problem
        WHEN request_id IS NOT NULL AND row_number() OVER (PARTITION BY request_id, problem IS NULL ORDER BY line) > 1
          THEN 'repeated request_id (the first row is used)'
        WHEN request_id IS NULL AND row_number() OVER (PARTITION BY request_id IS NULL, norm_key, problem IS NULL ORDER BY line) > 1
          THEN 'repeated input (the first row is used)'
      END AS reason
    FROM checked`);
  await db.run(`CREATE TEMP TABLE rc_labels AS
    SELECT line, request_id, CASE WHEN request_id IS NULL THEN norm_key END AS norm_key, ideal
    FROM rc_label_checked WHERE reason IS NULL`);

  const totals = await db.one<{ rows: bigint; usable: bigint; by_id: bigint; by_input: bigint }>(
    `SELECT (SELECT count(*) FROM rc_label_rows) AS rows, count(*) AS usable,
       count(*) FILTER (WHERE request_id IS NOT NULL) AS by_id, count(*) FILTER (WHERE request_id IS NULL) AS by_input
     FROM rc_labels`,
  );
  const unmatched = await db.scalar(`
    SELECT count(*) FROM rc_labels l
    WHERE (l.request_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.request_id = l.request_id))
       OR (l.request_id IS NULL AND NOT EXISTS (SELECT 1 FROM requests r WHERE ${normKeySql('r.input')} = l.norm_key))`);
  const bad = await db.all<{ reason: string; n: bigint }>(
    `SELECT reason, count(*) AS n FROM rc_label_checked WHERE reason IS NOT NULL GROUP BY reason ORDER BY n DESC, reason`,
  );
  const examples = await db.all<{ line: bigint; reason: string; raw: string | null }>(
    `SELECT line, reason, left(raw, 200) AS raw FROM rc_label_checked WHERE reason IS NOT NULL ORDER BY line LIMIT 5`,
  );
  await db.run(`DROP TABLE IF EXISTS rc_label_fields; DROP TABLE IF EXISTS rc_label_rows; DROP TABLE IF EXISTS rc_label_raw`);
  return {
    file,
    rows: Number(totals?.rows ?? 0),
    usable: Number(totals?.usable ?? 0),
    by_request_id: Number(totals?.by_id ?? 0),
    by_input: Number(totals?.by_input ?? 0),
    unmatched: unmatched ?? 0,
    bad: bad.map((r) => ({ reason: r.reason, count: Number(r.n) })),
    examples: examples.map((r) => ({ line: Number(r.line), reason: r.reason, raw: r.raw })),
  };
}

/** CSV by extension (.csv/.tsv, optionally compressed) or when the first non-blank line does not start with `{`. */
async function labelFraming(db: Database, file: string): Promise<'csv' | 'jsonl'> {
  const base = file.replace(/\.(gz|zst)$/i, '').toLowerCase();
  if (/\.(csv|tsv)$/.test(base)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/.test(base)) return 'jsonl';
  const first = await db.one<{ raw: string }>(
    `SELECT raw FROM read_csv($path, columns={'raw': 'VARCHAR'}, header=false, delim=E'\\x01', quote='', escape='',
       auto_detect=false, strict_mode=false) WHERE raw IS NOT NULL AND trim(raw) <> '' LIMIT 1`,
    { path: file },
  );
  return first && first.raw.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}
