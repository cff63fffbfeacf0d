import type { LogFormat, Sample } from './types.js';
import { promptTotal } from './usage.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const RESULT_TYPES = new Set(['succeeded', 'errored', 'canceled', 'expired']);

/** `{custom_id, result: {type: succeeded|errored|canceled|expired, message?|error?}}`. */
function isResultLine(o: Record<string, unknown>): boolean {
  const result = o['result'];
  return typeof o['custom_id'] === 'string' && isObject(result) && RESULT_TYPES.has(String(result['type']));
}

const MESSAGE = '$.result.message';
const USAGE = `${MESSAGE}.usage`;

/**
 * Anthropic Message Batches results (`GET /v1/messages/batches/{id}/results`, a .jsonl file): one line per request,
 * `{custom_id, result: {type, message}}`, the message being a Messages API response (id, model, usage).
 *
 * - Every call is in the `batch` service tier (billed at half the list price, cache prices included).
 * - usage.input_tokens leaves cache reads and writes out: input_tokens adds them (the canonical count is the whole
 *   prompt); cache_read_input_tokens and cache_creation_input_tokens are the cached and cache-write parts.
 * - A result line carries no time: a call is dated by the file's modification time (when the results were
 *   downloaded; `--map ts=…` reads a time you added yourself).
 * - Only `succeeded` results are calls; `errored`, `canceled` and `expired` ones are skipped (counted), as they
 *   carry no model or usage. The prompt is in the batch request, not here (input NULL), and so is cost.
 * - request_id is the message id (msg_…): custom ids are the user's and repeat across batches.
 */
export const anthropicBatch: LogFormat = {
  name: 'anthropic-batch',
  description: 'Anthropic Message Batches results JSONL (custom_id, result.message)',
  framings: ['jsonl'],
  detect(sample: Sample): number {
    return sample.objects.slice(0, 5).some(isResultLine) ? 0.9 : 0;
  },
  keep: `{$.result.type} = 'succeeded' AND {${MESSAGE}} IS NOT NULL`,
  fields: {
    ts: '$file_time',
    request_id: `coalesce({${MESSAGE}.id}, {$.custom_id})`,
    model: `{${MESSAGE}.model}`,
    provider: `'anthropic'`,
    input_tokens: promptTotal(`{${USAGE}.input_tokens}`, `{${USAGE}.cache_read_input_tokens}`, `{${USAGE}.cache_creation_input_tokens}`),
    output_tokens: `{${USAGE}.output_tokens}`,
    cached_tokens: `{${USAGE}.cache_read_input_tokens}`,
    cache_write_tokens: `{${USAGE}.cache_creation_input_tokens}`,
    service_tier: `'batch'`,
    status: `'success'`,
  },
};
