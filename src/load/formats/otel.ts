import { quoteLiteral } from '../../db/sql.js';
import type { LogFormat, Sample } from './types.js';

/**
 * The part of an ExportTraceServiceRequest that routecheck reads, as a json_transform type. The request is
 * parsed once into typed structs: nested json_extract calls re-serialize and re-parse every level and were
 * five times slower. json_transform is lenient: a value of another type becomes NULL (a list or object
 * where a scalar was expected) or its JSON text (a number where VARCHAR was expected), never an error.
 * Scalars are VARCHAR so that int64 values in any spelling (see int64Text) reach the templates as text.
 */
const ANY_SCALAR = '"stringValue":"VARCHAR","intValue":"VARCHAR","doubleValue":"VARCHAR","boolValue":"VARCHAR"';
const ATTRIBUTES = `[{"key":"VARCHAR","value":{${ANY_SCALAR},"bytesValue":"VARCHAR",
  "arrayValue":{"values":[{${ANY_SCALAR}}]},"kvlistValue":"VARCHAR"}}]`;
const SPAN = `{"traceId":"VARCHAR","spanId":"VARCHAR","parentSpanId":"VARCHAR","name":"VARCHAR","kind":"VARCHAR",
  "startTimeUnixNano":"VARCHAR","endTimeUnixNano":"VARCHAR","status":{"code":"VARCHAR","message":"VARCHAR"},
  "attributes":${ATTRIBUTES},"events":[{"name":"VARCHAR","attributes":${ATTRIBUTES}}]}`;
const REQUEST = `{"resourceSpans":[{"resource":{"attributes":${ATTRIBUTES}},
  "scopeSpans":[{"scope":{"name":"VARCHAR","version":"VARCHAR"},"spans":[${SPAN}]}]}]}`.replace(/\s+/g, '');

/**
 * An OTLP int64 or fixed64 (as VARCHAR from json_transform) → decimal text. Exporters write these as a
 * string, a number, or (protobufjs Long, from JavaScript SDKs) `{"low":…,"high":…}` with both halves signed
 * 32-bit. try_cast: a bad value must become NULL, never abort the load.
 */
function int64Text(t: string): string {
  return `CASE WHEN starts_with(${t}, '{') THEN CAST(
      try_cast(json_extract_string(${t}, '$.high') AS HUGEINT) * 4294967296
      + (try_cast(json_extract_string(${t}, '$.low') AS HUGEINT) + 4294967296) % 4294967296 AS VARCHAR)
    ELSE ${t} END`;
}

/** An AnyValue struct → its value as text; an array becomes a JSON array of its scalar values. */
function anyValueText(v: string): string {
  return `CASE
      WHEN ${v}.intValue IS NOT NULL THEN ${int64Text(`${v}.intValue`)}
      WHEN ${v}.arrayValue IS NOT NULL THEN CAST(to_json(list_transform(${v}.arrayValue."values",
        x -> coalesce(x.stringValue, x.intValue, x.doubleValue, x.boolValue))) AS VARCHAR)
      ELSE coalesce(${v}.stringValue, ${v}.doubleValue, ${v}.boolValue, ${v}.kvlistValue, ${v}.bytesValue)
    END`;
}

/**
 * An attribute list → a JSON object {key: "value"}, so that templates address attributes by name
 * (`{$.attrs."gen_ai.request.model"}`). Built as text because MAP keys must be unique and an exporter
 * that repeats a key must not abort the load; JSON readers then take one of the duplicates.
 */
function attributeObject(list: string): string {
  return `CAST('{' || array_to_string(list_transform(list_filter(${list}, a -> a.key IS NOT NULL),
    a -> CAST(to_json(a.key) AS VARCHAR) || ':' || coalesce(CAST(to_json(${anyValueText('a.value')}) AS VARCHAR), 'null')),
    ',') || '}' AS JSON)`;
}

/** The text of the attribute named `key` in a list, or NULL. */
const attributeText = (list: string, key: string): string =>
  `${anyValueText(`list_filter(${list}, a -> a.key = ${key})[1].value`)}`;

/**
 * One ExportTraceServiceRequest (a JSONL line of the collector's file exporter, or a whole JSON document)
 * → one record per span: {span (ids, name, kind, times, status), start_ns, end_ns, attrs, resource, scope,
 * traceloop_prompt, event_prompt}. Templates cannot search attribute names or lists, so two prompts are
 * found here: `traceloop_prompt`, the content of the last `gen_ai.prompt.N` whose role is user (Traceloop's
 * flattened messages), and `event_prompt`, the `gen_ai.prompt` attribute of a `gen_ai.content.prompt` span
 * event (OpenLIT and the 2024 semconv put the prompt there rather than on the span).
 * Records that are not JSON, or that hold no span, pass through unchanged so that they still end up
 * rejected (malformed JSON) or skipped (keep is false without attributes): nothing read is lost.
 */
const EXPLODE = `
WITH req AS (
  SELECT line, CASE WHEN json_valid(raw) THEN json_transform(raw, ${quoteLiteral(REQUEST)}) END AS doc
  FROM rc_framed WHERE json_valid(raw)
), rs AS (
  SELECT line, unnest(doc.resourceSpans) AS rs FROM req
), ss AS (
  SELECT line, rs.resource.attributes AS rattrs, unnest(rs.scopeSpans) AS ss FROM rs
), sp AS MATERIALIZED (
  SELECT line, rattrs, ss.scope AS scope, unnest(ss.spans) AS span FROM ss
), tl AS (
  SELECT *, list_max(list_transform(
      list_filter(span.attributes, a -> regexp_full_match(a.key, 'gen_ai\\.prompt\\.[0-9]+\\.role')
        AND a.value.stringValue = 'user'),
      a -> CAST(regexp_extract(a.key, '[0-9]+') AS INTEGER))) AS tl_user
  FROM sp
)
SELECT line, CAST(json_object(
    'span', json_object('traceId', span.traceId, 'spanId', span.spanId, 'parentSpanId', span.parentSpanId,
      'name', span.name, 'kind', span.kind, 'startTimeUnixNano', span.startTimeUnixNano,
      'endTimeUnixNano', span.endTimeUnixNano, 'status', span.status),
    'start_ns', ${int64Text('span.startTimeUnixNano')},
    'end_ns', ${int64Text('span.endTimeUnixNano')},
    'attrs', ${attributeObject('span.attributes')},
    'resource', ${attributeObject('rattrs')},
    'scope', scope,
    'traceloop_prompt', ${attributeText('span.attributes', `'gen_ai.prompt.' || tl_user || '.content'`)},
    'event_prompt', ${attributeText(
      `list_filter(span.events, e -> e.name = 'gen_ai.content.prompt')[1].attributes`,
      `'gen_ai.prompt'`,
    )}
  ) AS VARCHAR) AS raw
FROM tl
UNION ALL
SELECT f.line, f.raw FROM rc_framed f
WHERE NOT json_valid(f.raw) OR NOT EXISTS (SELECT 1 FROM sp WHERE sp.line = f.line)`;

const attr = (key: string): string => `{$.attrs."${key}"}`;
const resourceAttr = (key: string): string => `{$.resource."${key}"}`;

/** Span attribute first, then the resource's (session and user ids are often set process-wide). */
const spanOrResource = (...keys: string[]): string =>
  `coalesce(${[...keys.map(attr), ...keys.map(resourceAttr)].join(', ')})`;

/** Text of a message list as JSON, or the text itself when it is not a JSON array. */
const messagesOrText = (t: string): string =>
  `CASE WHEN json_valid(${t}) AND json_type(CAST(${t} AS JSON)) = 'ARRAY' THEN rc_last_user(${t}) ELSE ${t} END`;

/**
 * Semconv `gen_ai.input.messages`: [{role, parts: [{type: 'text', content}]}]. The last user message's
 * text parts (blob/uri/file parts are skipped: a blob's content is base64), joined by spaces.
 */
const INPUT_MESSAGES = attr('gen_ai.input.messages');
const SEMCONV_LAST_USER = `CASE WHEN json_valid(${INPUT_MESSAGES}) AND json_type(CAST(${INPUT_MESSAGES} AS JSON)) = 'ARRAY' THEN
    nullif(array_to_string(list_transform(
      list_filter(
        json_extract(list_filter(json_extract(CAST(${INPUT_MESSAGES} AS JSON), '$[*]'),
          m -> json_extract_string(m, '$.role') = 'user')[-1], '$.parts[*]'),
        p -> coalesce(json_extract_string(p, '$.type'), 'text') = 'text'),
      p -> json_extract_string(p, '$.content')), ' '), '') END`;

const SIGNALS = ['resourceSpans', 'resourceLogs', 'resourceMetrics'];

const START = '{$.start_ns}';
const END = '{$.end_ns}';

/**
 * OpenTelemetry GenAI client spans in OTLP JSON: a collector file-exporter JSONL (one export request per
 * line) or one export request as a JSON document. Only model-call spans are kept (chat, text_completion,
 * generate_content; or, without an operation name, any span naming a request model). Embeddings, agent,
 * tool and plain application spans are skipped.
 */
export const otel: LogFormat = {
  name: 'otel',
  description: 'OpenTelemetry GenAI spans, OTLP JSON (ExportTraceServiceRequest; collector file exporter)',
  framings: ['jsonl', 'json'],
  detect(sample: Sample): number {
    // A collector file exporter may write logs and metrics requests into the same file (they are skipped).
    const otlp = sample.objects.slice(0, 20);
    const isRequest = (o: Record<string, unknown>) => SIGNALS.some((k) => Array.isArray(o[k]));
    return otlp.length > 0 && otlp.every(isRequest) && otlp.some((o) => Array.isArray(o['resourceSpans'])) ? 0.9 : 0;
  },
  explode: EXPLODE,
  keep: `CASE WHEN ${attr('gen_ai.operation.name')} IS NOT NULL
      THEN ${attr('gen_ai.operation.name')} IN ('chat', 'text_completion', 'generate_content')
    ELSE ${attr('gen_ai.request.model')} IS NOT NULL
      AND coalesce(${attr('llm.request.type')}, '') NOT IN ('embedding', 'rerank') END`,
  fields: {
    // 0 means "not set" in OTLP; it must not load as 1970.
    ts: `nullif(${START}, '0')`,
    request_id: `coalesce(${attr('gen_ai.response.id')}, {$.span.spanId})`,
    session_id: `coalesce(${spanOrResource('gen_ai.conversation.id', 'session.id')}, {$.span.traceId})`,
    user_id: spanOrResource('user.id', 'enduser.id'),
    input: `coalesce(${SEMCONV_LAST_USER}, rc_last_user(${INPUT_MESSAGES}), {$.traceloop_prompt},
      ${messagesOrText(attr('gen_ai.prompt'))}, ${messagesOrText('{$.event_prompt}')})`,
    model: `coalesce(${attr('gen_ai.response.model')}, ${attr('gen_ai.request.model')})`,
    requested_model: attr('gen_ai.request.model'),
    provider: `coalesce(${attr('gen_ai.provider.name')}, ${attr('gen_ai.system')})`,
    input_tokens: `coalesce(${attr('gen_ai.usage.input_tokens')}, ${attr('gen_ai.usage.prompt_tokens')})`,
    output_tokens: `coalesce(${attr('gen_ai.usage.output_tokens')}, ${attr('gen_ai.usage.completion_tokens')})`,
    cached_tokens: `coalesce(${attr('gen_ai.usage.cache_read.input_tokens')}, ${attr('gen_ai.usage.cache_read_input_tokens')})`,
    // Semconv: gen_ai.usage.input_tokens includes cache reads and writes. OpenTelemetry's util-genai writes
    // cache_write.input_tokens, OpenLLMetry cache_creation_input_tokens.
    cache_write_tokens: `coalesce(${attr('gen_ai.usage.cache_creation.input_tokens')}, ${attr('gen_ai.usage.cache_write.input_tokens')},
      ${attr('gen_ai.usage.cache_creation_input_tokens')})`,
    service_tier: `coalesce(${attr('openai.response.service_tier')}, ${attr('gen_ai.openai.response.service_tier')})`,
    cost_usd: attr('gen_ai.usage.cost'),
    status: `CASE WHEN {$.span.status.code} IN ('2', 'STATUS_CODE_ERROR') OR ${attr('error.type')} IS NOT NULL
      THEN 'error' ELSE 'success' END`,
    latency_ms: `CASE WHEN try_cast(${END} AS HUGEINT) > 0 AND try_cast(${END} AS HUGEINT) >= try_cast(${START} AS HUGEINT)
      THEN (try_cast(${END} AS HUGEINT) - try_cast(${START} AS HUGEINT)) / 1e6 END`,
  },
};
