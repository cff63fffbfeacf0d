import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helicone } from '../src/load/formats/helicone.js';
import { loadFile } from './helpers.js';

describe('Helicone request export', () => {
  it('maps HeliconeRequest rows (JSONL), with string bodies, placeholders, cache hits and overrides', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/helicone.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'helicone', records: 4, loaded: 4, rejected: 0, skipped: 0, duplicates: 0 });
    const [a, b, c, d] = rows;
    // Every mapped field; ClickHouse time without zone is UTC; cache reads are added back to prompt_tokens.
    expect(a).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 17, 9, 0, 0, 250)),
      request_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      session_id: 'sess-a41',
      user_id: 'cust-2291',
      input: 'It is #48213, placed Friday.',
      model: 'gpt-4o-mini-2024-07-18',
      requested_model: 'gpt-4o-mini',
      route: 'simple',
      input_tokens: 368n,
      output_tokens: 24n,
      cached_tokens: 128n,
      cost_usd: 0.00006,
      cache_hit: false,
      status: '200',
      latency_ms: 1162,
      provider: 'openai',
      score: null,
      ideal: null,
      cache_key: null,
      retry_of: null,
      source_line: 1n,
      format: 'helicone',
    });
    // request_body as a JSON string; empty request_user_id and model_override are absent; cache writes count as input.
    expect(b).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 17, 9, 0, 4, 100)),
      request_id: '9b2f4e11-3c5d-4f6a-8b7c-1d2e3f4a5b6c',
      session_id: 'sess-b07',
      user_id: null,
      input: 'Design a rate limiter for a multi-tenant API.',
      model: 'claude-3-5-sonnet-20241022',
      requested_model: 'claude-3-5-sonnet-latest',
      route: null,
      input_tokens: 1082n,
      output_tokens: 228n,
      cached_tokens: 0n,
      cache_write_tokens: 1024n, // prompt_cache_write_tokens, also counted in input_tokens
      cost_usd: 0.007434,
      cache_hit: false,
      latency_ms: 3881,
      provider: 'anthropic',
    });
    // Body kept in object storage: no prompt. A cache_reference_id other than the zero UUID is a gateway cache hit.
    expect(c).toMatchObject({ request_id: 'e4c0f5d3-8a6b-4dbe-8f74-0b5c3d2a9e44', input: null, cache_hit: true, cost_usd: 0, latency_ms: 18 });
    // Legacy completion `prompt`; model_override wins; a rate-limited call has no usage.
    expect(d).toMatchObject({
      request_id: 'a6e2b7f5-0c8d-4f1a-b196-2d7e5f4c1a66',
      input: 'Summarise the attached contract in three bullet points.',
      model: 'gpt-4o-2024-08-06',
      requested_model: 'gpt-4o',
      session_id: null,
      input_tokens: null,
      output_tokens: null,
      cached_tokens: null,
      cost_usd: null,
      status: '429',
    });
  });

  it('unnests an API response {"data":[...],"error":null}, numbering records by their index', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/helicone.json');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'helicone', records: 2, loaded: 2, rejected: 0 });
    expect(rows[0]).toMatchObject({
      source_line: 1n,
      request_id: '11aa22bb-33cc-44dd-85ee-66ff77008899',
      input: 'Explain the CAP theorem with an example.', // Responses API `input` array
      model: 'gpt-4o-2024-08-06',
      route: 'complex',
      session_id: 'sess-c19',
      input_tokens: 31n,
      output_tokens: 400n,
      cost_usd: 0.0040775,
      latency_ms: 2895,
      ts_ms: BigInt(Date.UTC(2025, 2, 18, 14, 20, 1, 10)),
    });
    expect(rows[1]).toMatchObject({ source_line: 2n, request_id: '22bb33cc-44dd-45ee-86ff-770088990011', input: 'thanks!', route: 'simple' });
  });

  it("reads the export tool's CSV: twice-escaped JSON cells, response_id as the id, latency from the two times", async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/helicone-export.csv');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'helicone', records: 3, loaded: 3, rejected: 0, skipped: 0, duplicates: 0 });
    const [a, b, c] = rows;
    expect(a).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 26, 11, 30, 0, 731)),
      request_id: 'e3b1c9a7-2d4f-4a6b-8c0d-1e2f3a4b5c6d', // the CSV has no request_id column
      session_id: 'sess-77b2', // Helicone-Session-Id in request_properties
      user_id: 'cust-3107',
      input: 'Why is my invoice "pending"?', // request_body messages, quotes restored
      model: 'gpt-4o-mini-2024-07-18',
      requested_model: 'gpt-4o-mini', // request_body.model
      route: 'simple',
      input_tokens: 211n,
      output_tokens: 22n,
      cached_tokens: null,
      cost_usd: 0.0000448,
      cache_hit: null,
      cache_key: null,
      status: '200',
      latency_ms: 1373, // the latency column is empty: response_created_at − request_created_at
      provider: null,
      score: null,
      ideal: null,
      retry_of: null,
      source_line: 2n,
      format: 'helicone',
    });
    // Body kept in object storage (exported without --include-body): no prompt; no user.
    expect(b).toMatchObject({ request_id: 'f4c2d0b8-3e5a-4b7c-9d1e-2f3a4b5c6d7e', input: null, user_id: null, session_id: null,
      model: 'claude-3-5-haiku-20241022', input_tokens: 1210n, output_tokens: 300n, cost_usd: 0.002168, latency_ms: 2630 });
    // A rate-limited call: empty token and cost cells are NULL, not 0.
    expect(c).toMatchObject({ request_id: 'a5d3e1c9-4f6b-4c8d-8e2f-3a4b5c6d7e8f', status: '429', input: 'Draft a reply to ticket #5521.',
      input_tokens: null, output_tokens: null, cost_usd: null, latency_ms: 83, session_id: 'sess-77b2' });
  });

  it("reads the export tool's JSON array (full HeliconeRequest rows) with the same calls", async () => {
    const csv = await loadFile('fixtures/formats/helicone-export.csv');
    const { summary, rows, rejects } = await loadFile('fixtures/formats/helicone-export.json');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'helicone', records: 3, loaded: 3, rejected: 0 });
    expect(rows[0]).toMatchObject({
      request_id: '5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f', // the row's own request_id
      provider: 'openai',
      cached_tokens: 0n,
      cache_hit: false,
      requested_model: 'gpt-4o-mini', // request_model
      source_line: 1n,
    });
    expect(rows[1]).toMatchObject({ requested_model: 'claude-3-5-haiku-latest', provider: 'anthropic' });
    // Every field both files carry agrees.
    const shared = ['ts_ms', 'session_id', 'user_id', 'input', 'model', 'route', 'input_tokens', 'output_tokens', 'cost_usd', 'status', 'latency_ms'];
    const pick = (r: Record<string, unknown>) => Object.fromEntries(shared.map((k) => [k, r[k]]));
    expect(rows.map(pick)).toEqual(csv.rows.map(pick));
  });

  it('rejects bad records with their line and reason', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/helicone.bad.jsonl');
    expect(summary).toMatchObject({ format: 'helicone', records: 5, loaded: 1, rejected: 4 });
    expect(rows.map((r) => r['request_id'])).toEqual(['bad-0001']);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [2n, 'missing ts'],
      [3n, 'input_tokens is not a whole number: n/a'],
      [4n, 'negative cost_usd: -0.5'],
      [5n, 'malformed JSON'],
    ]);
  });

  it('detects only Helicone rows', () => {
    const objects = (file: string) =>
      readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(helicone.detect({ framing: 'jsonl', lines: [], objects: objects('fixtures/formats/helicone.jsonl') })).toBe(0.9);
    expect(helicone.detect({ framing: 'jsonl', lines: [], objects: objects('fixtures/formats/native.jsonl') })).toBe(0);
    expect(helicone.detect({ framing: 'jsonl', lines: [], objects: objects('fixtures/formats/langfuse-v2.jsonl') })).toBe(0);
    // A native record that happens to use request_created_at, request_id and provider is not Helicone's.
    const nativeLike = { request_created_at: '2025-03-17 09:00:00', request_id: 'r1', provider: 'openai', model: 'gpt-4o', prompt_tokens: 5 };
    expect(helicone.detect({ framing: 'jsonl', lines: [], objects: [nativeLike] })).toBe(0);
    // The export CSV's columns, as read_csv gives them (every value text).
    const exportRow = { response_id: 'x', response_created_at: '2025-03-26 11:30:02', response_status: '200', request_created_at: '2025-03-26 11:30:00',
      request_body: '{}', request_properties: '{}', request_user_id: null, model: 'gpt-4o', prompt_tokens: '1', completion_tokens: '1', latency: null, cost: '0' };
    expect(helicone.detect({ framing: 'csv', lines: [], objects: [exportRow] })).toBe(0.9);
    const { response_created_at: _dropped, ...withoutResponseTime } = exportRow;
    expect(helicone.detect({ framing: 'csv', lines: [], objects: [withoutResponseTime] })).toBe(0);
  });
});
