import { quoteLiteral } from '../../db/sql.js';
import type { FieldTemplate, LogFormat, Sample } from './types.js';

/*
 * LiteLLM writes the same call two ways:
 * - `LiteLLM_SpendLogs` rows (the proxy's Postgres table; exported as JSONL, CSV or the /spend/logs JSON array),
 *   whose JSON columns (metadata, request_tags, messages, response, proxy_server_request) arrive as
 *   JSON-encoded *strings*;
 * - `StandardLoggingPayload` objects (what logging callbacks receive), with real nested objects.
 * Sources: BerriAI/litellm schema.prisma, litellm/proxy/spend_tracking/spend_tracking_utils.py,
 * litellm/types/utils.py, docs/my-website/docs/proxy/logging_spec.md.
 */

/**
 * A value at `path` inside `expr`, where `expr` is JSON text (an object's text, or the content of a
 * JSON-encoded string column). NULL, not an error, when `expr` is not JSON.
 */
export function jx(expr: string, path: string): string {
  return `CASE WHEN json_valid(${expr}) THEN json_extract_string(${expr}, ${quoteLiteral(path)}) END`;
}

/**
 * The prompt text of a "messages-like" JSON text: a chat `messages` array (last user message), a JSON string,
 * or an object carrying `messages`, `input` (Responses API) or `prompt`. With `plainText`, text that is not
 * JSON at all is itself the prompt (LiteLLM logs a text-completion prompt as a bare string).
 */
export function promptText(expr: string, plainText: boolean): string {
  // JSON text is parsed as few times as possible (these bodies can be large): one validity check, one
  // multi-path extract, and its first character to tell an array, a string and an object apart.
  const first = `left(ltrim(${expr}), 1)`;
  const str = (v: string): string => `CASE WHEN json_type(${v}) = 'VARCHAR' THEN json_extract_string(${v}, '$') END`;
  const fromObject = `list_transform([json_extract(${expr}, ['$.messages', '$.input', '$.prompt'])], rc_pt ->
      coalesce(rc_last_user(CAST(rc_pt[1] AS VARCHAR)), rc_last_user(CAST(rc_pt[2] AS VARCHAR)), ${str('rc_pt[2]')}, ${str('rc_pt[3]')}))[1]`;
  return `CASE
      WHEN ${expr} IS NULL OR trim(${expr}) = '' THEN NULL
      WHEN NOT json_valid(${expr}) THEN ${plainText ? expr : 'NULL'}
      WHEN ${first} = '[' THEN rc_last_user(${expr})
      WHEN ${first} = '"' THEN json_extract_string(${expr}, '$')
      WHEN ${first} = '{' THEN ${fromObject}
    END`;
}

/** LiteLLM replaces logged prompts with this text when message logging is turned off. */
function unredacted(expr: string): string {
  return `CASE WHEN starts_with(${expr}, 'redacted by litellm') THEN NULL ELSE ${expr} END`;
}

/**
 * Milliseconds between two timestamps given as text (ISO, `YYYY-MM-DD HH:MM:SS` or epoch seconds). In DOUBLE: the
 * BIGINT difference of two far-apart corrupt times would overflow; a huge result is rejected as out of range.
 */
function elapsedMs(start: string, end: string): string {
  return `CAST(round((CAST(epoch_us(rc_ts(${end})) AS DOUBLE) - epoch_us(rc_ts(${start}))) / 1000.0, 3) AS VARCHAR)`;
}

/**
 * Call types that are not model calls: MCP tool calls, file/batch/fine-tuning/vector-store management.
 * Their rows are skipped, not rejected. Completions, embeddings, responses, images, rerank… are kept.
 */
const NOT_A_MODEL_CALL = `(mcp|_file|file_|batch|fine_tuning|vector_store)`;
const keepModelCalls = `NOT regexp_matches(coalesce({$.call_type}, ''), ${quoteLiteral(NOT_A_MODEL_CALL)})`;

/**
 * Route and score: LiteLLM's own auto-router (`auto_router/complexity_router`) records its decision in the
 * spend-log metadata as `routing_decision` {tier, tier_label, score, cause, signals…}. A router of one's own
 * can pass `spend_logs_metadata: {route, score, ideal}`, LiteLLM's documented way to put key-values in spend logs.
 */
function routingFields(meta: (path: string) => FieldTemplate): Partial<Record<'route' | 'score' | 'ideal', FieldTemplate>> {
  return {
    route: `coalesce(${meta('$.routing_decision.tier')}, ${meta('$.spend_logs_metadata.route')})`,
    score: `coalesce(${meta('$.routing_decision.score')}, ${meta('$.spend_logs_metadata.score')})`,
    ideal: meta('$.spend_logs_metadata.ideal'),
  };
}

const has = (o: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Columns only spend-log rows carry beside `spend` and `startTime`. */
const SPEND_LOG_KEYS = ['call_type', 'request_id', 'api_key', 'model_group', 'cache_hit'];

/**
 * Rows of the `LiteLLM_SpendLogs` table: a database export, `/spend/logs` (a JSON array), or the paginated
 * `/spend/logs/ui` and `/spend/logs/v2` answers (`{data, total, page, page_size, total_pages}`, unwrapped
 * before detection). The API serializes the Prisma rows: JSON columns are objects rather than JSON strings,
 * and times are ISO 8601 with `+00:00`; the templates read both spellings.
 */
export const litellmSpendLogs: LogFormat = {
  name: 'litellm-spendlogs',
  description: 'LiteLLM proxy spend logs (LiteLLM_SpendLogs rows: JSONL, CSV, /spend/logs array, /spend/logs/ui and /v2 pages)',
  framings: ['jsonl', 'csv', 'json'],
  // schema.prisma: `spend Float @default(0.0)`; LiteLLM writes 0 when it cannot price the model.
  zeroCostIsDefault: 'LiteLLM_SpendLogs.spend defaults to 0.0 and is 0 when LiteLLM cannot price the model',
  detect(sample: Sample): number {
    const first = sample.objects[0];
    if (!first) return 0;
    return has(first, 'spend') && has(first, 'startTime') && SPEND_LOG_KEYS.some((k) => has(first, k)) ? 0.9 : 0;
  },
  keep: keepModelCalls,
  fields: {
    // UTC, written without a zone: "2025-01-24 09:20:46.847371" or "2024-08-01T14:27:12.563246".
    ts: '{$.startTime}',
    // Kept as logged: a cache hit's id carries a "_cache_hit<epoch>" suffix (request_id is the table's key).
    request_id: '{$.request_id}',
    // LiteLLM fills this with the trace id, or a fresh uuid per call when the client sent none.
    session_id: '{$.session_id}',
    // end_user is the customer the call was made for; `user` is the internal user owning the key.
    user_id: `coalesce(nullif({$.end_user}, ''), nullif({$.user}, ''))`,
    // The request body is kept only with store_prompts_in_spend_logs; `messages` is "{}" in current versions.
    input: unredacted(`coalesce(${promptText('{$.proxy_server_request}', false)}, ${promptText('{$.messages}', true)})`),
    model: '{$.model}',
    requested_model: `nullif({$.model_group}, '')`,
    ...routingFields((p) => jx('{$.metadata}', p)),
    input_tokens: '{$.prompt_tokens}',
    output_tokens: '{$.completion_tokens}',
    cached_tokens: `coalesce(
      ${jx('{$.metadata}', '$.usage_object.prompt_tokens_details.cached_tokens')},
      ${jx('{$.metadata}', '$.additional_usage_values.prompt_tokens_details.cached_tokens')},
      ${jx('{$.metadata}', '$.usage_object.cache_read_input_tokens')},
      ${jx('{$.metadata}', '$.additional_usage_values.cache_read_input_tokens')})`,
    // LiteLLM's prompt_tokens already include cache reads and writes (its Anthropic transformation adds them).
    cache_write_tokens: `coalesce(
      ${jx('{$.metadata}', '$.usage_object.cache_creation_input_tokens')},
      ${jx('{$.metadata}', '$.usage_object.prompt_tokens_details.cache_creation_tokens')},
      ${jx('{$.metadata}', '$.additional_usage_values.cache_creation_input_tokens')})`,
    // The response (kept with store_prompts_in_spend_logs) is OpenAI-shaped whatever the provider.
    service_tier: jx('{$.response}', '$.service_tier'),
    cost_usd: '{$.spend}',
    cache_key: `nullif({$.cache_key}, 'Cache OFF')`,
    // The string "True", "False" or "None" (None reads as NULL).
    cache_hit: '{$.cache_hit}',
    status: '{$.status}',
    latency_ms: `coalesce(nullif({$.request_duration_ms}, ''), ${elapsedMs('{$.startTime}', '{$.endTime}')})`,
    provider: '{$.custom_llm_provider}',
  },
};

/** `StandardLoggingPayload` objects, one per line, as written by LiteLLM logging callbacks. */
export const litellmPayload: LogFormat = {
  name: 'litellm-payload',
  description: 'LiteLLM StandardLoggingPayload objects (logging callbacks: GCS/S3 buckets, custom loggers)',
  framings: ['jsonl', 'json'],
  // litellm_logging.py: `response_cost = kwargs.get("response_cost", 0) or 0.0` when the payload is built.
  zeroCostIsDefault: 'StandardLoggingPayload.response_cost is 0.0 when LiteLLM cannot price the model',
  detect(sample: Sample): number {
    const first = sample.objects[0];
    if (!first) return 0;
    return has(first, 'response_cost') && (has(first, 'call_type') || has(first, 'hidden_params')) ? 0.9 : 0;
  },
  keep: keepModelCalls,
  fields: {
    // Epoch seconds as a float, or the zone-less UTC string form.
    ts: '{$.startTime}',
    request_id: '{$.id}',
    session_id: `coalesce({$.trace_id}, {$.metadata.session_id})`,
    user_id: `coalesce(nullif({$.end_user}, ''), nullif({$.metadata.user_api_key_end_user_id}, ''), nullif({$.metadata.user_api_key_user_id}, ''))`,
    // `messages` may be a string, a list or a dict.
    input: unredacted(promptText('{$.messages}', true)),
    // The deployment's model as LiteLLM called it (the same value spend logs call `model`).
    model: `coalesce(nullif({$.model}, ''), {$.hidden_params.litellm_model_name}, {$.response.model})`,
    requested_model: `nullif({$.model_group}, '')`,
    ...routingFields((p) => `{$.metadata${p.slice(1)}}`),
    input_tokens: '{$.prompt_tokens}',
    output_tokens: '{$.completion_tokens}',
    cached_tokens: `coalesce({$.metadata.usage_object.prompt_tokens_details.cached_tokens},
      {$.hidden_params.usage_object.prompt_tokens_details.cached_tokens},
      {$.response.usage.prompt_tokens_details.cached_tokens},
      {$.metadata.usage_object.cache_read_input_tokens},
      {$.response.usage.cache_read_input_tokens})`,
    cache_write_tokens: `coalesce({$.metadata.usage_object.cache_creation_input_tokens},
      {$.metadata.usage_object.prompt_tokens_details.cache_creation_tokens},
      {$.hidden_params.usage_object.cache_creation_input_tokens},
      {$.response.usage.cache_creation_input_tokens},
      {$.response.usage.prompt_tokens_details.cache_creation_tokens})`,
    service_tier: '{$.response.service_tier}',
    cost_usd: '{$.response_cost}',
    cache_key: `nullif(coalesce({$.cache_key}, {$.hidden_params.cache_key}), 'Cache OFF')`,
    cache_hit: '{$.cache_hit}',
    // "success" or "failure".
    status: '{$.status}',
    // response_time is seconds, and only time-to-first-token when streaming: prefer endTime - startTime.
    latency_ms: `coalesce(${elapsedMs('{$.startTime}', '{$.endTime}')}, CAST(rc_num({$.response_time}) * 1000 AS VARCHAR))`,
    provider: '{$.custom_llm_provider}',
  },
};
