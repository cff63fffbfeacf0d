import type { LogFormat, Sample } from './types.js';

/**
 * Langfuse observations, in the three shapes Langfuse hands them out:
 * - public API v1 (`GET /api/public/observations`): camelCase, `model`, deprecated `usage{input,output,total}`,
 *   `usageDetails`, `costDetails`, `calculatedTotalCost`, `latency` (seconds);
 * - public API v2 (`GET /api/public/v2/observations`): `providedModelName`, `inputUsage`/`outputUsage`,
 *   `totalCost`, `userId`, `sessionId` (field groups not requested are absent);
 * - blob storage export (observations / enriched observations_v2): snake_case (`start_time`,
 *   `provided_model_name`, `usage_details`, `cost_details`, `total_cost`, `user_id`, `session_id`),
 *   times `YYYY-MM-DD HH:MM:SS.ffffff` UTC, no latency column.
 * One format reads all three with coalesce: the key sets do not collide, and one name is simpler for users.
 * API responses `{"data":[...],"meta":{...}}` are unwrapped before detection (load/envelope.ts). Only
 * GENERATION observations are kept.
 *
 * Traces: a single trace (`GET /api/public/traces/{id}`, `TraceWithFullDetails`) carries its observations as
 * objects; they load as observations, with the trace's `userId` and `sessionId` (v1 observations have neither).
 * A trace list (`GET /api/public/traces`, `TraceWithDetails`) names its observations by id only and holds no
 * model or token counts: its traces are counted as skipped, not loaded as calls of unknown model (their
 * `totalCost` is the sum of their generations', which an observations export carries call by call).
 *
 * Token counts follow Langfuse's own inputUsage/outputUsage: the sum of every usage-details key containing
 * `input` (resp. `output`), since Langfuse's `input` key excludes cache reads (`input_cached_tokens`,
 * `cache_read_input_tokens`) and cache writes.
 */

/** Langfuse observation types (the `type` value must be one of these, in capitals). */
const OBSERVATION_TYPES = new Set([
  'GENERATION', 'SPAN', 'EVENT', 'AGENT', 'TOOL', 'CHAIN', 'RETRIEVER', 'EVALUATOR', 'EMBEDDING', 'GUARDRAIL',
]);
const MODEL_KEYS = [
  'model', 'providedModelName', 'provided_model_name', 'usageDetails', 'usage_details', 'internalModelId', 'internal_model_id',
];


/** A trace of the public API: its id and timestamp, and observations (ids in a list, objects in a single trace). */
function isTrace(rec: Record<string, unknown>): boolean {
  return typeof rec['id'] === 'string' && 'timestamp' in rec && Array.isArray(rec['observations']) &&
    ('htmlPath' in rec || 'totalCost' in rec || Array.isArray(rec['scores']));
}

/**
 * Unnests the observations of traces that carry them as objects, adding the trace's ids as `trace`
 * ({id, userId, sessionId}); other records pass through (a trace list's traces are then skipped by `keep`).
 * A trace's observations share its line.
 */
// CASE, not AND: DuckDB does not short-circuit AND, and json_type throws on text that is not JSON.
const HOLDS_OBSERVATIONS = `CASE WHEN strpos(raw, '"observations"') > 0 AND json_valid(raw)
  THEN coalesce(json_type(raw, '$.observations[0]') = 'OBJECT', false) ELSE false END`;
const EXPLODE = `
SELECT line, raw FROM rc_framed
WHERE NOT (${HOLDS_OBSERVATIONS})
UNION ALL
SELECT line, CAST(json_merge_patch(obs, json_object('trace', json_object('id', json_extract_string(raw, '$.id'),
    'userId', json_extract_string(raw, '$.userId'), 'sessionId', json_extract_string(raw, '$.sessionId')))) AS VARCHAR) AS raw
FROM (
  SELECT line, raw, unnest(json_extract(raw, '$.observations[*]')) AS obs FROM rc_framed
  WHERE ${HOLDS_OBSERVATIONS}
)`;

function isObservation(rec: Record<string, unknown>): boolean {
  const type = rec['type'];
  return (
    typeof type === 'string' &&
    OBSERVATION_TYPES.has(type) &&
    ('traceId' in rec || 'trace_id' in rec) &&
    ('startTime' in rec || 'start_time' in rec) &&
    MODEL_KEYS.some((k) => k in rec)
  );
}

/**
 * Sum of the numeric values of a usage/cost details object (JSON text) whose lower-cased key satisfies `pred`.
 * NULL when no key matches; a non-numeric value is passed through as text so the record is rejected.
 */
function detailsSum(obj: string, pred: (key: string) => string): string {
  const values = `list_transform(list_filter(map_entries(TRY_CAST(TRY_CAST(${obj} AS JSON) AS MAP(VARCHAR, VARCHAR))), e -> ${pred('lower(e.key)')}), e -> e.value)`;
  return `CASE WHEN json_valid(${obj}) AND json_type(TRY_CAST(${obj} AS JSON)) = 'OBJECT' THEN coalesce(
      list_filter(${values}, v -> v IS NOT NULL AND try_cast(v AS DOUBLE) IS NULL)[1],
      CAST(list_sum(list_transform(${values}, v -> try_cast(v AS DOUBLE))) AS VARCHAR)) END`;
}

const usageDetails = (pred: (key: string) => string): string[] => [
  detailsSum('{$.usageDetails}', pred),
  detailsSum('{$.usage_details}', pred),
];

const isInput = (k: string): string => `contains(${k}, 'input')`;
const isOutput = (k: string): string => `contains(${k}, 'output')`;
const isCacheRead = (k: string): string => `(contains(${k}, 'input') AND (contains(${k}, 'cached') OR contains(${k}, 'cache_read')))`;
/** Cache writes: `input_cache_creation` (Langfuse's own key), `cache_creation_input_tokens`, `input_cache_write`. */
const isCacheWrite = (k: string): string => `(contains(${k}, 'input') AND (contains(${k}, 'cache_creation') OR contains(${k}, 'cache_write')))`;

/**
 * The prompt text of an observation `input` given as JSON text or plain text: a chat messages array
 * (last user message), `{"messages":[...]}`, a single user message object, a JSON-encoded string, or plain text.
 * Other JSON objects give NULL.
 */
function promptText(x: string): string {
  const j = `TRY_CAST(${x} AS JSON)`;
  return `CASE
    WHEN ${x} IS NULL THEN NULL
    WHEN NOT json_valid(${x}) THEN ${x}
    WHEN json_type(${j}) = 'ARRAY' THEN rc_last_user(${x})
    WHEN json_type(${j}) = 'OBJECT' THEN CASE
        WHEN json_type(${j}, '$.messages') = 'ARRAY' THEN rc_last_user(json_extract(${j}, '$.messages'))
        WHEN json_extract_string(${j}, '$.role') = 'user' THEN rc_content(json_extract(${j}, '$.content'))
        END
    WHEN json_type(${j}) = 'VARCHAR' THEN json_extract_string(${j}, '$')
    ELSE ${x} END`;
}

/**
 * Milliseconds: `latency` (seconds) × 1000, rounded to the microsecond so that 4.02 s reads 4020 ms; else end
 * minus start. A non-numeric `latency` passes through as text so the record is rejected.
 */
function latencyMs(): string {
  const latency = '{$.latency}';
  const start = 'coalesce({$.startTime}, {$.start_time})';
  const end = 'coalesce({$.endTime}, {$.end_time})';
  return `CASE
    WHEN ${latency} IS NULL THEN CAST(epoch_ms(rc_ts(${end})) - epoch_ms(rc_ts(${start})) AS VARCHAR)
    WHEN rc_num(${latency}) IS NULL THEN ${latency}
    ELSE CAST(round(rc_num(${latency}) * 1000, 3) AS VARCHAR) END`;
}

export const langfuse: LogFormat = {
  name: 'langfuse',
  description: 'Langfuse observations (public API v1/v2 pages or items, traces, blob storage export); GENERATIONs only',
  framings: ['json', 'jsonl'],
  detect(sample: Sample): number {
    const recs = sample.objects.slice(0, 20);
    return recs.some((r) => isObservation(r) || isTrace(r)) ? 0.9 : 0;
  },
  explode: EXPLODE,
  keep: `upper({$.type}) = 'GENERATION'`,
  // API v1 `calculatedTotalCost` is 0, not null, when Langfuse has no price for the model.
  zeroCostIsDefault: 'Langfuse reports a calculated cost of 0 for a model it has no price for',
  fields: {
    ts: 'coalesce({$.startTime}, {$.start_time})',
    request_id: '{$.id}',
    session_id: `coalesce(nullif({$.sessionId}, ''), nullif({$.session_id}, ''), nullif({$.trace.sessionId}, ''), {$.traceId}, {$.trace_id})`,
    user_id: `coalesce(nullif({$.userId}, ''), nullif({$.user_id}, ''), nullif({$.trace.userId}, ''))`,
    input: promptText('{$.input}'),
    model: `coalesce(nullif({$.providedModelName}, ''), nullif({$.provided_model_name}, ''), nullif({$.model}, ''))`,
    route: '{$.metadata.route}',
    input_tokens: `coalesce({$.inputUsage}, ${usageDetails(isInput).join(', ')}, {$.usage.input})`,
    output_tokens: `coalesce({$.outputUsage}, ${usageDetails(isOutput).join(', ')}, {$.usage.output})`,
    cached_tokens: `coalesce(${usageDetails(isCacheRead).join(', ')})`,
    cache_write_tokens: `coalesce(${usageDetails(isCacheWrite).join(', ')})`,
    cost_usd: `coalesce({$.totalCost}, {$.calculatedTotalCost}, {$.total_cost}, {$.costDetails.total}, {$.cost_details.total}, {$.usage.totalCost})`,
    status: `CASE upper(coalesce({$.level}, '')) WHEN '' THEN NULL WHEN 'ERROR' THEN 'error' ELSE 'success' END`,
    latency_ms: latencyMs(),
  },
};
