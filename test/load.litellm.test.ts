import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFile } from './helpers.js';
import { litellmPayload, litellmSpendLogs } from '../src/load/formats/litellm.js';
import { native } from '../src/load/formats/native.js';
import type { Sample } from '../src/load/formats/types.js';

const sample = (o: Record<string, unknown>): Sample => ({ framing: 'jsonl', objects: [o], lines: [JSON.stringify(o)] });

/** Every mapped field of the spend-log fixture's rows, identical whichever framing carried them. */
const SPEND_ROWS = [
  {
    ts_ms: 1742202000120n, // "2025-03-17 09:00:00.120000", UTC without a zone
    request_id: 'chatcmpl-5b0e7f3c-2d8a-4c61-9a7e-1f4d2c9b8e01',
    session_id: 'sess-7f2a',
    user_id: 'cust-42', // end_user wins over the key owner in `user`
    input: 'It was due Friday.', // last user message of proxy_server_request (a JSON string), content parts
    model: 'gpt-4o-mini',
    requested_model: 'router-auto', // model_group
    route: 'SIMPLE', // metadata.routing_decision.tier (LiteLLM's complexity router)
    score: 0.08,
    ideal: null,
    input_tokens: 1180n,
    output_tokens: 240n,
    cached_tokens: 1024n, // metadata.usage_object.prompt_tokens_details.cached_tokens
    cost_usd: 0.000185,
    cache_key: null, // "Cache OFF"
    cache_hit: false, // "False"
    retry_of: null,
    status: 'success',
    latency_ms: 1410, // request_duration_ms
    provider: 'openai',
  },
  {
    ts_ms: 1742202005401n, // "2025-03-17T09:00:05.401000"
    request_id: 'chatcmpl-0c9d4e21-77ab-4f0e-8d55-3e6a1b2f9c40_cache_hit1742202005.412803', // kept as logged
    session_id: 'sess-7f2a',
    user_id: 'cust-42',
    input: null, // messages "{}" and proxy_server_request "{}"
    model: 'gpt-4o-mini',
    requested_model: 'router-auto',
    route: null,
    score: null,
    ideal: null,
    input_tokens: 1180n,
    output_tokens: 240n,
    cached_tokens: null, // prompt_tokens_details: null
    cost_usd: 0,
    cache_key: '3f9c1d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c',
    cache_hit: true, // "True"
    retry_of: null,
    status: 'success',
    latency_ms: 11.5, // no request_duration_ms: endTime - startTime
    provider: 'openai',
  },
  {
    ts_ms: 1742202070000n,
    request_id: 'chatcmpl-9a1e5c33-0f6d-4b2a-a8c1-7d3e2f1b0a99',
    session_id: '0f3b6c2e-5a7d-4e19-9c8b-2a1d0e3f4b5c',
    user_id: 'internal-user-9', // end_user "" falls back to `user`
    input: 'Draft a migration plan for our billing service.', // from the `messages` column
    model: 'claude-3-5-sonnet-20241022',
    requested_model: null, // model_group ""
    route: 'complex', // metadata.spend_logs_metadata.{route,score,ideal}
    score: 0.71,
    ideal: 'gpt-4o-mini',
    input_tokens: 0n,
    output_tokens: 0n,
    cached_tokens: null,
    cost_usd: 0,
    cache_key: null,
    cache_hit: null, // "None"
    retry_of: null,
    status: 'failure',
    latency_ms: 30250,
    provider: 'anthropic',
  },
];

describe('LiteLLM spend logs', () => {
  it('maps LiteLLM_SpendLogs rows from JSONL and skips non-model calls', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-spendlogs.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 4, loaded: 3, rejected: 0, skipped: 1, duplicates: 0 });
    expect(rows).toHaveLength(3);
    rows.forEach((row, i) => {
      expect(row).toMatchObject({ ...SPEND_ROWS[i], source_line: BigInt(i + 1), format: 'litellm-spendlogs' });
    });
  });

  it('reads the same rows from a CSV export, JSON columns as JSON text in cells', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-spendlogs.csv');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 3, loaded: 3, rejected: 0 });
    rows.forEach((row, i) => {
      expect(row).toMatchObject({ ...SPEND_ROWS[i], source_line: BigInt(i + 2) });
    });
  });

  it('reads the /spend/logs JSON array', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-litellm-'));
    try {
      const lines = readFileSync('fixtures/formats/litellm-spendlogs.jsonl', 'utf8').trim().split('\n');
      const path = join(dir, 'spend-logs.json');
      writeFileSync(path, JSON.stringify(lines.map((l) => JSON.parse(l) as unknown), null, 2));
      const { summary, rows } = await loadFile(path);
      expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 4, loaded: 3, skipped: 1 });
      rows.forEach((row, i) => expect(row).toMatchObject(SPEND_ROWS[i]!));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad rows with their line and reason', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-spendlogs.bad.jsonl');
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 6, loaded: 1, rejected: 5 });
    expect(rows.map((r) => r.request_id)).toEqual(['chatcmpl-bad-0']);
    expect(rejects.map((r) => [r.source_line, r.reason])).toEqual([
      [2n, 'unparseable ts: 17/03/2025 09:00'],
      [3n, 'malformed JSON'],
      [4n, 'input_tokens is not a whole number: 20.5'],
      [5n, 'negative cost_usd: -0.0002'],
      [6n, 'cache_hit is not true/false: Maybe'],
    ]);
  });
});

describe('LiteLLM /spend/logs/ui and /spend/logs/v2 pages', () => {
  it('loads a saved /spend/logs/ui page as its rows: JSON columns as objects, ISO times with +00:00', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-spendlogs-ui.json');
    expect(rejects).toEqual([]);
    // The envelope's total/page/page_size/total_pages are not records: 3 rows, numbered by their index in `data`.
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 3, loaded: 3, rejected: 0, skipped: 0, duplicates: 0 });
    const [a, b, c] = rows;
    expect(a).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 24, 10, 15, 2, 418)),
      request_id: 'chatcmpl-3f1d9a2e-7b4c-4e0a-9d51-6c8e2b7a0f13',
      session_id: 'sess-9c21',
      user_id: 'cust-4410', // end_user
      input: 'How do I reset my password?', // proxy_server_request as an object
      model: 'gpt-4o-mini',
      requested_model: 'router-auto',
      route: 'simple', // metadata (an object here).routing_decision
      score: 0.21,
      ideal: null,
      input_tokens: 1850n,
      output_tokens: 55n,
      cached_tokens: 1536n, // metadata.usage_object.prompt_tokens_details.cached_tokens
      cost_usd: 0.00031575,
      cache_key: null,
      cache_hit: false,
      retry_of: null,
      status: 'success',
      latency_ms: 1484,
      provider: 'openai',
      source_line: 1n,
      format: 'litellm-spendlogs',
    });
    expect(b).toMatchObject({
      request_id: 'chatcmpl-a8e0c4b7-1d2f-4f6e-8b9a-0c3d5e7f9a21_cache_hit1742811343.12',
      input: null, // proxy_server_request {}
      cache_hit: true,
      cache_key: 'b3a8f1c94e7d2a60c5e9f8d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5',
      cost_usd: 0,
      cached_tokens: null,
      latency_ms: 11,
      source_line: 2n,
    });
    expect(c).toMatchObject({
      request_id: 'a4c1e9d2-5b7f-4c3a-8e6d-2f0b9a1c7e55',
      user_id: null, // end_user and user both ""
      model: 'claude-3-5-sonnet-20241022',
      status: 'failure',
      cache_hit: null, // "None"
      latency_ms: 30002,
      provider: 'anthropic',
      source_line: 3n,
    });
  });

  it('loads JSONL of /spend/logs/v2 pages (a page per line; a page\'s rows share its line) and skips MCP calls', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-spendlogs-v2.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 3, loaded: 2, skipped: 1, rejected: 0 });
    expect(rows[0]).toMatchObject({
      request_id: 'resp_67e1a0c2f3d88190b9a7c6d5e4f3a2b1',
      ts_ms: BigInt(Date.UTC(2025, 2, 25, 8, 0, 10, 500)),
      input: 'Compare three vector databases for a 50M-row corpus.', // Responses-API `input` with content parts
      model: 'gpt-4.1',
      route: 'complex', // metadata.spend_logs_metadata
      score: 0.87,
      user_id: 'internal-user-2', // end_user "" falls back to user
      input_tokens: 260n,
      output_tokens: 1000n,
      cached_tokens: 0n,
      cost_usd: 0.0042,
      latency_ms: 11250,
      source_line: 1n,
    });
    expect(rows[1]).toMatchObject({
      request_id: 'chatcmpl-c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f',
      input: 'Thanks — summarise that in one line.',
      ideal: 'simple',
      user_id: 'cust-88',
      source_line: 2n,
    });
  });

  it('unwraps the page with --input-format litellm-spendlogs too', async () => {
    const { summary, rows } = await loadFile('fixtures/formats/litellm-spendlogs-ui.json', { inputFormat: litellmSpendLogs });
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 3, loaded: 3, rejected: 0 });
    expect(rows.map((r) => r['request_id'])).toEqual([
      'chatcmpl-3f1d9a2e-7b4c-4e0a-9d51-6c8e2b7a0f13',
      'chatcmpl-a8e0c4b7-1d2f-4f6e-8b9a-0c3d5e7f9a21_cache_hit1742811343.12',
      'a4c1e9d2-5b7f-4c3a-8e6d-2f0b9a1c7e55',
    ]);
  });

  it('detects a spend-log row by spend and startTime with any one of its own columns', () => {
    expect(litellmSpendLogs.detect(sample({ spend: 0.1, startTime: '2025-03-24T10:15:02+00:00', request_id: 'r' }))).toBe(0.9);
    expect(litellmSpendLogs.detect(sample({ spend: 0.1, startTime: '2025-03-24T10:15:02+00:00', model: 'x' }))).toBe(0);
    expect(litellmSpendLogs.detect(sample({ spend: 0.1, request_id: 'r', call_type: 'acompletion' }))).toBe(0);
  });
});

describe('LiteLLM spend logs with spend 0', () => {
  it('loads the logged 0 as is (pricing decides what it means) and the cache writes in prompt_tokens', async () => {
    const { summary, rows } = await loadFile('fixtures/formats/litellm-spendlogs-zero-spend.jsonl');
    expect(summary).toMatchObject({ format: 'litellm-spendlogs', records: 6, loaded: 6, rejected: 0 });
    expect(rows.map((r) => [r['model'], r['provider'], r['cost_usd']])).toEqual([
      ['azure/gpt-4o', 'azure', 0], ['anthropic.claude-3-haiku-20240307-v1:0', 'bedrock', 0], ['gemini-1.5-pro', 'vertex_ai', 0],
      ['azure/prod-chat-eastus-2', 'azure', 0], ['gpt-4o-mini', 'openai', 0], ['claude-3-5-sonnet-20241022', 'anthropic', 0],
    ]);
    // LiteLLM's prompt_tokens already hold the Anthropic cache reads and writes.
    expect(rows[5]).toMatchObject({ input_tokens: 3000n, cached_tokens: 800n, cache_write_tokens: 2000n, output_tokens: 420n, service_tier: null });
  });
});

describe('LiteLLM StandardLoggingPayload', () => {
  it('maps logging-callback payloads and skips batch bookkeeping', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-payload.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'litellm-payload', records: 4, loaded: 3, rejected: 0, skipped: 1, duplicates: 0 });
    const [a, b, c] = rows;
    expect(a).toMatchObject({
      ts_ms: 1742202000250n, // epoch float seconds
      request_id: 'chatcmpl-3e8b1f62-4c0a-4d9e-b7f1-6a2c5d8e9f10',
      session_id: 'sess-7f2a', // trace_id
      user_id: 'cust-42', // metadata.user_api_key_end_user_id (end_user is "")
      input: 'Why was I charged twice for order #4471?', // messages as a list, content parts
      model: 'claude-3-5-haiku-20241022',
      requested_model: 'router-auto',
      route: 'MEDIUM', // metadata.routing_decision
      score: 0.22,
      ideal: null,
      input_tokens: 1310n,
      output_tokens: 220n,
      cached_tokens: 1152n,
      cache_write_tokens: 0n, // metadata.usage_object.cache_creation_input_tokens
      cost_usd: 0.00042,
      cache_key: null,
      cache_hit: null,
      retry_of: null,
      status: 'success',
      latency_ms: 1413, // endTime - startTime
      provider: 'anthropic',
      source_line: 1n,
      format: 'litellm-payload',
    });
    expect(b).toMatchObject({
      ts_ms: 1742202005401n, // string form of startTime
      user_id: 'cust-42', // end_user
      input: 'Summarize the refund policy in one sentence.', // messages as a string
      model: 'gpt-4o-mini',
      cached_tokens: null,
      cost_usd: 0,
      cache_key: '3f9c1d0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c',
      cache_hit: true,
      latency_ms: 11.5,
      source_line: 2n,
    });
    expect(c).toMatchObject({
      ts_ms: 1742202070000n,
      session_id: 'conv-88', // trace_id null: metadata.session_id
      user_id: 'internal-user-9', // metadata.user_api_key_user_id
      input: 'Draft a migration plan for our billing service.', // messages as a dict with `input`
      model: 'o3-mini-2025-01-31', // model "": hidden_params.litellm_model_name
      requested_model: null,
      route: 'complex',
      score: 0.71,
      ideal: 'gpt-4o-mini',
      cache_key: null, // "Cache OFF"
      cache_hit: false,
      status: 'failure',
      latency_ms: 30250,
      source_line: 3n,
    });
  });

  it('rejects bad payloads with their line and reason', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/litellm-payload.bad.jsonl');
    expect(summary).toMatchObject({ format: 'litellm-payload', records: 5, loaded: 1, rejected: 4 });
    expect(rows.map((r) => r.request_id)).toEqual(['bad-0']);
    expect(rejects.map((r) => [r.source_line, r.reason])).toEqual([
      [2n, 'missing ts'],
      [3n, 'cost_usd is not a number: n/a'],
      [4n, 'malformed JSON'],
      [5n, 'negative output_tokens: -3'],
    ]);
  });
});

describe('LiteLLM detection', () => {
  it('tells spend logs from payloads, and leaves native records alone', async () => {
    const spendRow = { request_id: 'x', call_type: 'acompletion', spend: 0.1, startTime: '2025-03-17 09:00:00' };
    const payload = { id: 'x', call_type: 'acompletion', response_cost: 0.1, startTime: 1742202000 };
    expect(litellmSpendLogs.detect(sample(spendRow))).toBe(0.9);
    expect(litellmPayload.detect(sample(spendRow))).toBe(0);
    expect(litellmPayload.detect(sample(payload))).toBe(0.9);
    expect(litellmSpendLogs.detect(sample(payload))).toBe(0);
    // A native record using the `spend` / `response_cost` aliases is not LiteLLM's.
    const nativeRow = { timestamp: '2025-03-17 09:00:00', model: 'gpt-4o', spend: 0.1, response_cost: 0.1, startTime: 'x' };
    expect(litellmSpendLogs.detect(sample(nativeRow))).toBe(0);
    expect(litellmPayload.detect(sample(nativeRow))).toBe(0);
    expect(native.detect(sample(nativeRow))).toBeGreaterThan(0);
    const { summary } = await loadFile('fixtures/formats/native.jsonl');
    expect(summary.format).toBe('native');
  });
});
