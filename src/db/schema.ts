import type { Database } from './database.js';
import { CANONICAL_FIELDS, MAX_MAGNITUDE, SQL_TYPE } from '../load/canonical.js';
import { quoteIdent } from './sql.js';

/**
 * Tables and macros. Every statement is idempotent: a persistent database is opened by many runs.
 *
 * Invariants:
 * - `requests.record_key` is unique: md5 of `request_id` when present, else of the raw record,
 *   so that ingesting a file twice adds nothing.
 * - every record read from a file ends up in exactly one of `requests`, `rejects` or (for
 *   non-LLM records such as Langfuse SPAN observations, and duplicates) the per-file `skipped` counts.
 */
export async function createSchema(db: Database): Promise<void> {
  const canonical = CANONICAL_FIELDS.map((f) => `${quoteIdent(f.name)} ${SQL_TYPE[f.kind]}`).join(',\n  ');
  await db.run(`
CREATE TABLE IF NOT EXISTS requests (
  ${canonical},
  source_file VARCHAR NOT NULL,
  source_line BIGINT NOT NULL,
  format VARCHAR NOT NULL,
  -- the record's text only with --keep-raw (NULL otherwise; source_file + source_line say where it is)
  raw VARCHAR,
  record_key UHUGEINT NOT NULL,
  ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
  source_file VARCHAR NOT NULL,
  source_line BIGINT,
  reason VARCHAR NOT NULL,
  raw VARCHAR,
  format VARCHAR,
  ingested_at TIMESTAMPTZ NOT NULL,
  raw_key UHUGEINT
);
CREATE TABLE IF NOT EXISTS ingests (
  source_file VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  records BIGINT NOT NULL,
  loaded BIGINT NOT NULL,
  rejected BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  skipped BIGINT NOT NULL,
  ingested_at TIMESTAMPTZ NOT NULL
);
-- Database sources (postgres://…): the latest request time read from each, so a run with a persistent database
-- reads only the rows after it (less an overlap the record_key dedupe absorbs). One row per source label.
CREATE TABLE IF NOT EXISTS source_marks (
  source VARCHAR PRIMARY KEY,
  high_water TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
`);
  await addNewColumns(db);
  await createMacros(db);
  await moveUnusableRows(db);
}

/**
 * A --db made by an older routecheck lacks the canonical columns added since (cache_write_tokens, service_tier):
 * they are added, NULL for the rows already stored. Inserts name their columns, so the order does not matter.
 */
async function addNewColumns(db: Database): Promise<void> {
  const rows = await db.all<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'requests' AND table_schema = current_schema()`,
  );
  const present = new Set(rows.map((r) => r.column_name));
  for (const f of CANONICAL_FIELDS) {
    if (!present.has(f.name)) await db.run(`ALTER TABLE requests ADD COLUMN ${quoteIdent(f.name)} ${SQL_TYPE[f.kind]}`);
  }
  // Every loaded record's text was stored before --keep-raw made it optional.
  const rawRequired = await db.scalar(
    `SELECT count(*) FROM information_schema.columns WHERE table_name = 'requests' AND table_schema = current_schema()
       AND column_name = 'raw' AND is_nullable = 'NO'`,
  );
  if (rawRequired) await db.run(`ALTER TABLE requests ALTER COLUMN raw DROP NOT NULL`);
  // Rejects were told apart by (file, line, reason) before their text's hash was part of their identity.
  const rejectColumns = await db.all<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'rejects' AND table_schema = current_schema()`,
  );
  if (!rejectColumns.some((r) => r.column_name === 'raw_key')) {
    await db.run(`ALTER TABLE rejects ADD COLUMN raw_key UHUGEINT; UPDATE rejects SET raw_key = md5_number(raw) WHERE raw IS NOT NULL`);
  }
}

/**
 * Why a stored request cannot be used, or NULL: the loader's rules of today (finite numbers within MAX_MAGNITUDE,
 * a time after 1970-01-01 and at most a day after the record was loaded), over the columns of `requests`.
 */
function unusableReason(): string {
  const number = (name: string) => {
    const v = quoteIdent(name);
    return [
      `WHEN NOT isfinite(CAST(${v} AS DOUBLE)) THEN '${name} is not a finite number: ' || ${v}`,
      `WHEN abs(${v}) > ${MAX_MAGNITUDE} THEN '${name} out of range: ' || ${v}`,
    ];
  };
  const arms = CANONICAL_FIELDS.flatMap((f) => (f.kind === 'count' || f.kind === 'number' || f.kind === 'money' ? number(f.name) : []));
  return `CASE
    WHEN NOT (ts > TIMESTAMPTZ '1970-01-01 00:00:00+00' AND ts <= ingested_at + INTERVAL 1 DAY) THEN 'ts out of range: ' || ts
    ${arms.join('\n    ')}
  END`;
}

/**
 * A --db loaded by an older routecheck may hold rows that today's loader rejects and that break every later read
 * (a ts of 'infinity' cannot become a JS Date; a NaN cost makes the headline $NaN). On open they move to `rejects`,
 * with their text, in one transaction. The check is one scan of a few columns.
 */
async function moveUnusableRows(db: Database): Promise<void> {
  const reason = unusableReason();
  const bad = await db.scalar(`SELECT count(*) FROM requests WHERE (${reason}) IS NOT NULL`);
  if (!bad) return;
  await db.run(`BEGIN TRANSACTION;
INSERT INTO rejects (source_file, source_line, reason, raw, format, ingested_at, raw_key)
  SELECT source_file, source_line, reason, raw, format, now(), md5_number(raw)
  FROM (SELECT * EXCLUDE (raw), coalesce(raw, CAST(to_json(requests) AS VARCHAR)) AS raw, ${reason} AS reason FROM requests)
  WHERE reason IS NOT NULL;
DELETE FROM requests WHERE (${reason}) IS NOT NULL;
COMMIT;`);
}

/**
 * SQL macros shared by the format mappings. They take and return VARCHAR so that a mapping
 * can always report the original text of a value it failed to convert.
 */
async function createMacros(db: Database): Promise<void> {
  await db.run(`
-- to_timestamp fails past year 294247: anything after year 5138 is out of range anyway.
CREATE OR REPLACE MACRO rc_epoch_s(s) AS CASE WHEN s < 1e11 THEN to_timestamp(s) ELSE TIMESTAMPTZ 'infinity' END;
CREATE OR REPLACE MACRO rc_epoch(d) AS CASE
  WHEN d >= 1e17 THEN rc_epoch_s(d / 1e9)
  WHEN d >= 1e14 THEN rc_epoch_s(d / 1e6)
  WHEN d >= 1e11 THEN rc_epoch_s(d / 1e3)
  ELSE rc_epoch_s(d) END;
-- Timestamps: ISO 8601 (with or without zone; no zone means UTC), or epoch s/ms/us/ns by magnitude. Total: any text
-- gives a time or NULL (unparseable); an epoch number too large for a time gives 'infinity', which the mapping's
-- range check (rc_ts_in_range) rejects, as it does DuckDB's own 'infinity', '-infinity' and 'epoch'.
CREATE OR REPLACE MACRO rc_ts(t) AS coalesce(try_cast(t AS TIMESTAMPTZ), CASE
  WHEN regexp_full_match(trim(t), '[0-9]+(\\.[0-9]+)?') THEN rc_epoch(CAST(trim(t) AS DOUBLE))
  ELSE try_cast(trim(t) AS TIMESTAMPTZ) END);
-- A request time routecheck accepts: after 1970-01-01 00:00 (epoch 0 is a missing time written as a number) and at
-- most a day after the load (clock skew; a later time is a corrupt record that would move the default window).
CREATE OR REPLACE MACRO rc_ts_in_range(v) AS v > TIMESTAMPTZ '1970-01-01 00:00:00+00' AND v <= now() + INTERVAL 1 DAY;
-- Numbers: finite and within MAX_MAGNITUDE, else NULL; rc_double keeps what the text says, for the reject reason.
CREATE OR REPLACE MACRO rc_double(t) AS try_cast(trim(t) AS DOUBLE);
CREATE OR REPLACE MACRO rc_num(t) AS CASE WHEN abs(rc_double(t)) <= ${MAX_MAGNITUDE} THEN rc_double(t) END;
-- A whole number: NaN = floor(NaN) in DuckDB and inf = floor(inf), so the bound comes first.
CREATE OR REPLACE MACRO rc_count(t) AS CASE
  WHEN abs(rc_double(t)) <= ${MAX_MAGNITUDE} AND rc_double(t) = floor(rc_double(t)) THEN CAST(rc_double(t) AS BIGINT) END;
CREATE OR REPLACE MACRO rc_bool(t) AS CASE lower(trim(t))
  WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true WHEN 'hit' THEN true WHEN 't' THEN true
  WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false WHEN 'miss' THEN false WHEN 'f' THEN false
  END;
-- A service tier as providers write it (OpenAI service_tier, Anthropic usage.service_tier) → default, batch, flex,
-- priority; another value is kept lower-cased (and is unpriced unless a logged cost says what it cost).
CREATE OR REPLACE MACRO rc_service_tier(t) AS CASE
  WHEN t IS NULL OR lower(trim(t)) IN ('', 'none', 'null') THEN NULL
  WHEN lower(trim(t)) IN ('default', 'standard', 'standard_only', 'auto', 'on_demand') THEN 'default'
  ELSE lower(trim(t)) END;
-- A boolean text that is "no value": LiteLLM writes the string "None".
CREATE OR REPLACE MACRO rc_nullish(t) AS t IS NULL OR lower(trim(t)) IN ('', 'none', 'null');
-- Text of a chat message content (JSON): a string, or an array of parts [{type:'text', text}] or [{content}].
CREATE OR REPLACE MACRO rc_content(c) AS CASE
  WHEN c IS NULL THEN NULL
  WHEN json_type(c) = 'VARCHAR' THEN json_extract_string(c, '$')
  WHEN json_type(c) = 'ARRAY' THEN nullif(array_to_string(list_filter(
      list_transform(json_extract(c, '$[*]'),
        p -> coalesce(json_extract_string(p, '$.text'), json_extract_string(p, '$.content'))),
      x -> x IS NOT NULL), ' '), '')
  ELSE NULL END;
-- The last user message of a chat 'messages' array given as JSON text, as plain text.
CREATE OR REPLACE MACRO rc_last_user(msgs) AS CASE
  WHEN msgs IS NULL OR NOT json_valid(msgs) OR json_type(TRY_CAST(msgs AS JSON)) <> 'ARRAY' THEN NULL
  ELSE rc_content(json_extract(
      list_filter(json_extract(TRY_CAST(msgs AS JSON), '$[*]'), m -> json_extract_string(m, '$.role') = 'user')[-1],
      '$.content')) END;
`);
}
