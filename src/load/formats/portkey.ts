import { quoteLiteral } from '../../db/sql.js';
import type { LogFormat, Sample } from './types.js';

/*
 * Portkey log exports (JSONL). Sources: Portkey-AI/docs-core product/observability/logs-export.mdx (the
 * columns of the older, support-requested export, which adds cache_status and is_success) and
 * aigw/product/observability/logs-export.mdx (the in-app / API export: id, trace_id, created_at, request,
 * response, ai_org, ai_model, req_units, res_units, total_units, request_url, cost, cost_currency,
 * response_time, response_status_code, config, prompt_slug, metadata). The API's create-export example also
 * spells some fields ai_provider / request_tokens / response_tokens / status_code; both spellings are read.
 */

/** A value at `path` inside JSON text `expr` (an object's text or a JSON-encoded string); NULL when not JSON. */
const jx = (expr: string, path: string): string =>
  `CASE WHEN json_valid(${expr}) THEN json_extract_string(${expr}, ${quoteLiteral(path)}) END`;

/** The last user message of a request payload's JSON text: `messages`, or a Responses-API `input`, or `prompt`. */
function requestPrompt(expr: string): string {
  const sub = (p: string): string => `CAST(json_extract(${expr}, ${quoteLiteral(p)}) AS VARCHAR)`;
  const str = (p: string): string =>
    `CASE WHEN json_type(${expr}, ${quoteLiteral(p)}) = 'VARCHAR' THEN json_extract_string(${expr}, ${quoteLiteral(p)}) END`;
  return `CASE WHEN json_valid(${expr}) AND json_type(TRY_CAST(${expr} AS JSON)) = 'OBJECT' THEN coalesce(
      rc_last_user(${sub('$.messages')}), rc_last_user(${sub('$.input')}), ${str('$.input')}, ${str('$.prompt')}) END`;
}

/** The request payload may be the body itself or the log object's {url, headers, body}. */
const REQUEST = '{$.request}';
const REQUEST_BODY = jx(REQUEST, '$.body');
const RESPONSE = '{$.response}';

const has = (o: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
const PORTKEY_KEYS = ['req_units', 'res_units', 'cost_currency', 'ai_org', 'ai_provider', 'request_tokens'];

export const portkey: LogFormat = {
  name: 'portkey',
  description: 'Portkey log export (JSONL; cost in US cents)',
  framings: ['jsonl', 'json'],
  detect(sample: Sample): number {
    const first = sample.objects[0];
    if (!first) return 0;
    return has(first, 'ai_model') && PORTKEY_KEYS.some((k) => has(first, k)) ? 0.9 : 0;
  },
  fields: {
    ts: '{$.created_at}',
    request_id: '{$.id}',
    session_id: '{$.trace_id}',
    // Portkey's reserved metadata key for the end user is `_user`; metadata may be an object or JSON text.
    user_id: `coalesce(${jx('{$.metadata}', '$._user')}, ${jx('{$.metadata}', '$.user')})`,
    input: `coalesce(${requestPrompt(REQUEST)}, ${requestPrompt(REQUEST_BODY)})`,
    model: '{$.ai_model}',
    // The model named in the logged request body, when there is one.
    requested_model: `coalesce(${jx(REQUEST, '$.model')}, ${jx(REQUEST_BODY, '$.model')})`,
    input_tokens: 'coalesce({$.req_units}, {$.request_tokens})',
    output_tokens: 'coalesce({$.res_units}, {$.response_tokens})',
    cached_tokens: `coalesce(
      ${jx(RESPONSE, '$.usage.prompt_tokens_details.cached_tokens')},
      ${jx(RESPONSE, '$.body.usage.prompt_tokens_details.cached_tokens')},
      ${jx(RESPONSE, '$.usage.cache_read_input_tokens')},
      ${jx(RESPONSE, '$.body.usage.cache_read_input_tokens')})`,
    cache_write_tokens: `coalesce(
      ${jx(RESPONSE, '$.usage.cache_creation_input_tokens')},
      ${jx(RESPONSE, '$.body.usage.cache_creation_input_tokens')})`,
    service_tier: `coalesce(${jx(RESPONSE, '$.service_tier')}, ${jx(RESPONSE, '$.body.service_tier')})`,
    // US cents; scaled to dollars below.
    cost_usd: '{$.cost}',
    // "HIT" and "SEMANTIC HIT" were served from Portkey's cache; "MISS", "SEMANTIC MISS", "REFRESH", "DISABLED" were not.
    cache_hit: `CASE WHEN upper(trim({$.cache_status})) IN ('HIT', 'SEMANTIC HIT') THEN 'true'
      WHEN nullif(trim({$.cache_status}), '') IS NOT NULL THEN 'false' END`,
    status: `coalesce({$.response_status_code}, {$.status_code},
      CASE lower(trim({$.is_success})) WHEN '1' THEN 'success' WHEN 'true' THEN 'success'
        WHEN '0' THEN 'error' WHEN 'false' THEN 'error' END)`,
    latency_ms: '{$.response_time}',
    provider: 'coalesce({$.ai_org}, {$.ai_provider})',
  },
  scale: { cost_usd: 0.01 },
};
