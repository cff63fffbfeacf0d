import type { Database } from './database.js';
import { CANONICAL_FIELDS, SQL_TYPE } from '../load/canonical.js';
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
  raw VARCHAR NOT NULL,
  record_key UHUGEINT NOT NULL,
  ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
  source_file VARCHAR NOT NULL,
  source_line BIGINT,
  reason VARCHAR NOT NULL,
  raw VARCHAR,
  format VARCHAR,
  ingested_at TIMESTAMPTZ NOT NULL
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
}

/**
 * SQL macros shared by the format mappings. They take and return VARCHAR so that a mapping
 * can always report the original text of a value it failed to convert.
 */
async function createMacros(db: Database): Promise<void> {
  await db.run(`
-- Timestamps: ISO 8601 (with or without zone; no zone means UTC), or epoch s/ms/us/ns by magnitude.
CREATE OR REPLACE MACRO rc_ts(t) AS coalesce(try_cast(t AS TIMESTAMPTZ), CASE
  WHEN regexp_full_match(trim(t), '[0-9]+(\\.[0-9]+)?') THEN CASE
      WHEN CAST(t AS DOUBLE) >= 1e17 THEN to_timestamp(CAST(t AS DOUBLE) / 1e9)
      WHEN CAST(t AS DOUBLE) >= 1e14 THEN to_timestamp(CAST(t AS DOUBLE) / 1e6)
      WHEN CAST(t AS DOUBLE) >= 1e11 THEN to_timestamp(CAST(t AS DOUBLE) / 1e3)
      ELSE to_timestamp(CAST(t AS DOUBLE)) END
  ELSE try_cast(trim(t) AS TIMESTAMPTZ) END);
CREATE OR REPLACE MACRO rc_num(t) AS try_cast(trim(t) AS DOUBLE);
CREATE OR REPLACE MACRO rc_count(t) AS CASE
  WHEN try_cast(trim(t) AS DOUBLE) = floor(try_cast(trim(t) AS DOUBLE)) THEN CAST(try_cast(trim(t) AS DOUBLE) AS BIGINT) END;
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
  WHEN msgs IS NULL OR NOT json_valid(msgs) OR json_type(CAST(msgs AS JSON)) <> 'ARRAY' THEN NULL
  ELSE rc_content(json_extract(
      list_filter(json_extract(CAST(msgs AS JSON), '$[*]'), m -> json_extract_string(m, '$.role') = 'user')[-1],
      '$.content')) END;
`);
}
