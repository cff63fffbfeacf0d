/**
 * The canonical request: one row per LLM call, whatever format it came from.
 * This list drives the `requests` DDL, the mapping SQL and the README's field table,
 * so a new column is added here once.
 */
export type FieldKind = 'timestamp' | 'text' | 'count' | 'number' | 'money' | 'boolean' | 'service_tier';

export interface CanonicalField {
  name: string;
  kind: FieldKind;
  doc: string;
  /** Extra names a native-JSONL/CSV record may use for this field, tried in order. */
  aliases: string[];
}

export const CANONICAL_FIELDS = [
  { name: 'ts', kind: 'timestamp', doc: 'when the request was made (UTC; ISO 8601, `YYYY-MM-DD HH:MM:SS`, or epoch s/ms/us/ns)', aliases: ['timestamp', 'created_at', 'time', 'start_time', 'startTime', 'request_created_at'] },
  { name: 'request_id', kind: 'text', doc: 'unique id of the call; the dedupe key when present', aliases: ['id', 'requestId'] },
  { name: 'session_id', kind: 'text', doc: 'conversation or session', aliases: ['sessionId', 'conversation_id', 'trace_id', 'traceId'] },
  { name: 'user_id', kind: 'text', doc: 'end user', aliases: ['user', 'userId', 'end_user'] },
  { name: 'input', kind: 'text', doc: 'the text the router saw; for a chat `messages` array, the last user message', aliases: ['user_input', 'prompt', 'query', 'text'] },
  { name: 'model', kind: 'text', doc: 'the model that served the call, as logged', aliases: ['routed_to', 'response_model', 'model_name'] },
  { name: 'requested_model', kind: 'text', doc: 'the model the client asked for (before routing)', aliases: ['request_model', 'model_group'] },
  { name: 'route', kind: 'text', doc: "the router's decision label (e.g. `medium_complexity`)", aliases: ['classifier_output', 'tier', 'route_label'] },
  { name: 'score', kind: 'number', doc: "the classifier's score", aliases: ['confidence', 'classifier_score', 'complexity_score'] },
  { name: 'ideal', kind: 'text', doc: 'a label naming the correct model or tier', aliases: ['should_be', 'ideal_route', 'ideal_model', 'label'] },
  { name: 'input_tokens', kind: 'count', doc: 'prompt tokens: the whole prompt, cache reads and writes included', aliases: ['prompt_tokens', 'tokens_in'] },
  { name: 'output_tokens', kind: 'count', doc: 'completion tokens', aliases: ['completion_tokens', 'tokens_out'] },
  { name: 'cached_tokens', kind: 'count', doc: 'prompt tokens served from the provider prompt cache (a subset of input_tokens)', aliases: ['cache_read_tokens', 'prompt_cache_read_tokens', 'cache_read_input_tokens', 'cacheReadInputTokens'] },
  { name: 'cache_write_tokens', kind: 'count', doc: 'prompt tokens written to the provider prompt cache (a subset of input_tokens, apart from cached_tokens)', aliases: ['cache_creation_input_tokens', 'cacheWriteInputTokens', 'cache_creation_tokens', 'prompt_cache_write_tokens'] },
  { name: 'cost_usd', kind: 'money', doc: 'what the call cost, in USD, as logged', aliases: ['cost', 'spend', 'response_cost', 'total_cost'] },
  { name: 'cache_key', kind: 'text', doc: "the gateway's response-cache key", aliases: ['cacheKey'] },
  { name: 'cache_hit', kind: 'boolean', doc: "true when the gateway's cache served the response", aliases: ['cached', 'cacheHit'] },
  { name: 'retry_of', kind: 'text', doc: 'request_id of the call this one retries', aliases: ['retryOf', 'parent_request_id'] },
  { name: 'status', kind: 'text', doc: '`success`, `error`, an HTTP status, …', aliases: ['status_code', 'response_status'] },
  { name: 'latency_ms', kind: 'number', doc: 'end-to-end latency in milliseconds', aliases: ['latency', 'duration_ms', 'request_duration_ms'] },
  { name: 'service_tier', kind: 'service_tier', doc: 'how the provider processed (and bills) the call: `default`, `batch`, `flex` or `priority` (`standard`/`auto` read as `default`)', aliases: ['serviceTier'] },
  { name: 'provider', kind: 'text', doc: 'provider name when logged separately from the model (`openai`, `anthropic`, …)', aliases: ['custom_llm_provider', 'provider_name'] },
] as const satisfies readonly CanonicalField[];

export type CanonicalName = (typeof CANONICAL_FIELDS)[number]['name'];

export const SQL_TYPE: Record<FieldKind, string> = {
  timestamp: 'TIMESTAMPTZ',
  text: 'VARCHAR',
  count: 'BIGINT',
  number: 'DOUBLE',
  money: 'DOUBLE',
  boolean: 'BOOLEAN',
  service_tier: 'VARCHAR',
};

/**
 * The magnitude past which a number in a log is not a measurement but garbage (1e15 tokens, dollars or milliseconds
 * for one call): such values would overflow sums and products downstream (a BIGINT sum of two 9e18 token counts, a
 * DOUBLE sum of 1e308 costs is infinite), so the loader rejects them.
 */
export const MAX_MAGNITUDE = 1e15;
