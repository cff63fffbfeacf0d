import { quoteLiteral } from '../../db/sql.js';
import type { LogFormat, Sample } from './types.js';
import { promptText } from './litellm.js';

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
  return `TRY_CAST('{' || array_to_string(list_transform(list_filter(${list}, a -> a.key IS NOT NULL),
    a -> CAST(to_json(a.key) AS VARCHAR) || ':' || coalesce(CAST(to_json(${anyValueText('a.value')}) AS VARCHAR), 'null')),
    ',') || '}' AS JSON)`;
}

/** The text of the attribute named `key` in a list, or NULL. */
const attributeText = (list: string, key: string): string =>
  `${anyValueText(`list_filter(${list}, a -> a.key = ${key})[1].value`)}`;

/**
 * SQL: the integer N of a key spelled `<prefix>N<suffix>` (prefix and suffix are SQL text expressions), else
 * NULL. Flattened message lists (`llm.input_messages.3.message.role`, `gen_ai.prompt.3.content.0.text`) are
 * read this way: starts_with/ends_with settle almost every key without a regular expression.
 */
const indexBetween = (key: string, prefix: string, suffix: string): string =>
  `CASE WHEN starts_with(${key}, ${prefix}) AND ends_with(${key}, ${suffix})
    THEN try_cast(substr(${key}, length(${prefix}) + 1, length(${key}) - length(${prefix}) - length(${suffix})) AS INTEGER) END`;

/** The largest N among attributes `<prefix>N<suffix>` whose value is "user": the last user message. */
const lastUserIndex = (list: string, prefix: string, suffix: string): string =>
  `list_max(list_transform(list_filter(${list}, a -> a.value.stringValue = 'user'
    AND ${indexBetween('a.key', prefix, suffix)} IS NOT NULL), a -> ${indexBetween('a.key', prefix, suffix)}))`;

/** The values of attributes `<prefix>M<suffix>` in M order, joined by spaces (a message's text parts). */
const joinedParts = (list: string, prefix: string, suffix: string): string =>
  `nullif(array_to_string(list_transform(list_sort(list_transform(
    list_filter(${list}, a -> a.value.stringValue IS NOT NULL AND ${indexBetween('a.key', prefix, suffix)} IS NOT NULL),
    a -> {'i': ${indexBetween('a.key', prefix, suffix)}, 'v': a.value.stringValue})), x -> x.v), ' '), '')`;

/** The attributes of the last span event named `name`. */
const eventAttributes = (name: string): string => `list_filter(span.events, e -> e.name = ${quoteLiteral(name)})[-1].attributes`;

/**
 * One ExportTraceServiceRequest (a JSONL line of the collector's file exporter, or a whole JSON document)
 * → one record per span: {span (ids, name, kind, times, status), start_ns, end_ns, attrs, resource, scope, and
 * the prompts templates cannot find themselves, since they cannot search attribute names or lists}:
 * - `oi_prompt`: OpenInference's last user message, `llm.input_messages.N.message.content`, or its text parts
 *   `llm.input_messages.N.message.contents.M.message_content.text` joined;
 * - `traceloop_prompt`: the last `gen_ai.prompt.N` whose role is user (OpenLLMetry's flattened messages), its
 *   `.content`, or its parts `gen_ai.prompt.N.content.M.text` joined (Strands' content blocks, flattened); else
 *   the last user `llm.prompts.N.content` (OpenLLMetry before it moved to gen_ai.*);
 * - `event_prompt`: the `gen_ai.prompt` attribute of a `gen_ai.content.prompt` span event (OpenLIT and the 2024
 *   semconv put the prompt there rather than on the span);
 * - `event_user`: the `content` of the last `gen_ai.user.message` span event (the event-based semconv form,
 *   Strands' default: a string, or a JSON list of content blocks `[{"text": …}]`);
 * - `event_input_messages`: `gen_ai.input.messages` of a `gen_ai.client.inference.operation.details` event
 *   (Strands with the latest GenAI conventions).
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
), idx AS (
  SELECT *,
    ${lastUserIndex('span.attributes', `'llm.input_messages.'`, `'.message.role'`)} AS oi_user,
    ${lastUserIndex('span.attributes', `'gen_ai.prompt.'`, `'.role'`)} AS tl_user,
    ${lastUserIndex('span.attributes', `'llm.prompts.'`, `'.role'`)} AS lp_user
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
    'oi_prompt', coalesce(
      ${attributeText('span.attributes', `'llm.input_messages.' || oi_user || '.message.content'`)},
      ${joinedParts('span.attributes', `'llm.input_messages.' || oi_user || '.message.contents.'`, `'.message_content.text'`)}),
    'traceloop_prompt', coalesce(
      ${attributeText('span.attributes', `'gen_ai.prompt.' || tl_user || '.content'`)},
      ${joinedParts('span.attributes', `'gen_ai.prompt.' || tl_user || '.content.'`, `'.text'`)},
      ${attributeText('span.attributes', `'llm.prompts.' || lp_user || '.content'`)}),
    'event_prompt', ${attributeText(eventAttributes('gen_ai.content.prompt'), `'gen_ai.prompt'`)},
    'event_user', ${attributeText(eventAttributes('gen_ai.user.message'), `'content'`)},
    'event_input_messages', ${attributeText(eventAttributes('gen_ai.client.inference.operation.details'), `'gen_ai.input.messages'`)}
  ) AS VARCHAR) AS raw
FROM idx
UNION ALL
SELECT f.line, f.raw FROM rc_framed f
WHERE NOT json_valid(f.raw) OR NOT EXISTS (SELECT 1 FROM sp WHERE sp.line = f.line)`;

const attr = (key: string): string => `{$.attrs."${key}"}`;
const resourceAttr = (key: string): string => `{$.resource."${key}"}`;

/** Span attribute first, then the resource's (session and user ids are often set process-wide). */
const spanOrResource = (...keys: string[]): string =>
  `coalesce(${[...keys.map(attr), ...keys.map(resourceAttr)].join(', ')})`;

/** True when `t` is JSON of that type. CASE, not AND: DuckDB may evaluate both sides, and a cast of non-JSON throws. */
const isJson = (t: string, type: string): string =>
  `CASE WHEN json_valid(${t}) THEN json_type(TRY_CAST(${t} AS JSON)) = '${type}' ELSE false END`;

/**
 * A prompt attribute given as a chat message list (last user message), a single message object
 * (`{"role": "user", "content": …}`, as Mirascope writes it), or plain text.
 */
const messagesOrText = (t: string): string => `CASE
    WHEN ${isJson(t, 'ARRAY')} THEN rc_last_user(${t})
    WHEN ${isJson(t, 'OBJECT')} THEN CASE WHEN json_extract_string(${t}, '$.role') = 'user' THEN rc_content(json_extract(${t}, '$.content')) END
    ELSE ${t} END`;

/** A message content given as text or as a JSON list of content blocks (`[{"text": …}]`). */
const contentText = (t: string): string => `CASE WHEN ${isJson(t, 'ARRAY')} THEN rc_content(TRY_CAST(${t} AS JSON)) ELSE ${t} END`;

/**
 * OpenLIT writes the prompt as one text, each message as `role: content` on its own line(s)
 * (`system: Be terse.\nuser: Hello`); a list content becomes `text: …, image_url: …`. The last user turn, up to
 * the next line that opens another role, without the prefix (and for a list content, its text before any image).
 */
const OPENLIT_ROLES = '(system|assistant|developer|tool|function)';
const openlitPrompt = (t: string): string => `CASE
    WHEN starts_with(${t}, 'user: ') OR contains(${t}, chr(10) || 'user: ') THEN regexp_replace(regexp_replace(
      string_split(chr(10) || ${t}, chr(10) || 'user: ')[-1], '(?s)\\n${OPENLIT_ROLES}: .*$', ''), '(?s)^text: (.*?)(, image_url: .*)?$', '\\1')
    WHEN regexp_matches(${t}, '^${OPENLIT_ROLES}: ') THEN NULL
    ELSE ${t} END`;
const IS_OPENLIT = `(starts_with(coalesce({$.scope.name}, ''), 'openlit') OR ${attr('telemetry.sdk.name')} = 'openlit')`;
const prompt = (t: string): string => `CASE WHEN ${IS_OPENLIT} THEN ${openlitPrompt(t)} ELSE ${messagesOrText(t)} END`;

/**
 * Semconv `gen_ai.input.messages`: [{role, parts: [{type: 'text', content}]}]. The last user message's
 * text parts (blob/uri/file parts are skipped: a blob's content is base64), joined by spaces.
 */
const semconvLastUser = (t: string): string => `CASE WHEN ${isJson(t, 'ARRAY')} THEN
    nullif(array_to_string(list_transform(
      list_filter(
        json_extract(list_filter(json_extract(TRY_CAST(${t} AS JSON), '$[*]'),
          m -> json_extract_string(m, '$.role') = 'user')[-1], '$.parts[*]'),
        p -> coalesce(json_extract_string(p, '$.type'), 'text') = 'text'),
      p -> json_extract_string(p, '$.content')), ' '), '') END`;

const INPUT_MESSAGES = attr('gen_ai.input.messages');

/** The JSON text at `path` of a JSON-text attribute, NULL when the attribute is not JSON. */
const jsonAttr = (key: string, path: string): string =>
  `CASE WHEN json_valid(${attr(key)}) THEN json_extract_string(${attr(key)}, ${quoteLiteral(path)}) END`;

/** Frameworks that put their own name where the model's provider goes (Strands: `gen_ai.system`). */
const notAFramework = (t: string): string => `CASE WHEN ${t} IN ('strands-agents') THEN NULL ELSE ${t} END`;

const SIGNALS = ['resourceSpans', 'resourceLogs', 'resourceMetrics'];

const START = '{$.start_ns}';
const END = '{$.end_ns}';

const SPAN_KIND = attr('openinference.span.kind');
const OPERATION = attr('gen_ai.operation.name');
const MODEL_ATTRS = ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name', 'llm.response.model', 'llm.request.model'];

/**
 * OpenTelemetry GenAI client spans in OTLP JSON: a collector file-exporter JSONL (one export request per
 * line) or one export request as a JSON document. Dialects read, each an LLM call by its own mark:
 * - the GenAI semantic conventions (`gen_ai.operation.name` chat, text_completion or generate_content;
 *   `gen_ai.usage.*`, `gen_ai.input.messages`, or the older `gen_ai.prompt` and `gen_ai.user.message` events);
 * - OpenLLMetry/Traceloop (`llm.request.type`, `gen_ai.prompt.N.role|content`, `gen_ai.usage.prompt_tokens`,
 *   `llm.usage.*`), OpenLIT (`gen_ai.usage.cost`, a `gen_ai.content.prompt` event), Strands Agents;
 * - OpenInference (Arize Phoenix, `openinference-instrumentation-*`): `openinference.span.kind` = LLM,
 *   `llm.model_name`, `llm.token_count.prompt|completion` (prompt includes cache reads,
 *   `llm.token_count.prompt_details.cache_read`), `llm.input_messages.N.message.*`, `llm.invocation_parameters`,
 *   `llm.provider`/`llm.system`, `llm.cost.total`, `session.id`, `user.id`.
 * Embeddings, agent, tool, chain and plain application spans are skipped. A streamed call whose span holds no
 * token counts loads with its model and prompt and NULL tokens (never 0), so it shows as missing token counts.
 */
export const otel: LogFormat = {
  name: 'otel',
  description: 'OpenTelemetry GenAI spans in OTLP JSON (semconv, OpenInference, OpenLLMetry, OpenLIT, Strands)',
  framings: ['jsonl', 'json'],
  detect(sample: Sample): number {
    // A collector file exporter may write logs and metrics requests into the same file (they are skipped).
    const otlp = sample.objects.slice(0, 20);
    const isRequest = (o: Record<string, unknown>) => SIGNALS.some((k) => Array.isArray(o[k]));
    return otlp.length > 0 && otlp.every(isRequest) && otlp.some((o) => Array.isArray(o['resourceSpans'])) ? 0.9 : 0;
  },
  explode: EXPLODE,
  keep: `CASE
      WHEN ${SPAN_KIND} IS NOT NULL THEN upper(${SPAN_KIND}) = 'LLM'
      WHEN ${OPERATION} IS NOT NULL THEN ${OPERATION} IN ('chat', 'text_completion', 'generate_content')
      ELSE coalesce(${MODEL_ATTRS.map(attr).join(', ')}) IS NOT NULL
        AND coalesce(${attr('llm.request.type')}, '') NOT IN ('embedding', 'rerank') END`,
  fields: {
    // 0 means "not set" in OTLP; it must not load as 1970.
    ts: `nullif(${START}, '0')`,
    // OpenInference keeps the provider's response (with its id) as JSON in output.value.
    request_id: `coalesce(${attr('gen_ai.response.id')},
      CASE WHEN ${attr('output.mime_type')} = 'application/json' THEN ${jsonAttr('output.value', '$.id')} END,
      {$.span.spanId})`,
    session_id: `coalesce(${spanOrResource('gen_ai.conversation.id', 'session.id')}, {$.span.traceId})`,
    user_id: spanOrResource('user.id', 'enduser.id'),
    input: `coalesce(${semconvLastUser(INPUT_MESSAGES)}, rc_last_user(${INPUT_MESSAGES}),
      ${semconvLastUser('{$.event_input_messages}')}, {$.oi_prompt}, {$.traceloop_prompt}, ${contentText('{$.event_user}')},
      ${prompt(attr('gen_ai.prompt'))}, ${prompt('{$.event_prompt}')}, ${promptText(attr('input.value'), true)})`,
    model: `coalesce(${MODEL_ATTRS.map(attr).join(', ')})`,
    requested_model: `coalesce(${attr('gen_ai.request.model')}, ${jsonAttr('llm.invocation_parameters', '$.model')}, ${attr('llm.request.model')})`,
    provider: `coalesce(${notAFramework(attr('gen_ai.provider.name'))}, ${notAFramework(attr('gen_ai.system'))},
      ${attr('llm.provider')}, ${attr('llm.system')}, ${attr('llm.vendor')})`,
    input_tokens: `coalesce(${attr('gen_ai.usage.input_tokens')}, ${attr('gen_ai.usage.prompt_tokens')},
      ${attr('llm.token_count.prompt')}, ${attr('llm.usage.prompt_tokens')})`,
    output_tokens: `coalesce(${attr('gen_ai.usage.output_tokens')}, ${attr('gen_ai.usage.completion_tokens')},
      ${attr('llm.token_count.completion')}, ${attr('llm.usage.completion_tokens')})`,
    cached_tokens: `coalesce(${attr('gen_ai.usage.cache_read.input_tokens')}, ${attr('gen_ai.usage.cache_read_input_tokens')},
      ${attr('llm.token_count.prompt_details.cache_read')})`,
    // Semconv: gen_ai.usage.input_tokens includes cache reads and writes. OpenTelemetry's util-genai writes
    // cache_write.input_tokens, OpenLLMetry cache_creation_input_tokens; OpenInference prompt_details.cache_write.
    cache_write_tokens: `coalesce(${attr('gen_ai.usage.cache_creation.input_tokens')}, ${attr('gen_ai.usage.cache_write.input_tokens')},
      ${attr('gen_ai.usage.cache_creation_input_tokens')}, ${attr('llm.token_count.prompt_details.cache_write')})`,
    service_tier: `coalesce(${attr('openai.response.service_tier')}, ${attr('gen_ai.openai.response.service_tier')})`,
    cost_usd: `coalesce(${attr('gen_ai.usage.cost')}, ${attr('llm.cost.total')})`,
    status: `CASE WHEN {$.span.status.code} IN ('2', 'STATUS_CODE_ERROR') OR ${attr('error.type')} IS NOT NULL
      THEN 'error' ELSE 'success' END`,
    latency_ms: `CASE WHEN try_cast(${END} AS HUGEINT) > 0 AND try_cast(${END} AS HUGEINT) >= try_cast(${START} AS HUGEINT)
      THEN (try_cast(${END} AS HUGEINT) - try_cast(${START} AS HUGEINT)) / 1e6 END`,
  },
};
