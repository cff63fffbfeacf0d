import type { Database } from '../db/database.js';
import type { Sample } from './formats/types.js';

/**
 * API answers that wrap their records in `{"data": [...], ...}`: they load as their records, whatever the
 * format (detection then sees the records, and `--input-format` applies to them). Envelopes found in the
 * tools' own APIs:
 * - LiteLLM `/spend/logs/ui` and `/spend/logs/v2`: `{data, total, page, page_size, total_pages}`
 *   (litellm/proxy/spend_tracking/spend_management_endpoints.py `ui_view_spend_logs`);
 * - Langfuse public API lists (`/api/public/observations`, `/traces`, `/v2/observations`): `{data, meta}`
 *   (fern/apis/server/definition: `meta` is `{page, limit, totalItems, totalPages}` or `{cursor}`);
 * - Helicone `/v1/request/query-clickhouse`: `{data, error}`;
 * - OpenAI-style lists: `{object: "list", data, first_id, last_id, has_more}`.
 * Only an object whose every other key is one of these envelope keys counts, so a record that merely has a
 * `data` array of its own is left alone.
 */
const ENVELOPE_KEYS = new Set([
  'total', 'page', 'page_size', 'total_pages',
  'meta',
  'error',
  'object', 'first_id', 'last_id', 'has_more',
]);

/** True when `obj` is an API envelope: a `data` array of objects and nothing but paging keys beside it. Pure. */
export function isEnvelope(obj: Record<string, unknown>): boolean {
  const data = obj['data'];
  if (!Array.isArray(data)) return false;
  if (!data.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))) return false;
  return Object.keys(obj).every((k) => k === 'data' || ENVELOPE_KEYS.has(k));
}

/** True when a JSON file's first record is an envelope (a saved API page, or JSONL of pages). Pure. */
export function isEnvelopeSample(sample: Sample): boolean {
  if (sample.framing !== 'json' && sample.framing !== 'jsonl') return false;
  const first = sample.objects[0];
  return first !== undefined && isEnvelope(first);
}

/**
 * Replaces `rc_framed` by the envelopes' records: each element of a `data` array becomes a record; records
 * that are not envelopes pass through. When the whole file is one envelope (one framed record), an element's
 * line is its 1-based index in `data`, as for a top-level array; otherwise (JSONL of pages) it is the page's
 * line, shared by the page's records. API pages are small (LiteLLM caps them at 100 rows, Langfuse at 1,000),
 * so the records are materialized.
 */
export async function unwrapEnvelopes(db: Database): Promise<void> {
  const envelope = `CASE WHEN strpos(raw, '"data"') > 0 AND json_valid(raw) THEN coalesce(json_type(raw, '$.data') = 'ARRAY', false) ELSE false END`;
  await db.run(`CREATE TEMP TABLE rc_unwrapped AS
    SELECT line, raw FROM rc_framed WHERE NOT (${envelope})
    UNION ALL
    SELECT CASE WHEN (SELECT count(*) FROM rc_framed) = 1 THEN idx ELSE line END AS line, CAST(elem AS VARCHAR) AS raw
    FROM (
      SELECT line, generate_subscripts(items, 1) AS idx, unnest(items) AS elem
      FROM (SELECT line, json_extract(raw, '$.data[*]') AS items FROM rc_framed WHERE ${envelope})
    )`);
  await db.run(`DROP VIEW rc_framed; CREATE TEMP VIEW rc_framed AS SELECT line, raw FROM rc_unwrapped`);
}
