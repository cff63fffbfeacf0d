import type { LogFormat, Sample } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{custom_id, response: {status_code, body}}`, or a failed line `{custom_id, response: null, error: {code}}`. */
function isBatchLine(o: Record<string, unknown>): boolean {
  if (typeof o['custom_id'] !== 'string' || !('response' in o)) return false;
  const response = o['response'];
  return (isObject(response) && isObject(response['body'])) || (response === null && isObject(o['error']));
}

const BODY = '$.response.body';

/**
 * OpenAI Batch API output (and error) files: one line per request, `{id, custom_id, response: {status_code,
 * request_id, body}, error}`, body being a chat completion (`/v1/chat/completions`, `/v1/completions`) or a
 * Responses object (`/v1/responses`: created_at, usage.input_tokens). Other providers' OpenAI-compatible batch
 * outputs have the same shape.
 *
 * Every call is in the `batch` service tier: the body's own `service_tier` says `default`, but the Batch API bills
 * its own rate.
 *
 * Not in this format, so NULL: the prompt (input; it is in the batch input file, joined by custom_id, which
 * stays in raw), cost, provider, latency, requested model, session and user.
 *
 * Only completed calls are kept. A failed line (`response: null` with error batch_expired, batch_cancelled,
 * request_timeout…, or an HTTP error with `body.error`) carries no time, model or usage, so it could only be
 * a reject; it is skipped (counted) instead. Embedding batches (`body.object = 'list'`) are skipped too.
 *
 * request_id is the response's own id (chatcmpl-…/resp_…), then the line id (batch_req_…), and only then
 * custom_id: custom ids are chosen by the user and reused across batches ("request-1"), and request_id is
 * the dedupe key, so preferring them would drop every later batch's calls as duplicates.
 */
export const openaiBatch: LogFormat = {
  name: 'openai-batch',
  description: 'OpenAI Batch API output JSONL (custom_id, response.body)',
  framings: ['jsonl'],
  detect(sample: Sample): number {
    return sample.objects.slice(0, 5).some(isBatchLine) ? 0.9 : 0;
  },
  keep: `{$.error} IS NULL AND {${BODY}.error} IS NULL AND {${BODY}} IS NOT NULL
    AND coalesce({${BODY}.object}, '') <> 'list'`,
  fields: {
    ts: `coalesce({${BODY}.created}, {${BODY}.created_at})`,
    request_id: `coalesce({${BODY}.id}, {$.id}, {$.custom_id})`,
    model: `{${BODY}.model}`,
    input_tokens: `coalesce({${BODY}.usage.prompt_tokens}, {${BODY}.usage.input_tokens})`,
    output_tokens: `coalesce({${BODY}.usage.completion_tokens}, {${BODY}.usage.output_tokens})`,
    cached_tokens: `coalesce({${BODY}.usage.prompt_tokens_details.cached_tokens}, {${BODY}.usage.input_tokens_details.cached_tokens})`,
    cache_write_tokens: `coalesce({${BODY}.usage.prompt_tokens_details.cache_write_tokens}, {${BODY}.usage.input_tokens_details.cache_write_tokens})`,
    // Billed at the Batch API rate whatever the body says (it says "default").
    service_tier: `'batch'`,
    status: `coalesce({$.response.status_code}, {$.error.code})`,
  },
};
