import { describe, expect, it } from 'vitest';
import { loadFile } from './helpers.js';
import { openaiBatch } from '../src/load/formats/openai-batch.js';

describe('OpenAI Batch API output', () => {
  it('maps completed chat calls and skips failed lines (HTTP error, expired)', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/openai-batch-output.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'openai-batch', records: 4, loaded: 2, rejected: 0, skipped: 2, duplicates: 0 });
    expect(rows[0]).toMatchObject({
      ts_ms: 1742203812000n, request_id: 'chatcmpl-BBn4nM2QkL7xR9sT1uV3wX5yZ6aB8', model: 'gpt-4o-mini-2024-07-18',
      input_tokens: 1320n, output_tokens: 18n, cached_tokens: 1152n, status: '200', source_line: 1n, format: 'openai-batch',
      // Billed at the batch rate, although the body's own service_tier says "default"; OpenAI has no cache writes here.
      service_tier: 'batch', cache_write_tokens: null,
      // Not in a batch output line: the prompt is in the input file (joined by custom_id, kept in raw), no cost.
      input: null, cost_usd: null, session_id: null, user_id: null, requested_model: null, provider: null,
      latency_ms: null, route: null, score: null, ideal: null, cache_key: null, cache_hit: null, retry_of: null,
    });
    expect(rows[1]).toMatchObject({ request_id: 'chatcmpl-BBn4oX7pLq2Wm8Rt4Yu6Io0Pa3Sd5', input_tokens: 412n, cached_tokens: 0n, source_line: 2n });
  });

  it('maps /v1/responses batches (created_at, input/output tokens)', async () => {
    const { summary, rows } = await loadFile('fixtures/formats/openai-batch-responses.jsonl');
    expect(summary).toMatchObject({ format: 'openai-batch', loaded: 1 });
    expect(rows[0]).toMatchObject({
      ts_ms: 1755429600000n, request_id: 'resp_68a1b2c3e4f08190b2c3d4e5f6071829', model: 'gpt-4.1-nano-2025-04-14',
      input_tokens: 57n, output_tokens: 14n, cached_tokens: 0n, status: '200',
    });
  });

  it('rejects lines without a time, with negative usage, or cut off, with their line', async () => {
    const { summary, rejects } = await loadFile('fixtures/formats/openai-batch-output.bad.jsonl');
    expect(summary).toMatchObject({ format: 'openai-batch', records: 3, loaded: 0, rejected: 3 });
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [1n, 'missing ts'],
      [2n, 'malformed JSON'],
      [3n, 'negative output_tokens: -7'],
    ]);
  });

  it('detects output and error files, not batch input files', () => {
    const line = (o: Record<string, unknown>) => openaiBatch.detect({ framing: 'jsonl', lines: [], objects: [o] });
    expect(line({ id: 'b', custom_id: 'r-1', response: { status_code: 200, body: {} }, error: null })).toBe(0.9);
    expect(line({ id: 'b', custom_id: 'r-1', response: null, error: { code: 'batch_expired' } })).toBe(0.9);
    expect(line({ custom_id: 'r-1', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o' } })).toBe(0);
  });
});
