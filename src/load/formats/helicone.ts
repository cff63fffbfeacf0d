import { quoteLiteral } from '../../db/sql.js';
import type { LogFormat, Sample } from './types.js';
import { promptTotal } from './usage.js';

/**
 * Helicone request exports: the `HeliconeRequest` rows returned by Jawn's
 * `POST /v1/request/query-clickhouse` (as `{"data":[...],"error":null}`, unwrapped before detection), and what
 * Helicone's export tool (`examples/export/typescript`, `@helicone/export`) writes from them: every row as JSONL
 * or a JSON array, or a CSV of twelve columns (`response_id, response_created_at, response_status,
 * request_created_at, request_body, request_properties, request_user_id, model, prompt_tokens,
 * completion_tokens, latency, cost`; older versions `cost_usd`).
 *
 * Quirks handled:
 * - ClickHouse-backed rows use `""` rather than null for absent text (e.g. `model_override`);
 * - `request_created_at` is `YYYY-MM-DD HH:MM:SS[.fff]` without zone (UTC) or ISO with `Z`;
 * - `request_body` is an object or a JSON string; a body kept in object storage shows only a
 *   placeholder `{"helicone_message": "..."}` (no prompt available → input NULL);
 * - the export tool's CSV escapes the quotes of object columns (`request_body`, `request_properties`) twice,
 *   so a cell reads `{""model"":""gpt-4o""}` once CSV-decoded: such text is un-doubled before it is parsed;
 * - the CSV has no `request_id`: `response_id` (one per request) is the request id there; its `latency`
 *   column is not a `HeliconeRequest` field and comes out empty, so latency is response minus request time;
 * - `prompt_tokens` excludes prompt-cache reads/writes (Helicone subtracts OpenAI's `cached_tokens`,
 *   and Anthropic reports them apart), so input_tokens adds them back;
 * - `cost` is USD (older rows: `costUSD`); a gateway cache hit has a `cache_reference_id` other than
 *   the all-zero UUID;
 * - sessions and custom properties (`Helicone-Session-Id`, `Helicone-Property-Route` → `Route`) are in
 *   `properties` / `request_properties`.
 */

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Keys only Helicone request rows carry (besides the request_id / request_created_at pair). */
const HELICONE_KEYS = [
  'cache_reference_id',
  'delay_ms',
  'request_properties',
  'request_body',
  'helicone_user',
  'request_path',
  'target_url',
  'model_override',
  'signed_body_url',
  'prompt_cache_read_tokens',
];

function isHeliconeRequest(rec: Record<string, unknown>): boolean {
  if (!('request_id' in rec) || !('request_created_at' in rec)) return false;
  if (!('provider' in rec) && !('cache_reference_id' in rec)) return false;
  return HELICONE_KEYS.some((k) => k in rec);
}

/** A row of the export tool's CSV (or a JSON record cut down to its columns): response and request times. */
function isExportRow(rec: Record<string, unknown>): boolean {
  return ['response_id', 'response_created_at', 'request_created_at'].every((k) => k in rec) &&
    ['request_body', 'request_properties', 'request_user_id'].some((k) => k in rec);
}

/** Text of a ClickHouse-ish column: '' means absent. */
const t = (path: string): string => `nullif({$.${path}}, '')`;

/**
 * JSON text of an object column: the object itself (json_extract_string gives its text), a JSON string, or
 * the export CSV's twice-escaped text with its doubled quotes restored. NULL when none of these parse.
 */
function jsonColumn(path: string): string {
  const v = `{$.${path}}`;
  return `CASE WHEN json_valid(${v}) THEN ${v} WHEN json_valid(replace(${v}, '""', '"')) THEN replace(${v}, '""', '"') END`;
}

const BODY = jsonColumn('request_body');

/** A custom property, in `properties` (newer rows) or `request_properties`. */
function property(...names: string[]): string {
  const columns = [jsonColumn('properties'), jsonColumn('request_properties')];
  const paths = names.flatMap((n) => columns.map((c) => `nullif(json_extract_string(${c}, ${quoteLiteral(`$."${n}"`)}), '')`));
  return `coalesce(${paths.join(', ')})`;
}

/**
 * The prompt text from `request_body` (object, or a JSON string holding the body):
 * last user message of `messages`, else a completion `prompt`, else a Responses-API `input`.
 */
function promptFromBody(): string {
  const body = BODY;
  const parsed = `TRY_CAST(${body} AS JSON)`;
  const input = `json_extract(${parsed}, '$.input')`;
  return `CASE
    WHEN ${body} IS NULL OR NOT json_valid(${body}) OR json_type(${parsed}) <> 'OBJECT' THEN NULL
    WHEN json_extract(${parsed}, '$.helicone_message') IS NOT NULL THEN NULL
    WHEN json_type(${parsed}, '$.messages') = 'ARRAY' THEN rc_last_user(json_extract(${parsed}, '$.messages'))
    WHEN json_type(${parsed}, '$.prompt') = 'VARCHAR' THEN json_extract_string(${parsed}, '$.prompt')
    WHEN json_type(${input}) = 'VARCHAR' THEN json_extract_string(${input}, '$')
    WHEN json_type(${input}) = 'ARRAY' THEN rc_last_user(${input})
    END`;
}

/** Milliseconds: `delay_ms`, else the export's `latency`, else response minus request time. */
const LATENCY = `coalesce(${t('delay_ms')}, ${t('latency')},
  CAST(epoch_ms(rc_ts(${t('response_created_at')})) - epoch_ms(rc_ts(${t('request_created_at')})) AS VARCHAR))`;

/** A value at `path` in JSON text (an object, or a JSON string holding one); NULL when it is not JSON. */
const jsonText = (expr: string, path: string): string =>
  `CASE WHEN json_valid(${expr}) THEN json_extract_string(CASE WHEN json_type(TRY_CAST(${expr} AS JSON)) = 'VARCHAR' THEN json_extract_string(${expr}, '$') ELSE ${expr} END, ${quoteLiteral(path)}) END`;

export const helicone: LogFormat = {
  name: 'helicone',
  description: 'Helicone request export (HeliconeRequest rows: API response, export tool JSONL, JSON array or CSV)',
  framings: ['jsonl', 'json', 'csv'],
  // ClickHouse `cost Nullable(UInt64) DEFAULT 0` (Helicone clickhouse/migrations/schema_52): a model Helicone
  // cannot price is stored with cost 0.
  zeroCostIsDefault: 'Helicone stores cost 0 for a model it cannot price (ClickHouse column DEFAULT 0)',
  detect(sample: Sample): number {
    const recs = sample.objects.slice(0, 20);
    return recs.some((r) => isHeliconeRequest(r) || isExportRow(r)) ? 0.9 : 0;
  },
  fields: {
    ts: '{$.request_created_at}',
    request_id: `coalesce(${t('request_id')}, ${t('response_id')})`,
    session_id: property('Helicone-Session-Id', 'helicone-session-id'),
    user_id: t('request_user_id'),
    input: promptFromBody(),
    model: `coalesce(${t('model_override')}, ${t('response_model')}, ${t('model')}, ${t('request_model')})`,
    requested_model: `coalesce(${t('request_model')}, CASE WHEN json_type(TRY_CAST(${BODY} AS JSON)) = 'OBJECT' THEN nullif(json_extract_string(${BODY}, '$.model'), '') END)`,
    route: property('route', 'Route'),
    input_tokens: promptTotal('{$.prompt_tokens}', '{$.prompt_cache_read_tokens}', '{$.prompt_cache_write_tokens}'),
    output_tokens: '{$.completion_tokens}',
    cached_tokens: '{$.prompt_cache_read_tokens}',
    cost_usd: `coalesce(${t('cost')}, ${t('costUSD')}, ${t('cost_usd')})`,
    cache_write_tokens: '{$.prompt_cache_write_tokens}',
    // The response's own service_tier (OpenAI) or usage.service_tier (Anthropic), when the body was kept.
    service_tier: `coalesce(${jsonText('{$.response_body}', '$.service_tier')}, ${jsonText('{$.response_body}', '$.usage.service_tier')})`,
    cache_hit: `CASE WHEN ${t('cache_reference_id')} IS NULL THEN NULL WHEN {$.cache_reference_id} = ${quoteLiteral(ZERO_UUID)} THEN 'false' ELSE 'true' END`,
    status: '{$.response_status}',
    latency_ms: LATENCY,
    provider: `lower(${t('provider')})`,
  },
};
