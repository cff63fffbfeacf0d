import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { langfuse } from '../src/load/formats/langfuse.js';
import { loadFile } from './helpers.js';

describe('Langfuse observations', () => {
  it('maps an API v1 response {"data":[...],"meta":{...}}, keeping GENERATIONs only', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse-v1.json');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'langfuse', records: 4, loaded: 2, rejected: 0, skipped: 2, duplicates: 0 });
    const [a, b] = rows;
    // Every mapped field. Langfuse's `input` key excludes cache reads: input_tokens sums all input* keys.
    expect(a).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 19, 8, 15, 2, 120)),
      request_id: 'gen-5b1e0c7a-01',
      session_id: 'trace-5b1e0c7a', // v1 observations carry no sessionId: the trace groups the calls
      user_id: null,
      input: 'Why was I charged twice this month?',
      model: 'gpt-4o-mini-2024-07-18',
      route: 'simple',
      input_tokens: 1904n,
      output_tokens: 96n,
      cached_tokens: 1024n,
      cost_usd: 0.0002664,
      status: 'success',
      latency_ms: 1234,
      requested_model: null,
      provider: null,
      cache_hit: null,
      cache_key: null,
      score: null,
      ideal: null,
      retry_of: null,
      source_line: 1n,
      format: 'langfuse',
    });
    // input as a JSON string {"messages":[...]}; level ERROR; no latency → end − start; empty usageDetails → usage.
    expect(b).toMatchObject({
      request_id: 'gen-77c3d9e2-01',
      source_line: 3n,
      input: 'Draft a polite refund refusal.',
      model: 'claude-3-5-haiku-20241022',
      status: 'error',
      latency_ms: 750,
      input_tokens: 0n,
      output_tokens: 0n,
      cached_tokens: null,
      cost_usd: 0,
    });
  });

  it('maps API v2 observations (JSONL)', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse-v2.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'langfuse', records: 3, loaded: 2, skipped: 1 });
    expect(rows[0]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 19, 10, 2, 11, 500)),
      request_id: '3f9a1c2e4b5d6e7f',
      session_id: 'chat-5521',
      user_id: 'u-93',
      input: 'Refactor this function to be async.',
      model: 'claude-3-5-sonnet-20241022',
      route: 'complex',
      input_tokens: 3042n,
      output_tokens: 310n,
      cached_tokens: 3000n, // cache_read_input_tokens
      cache_write_tokens: 0n, // cache_creation_input_tokens
      cost_usd: 0.005676,
      status: 'success',
      latency_ms: 4020,
      source_line: 1n,
    });
    // input as a JSON-string messages array; empty sessionId falls back to the trace.
    expect(rows[1]).toMatchObject({
      request_id: '9e8d7c6b5a4f3e2d',
      source_line: 3n,
      session_id: 'ffeeddccbbaa99887766554433221100',
      user_id: null,
      input: 'My invoice PDF will not open.',
      model: 'gpt-4o',
      input_tokens: 120n,
      output_tokens: 45n,
      cached_tokens: null,
      cost_usd: 0.00075,
      latency_ms: 1875,
    });
  });

  it('maps the blob storage export (snake_case, "YYYY-MM-DD HH:MM:SS.ffffff" UTC)', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse-blob.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'langfuse', records: 3, loaded: 2, skipped: 1 });
    expect(rows[0]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 20, 7, 45, 10, 250)),
      request_id: 'obs-blob-0001',
      session_id: 'trip-plan-88',
      user_id: 'traveller-12',
      input: "Find me a quiet hotel near Lisbon's old town.",
      model: 'gpt-4.1-mini',
      input_tokens: 768n,
      output_tokens: 64n,
      cached_tokens: 256n,
      cost_usd: 0.0003328,
      status: 'success',
      latency_ms: 1655,
    });
    // Usage values quoted as strings; empty user/session ids are absent.
    expect(rows[1]).toMatchObject({
      request_id: 'obs-blob-0002',
      session_id: 'tr-blob-0002',
      user_id: null,
      input: "Translate 'good morning' to French.",
      model: 'gpt-4.1-nano',
      input_tokens: 18n,
      output_tokens: 9n,
      cost_usd: 0.0000054,
      latency_ms: 420,
    });
  });

  it('maps an API v2 page with a cursor {"data":[...],"meta":{"cursor":…}}', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse-v2-page.json');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'langfuse', records: 2, loaded: 1, skipped: 1 });
    expect(rows[0]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 28, 9, 12, 3, 200)),
      request_id: '7c1e5a9b3d2f4e60',
      session_id: 'thread-0092',
      user_id: 'u-511',
      input: 'Summarise the meeting notes in three bullets.', // input as a JSON string (v2 returns raw strings)
      model: 'gemini-2.0-flash',
      input_tokens: 1450n,
      output_tokens: 92n,
      cost_usd: 0.0001818,
      latency_ms: 850,
      source_line: 1n,
    });
  });

  it('loads a single trace (GET /traces/{id}) as its GENERATIONs, with the trace\'s user and session', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse-trace.json');
    expect(rejects).toEqual([]);
    // A SPAN and two GENERATIONs; the scores are not observations.
    expect(summary).toMatchObject({ format: 'langfuse', records: 3, loaded: 2, skipped: 1, rejected: 0 });
    expect(rows[0]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 27, 14, 5, 0, 50)),
      request_id: 'gen-8c41f2d0-classify',
      session_id: 'chat-session-415', // the trace's sessionId (v1 observations carry none)
      user_id: 'user-2290', // the trace's userId
      input: 'Can I change the delivery address of order 7781?',
      model: 'gpt-4o-mini-2024-07-18',
      route: 'simple',
      input_tokens: 210n,
      output_tokens: 3n,
      cost_usd: 0.0000333,
      status: 'success',
      latency_ms: 462,
      source_line: 1n,
    });
    expect(rows[1]).toMatchObject({ request_id: 'gen-8c41f2d0-answer', session_id: 'chat-session-415', user_id: 'user-2290',
      model: 'gpt-4o-2024-08-06', route: 'complex', input_tokens: 318n, output_tokens: 29n, cost_usd: 0.001085, latency_ms: 2780 });
  });

  it('counts a trace list page (GET /traces: observations by id only, no model or tokens) as skipped, not as calls', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse-traces.json');
    expect(rejects).toEqual([]);
    expect(rows).toEqual([]);
    expect(summary).toMatchObject({ format: 'langfuse', records: 2, loaded: 0, skipped: 2, rejected: 0 });
  });

  it('rejects bad GENERATIONs with their line and reason, and skips other observations', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/langfuse.bad.jsonl');
    expect(summary).toMatchObject({ format: 'langfuse', records: 6, loaded: 1, rejected: 4, skipped: 1 });
    expect(rows.map((r) => r['request_id'])).toEqual(['bad-gen-1']);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [2n, 'unparseable ts: yesterday at noon'],
      [4n, 'input_tokens is not a whole number: lots'],
      [5n, 'negative cost_usd: -0.01'],
      [6n, 'malformed JSON'],
    ]);
  });

  it('detects only Langfuse observations', () => {
    const objects = (file: string) =>
      readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const file of ['fixtures/formats/langfuse-v2.jsonl', 'fixtures/formats/langfuse-blob.jsonl']) {
      expect(langfuse.detect({ framing: 'jsonl', lines: [], objects: objects(file) })).toBe(0.9);
    }
    // An API page is unwrapped before detection (load/envelope.ts): detection sees its observations.
    const envelope = JSON.parse(readFileSync('fixtures/formats/langfuse-v1.json', 'utf8')) as { data: Record<string, unknown>[] };
    expect(langfuse.detect({ framing: 'json', lines: [], objects: envelope.data })).toBe(0.9);
    expect(langfuse.detect({ framing: 'jsonl', lines: [], objects: objects('fixtures/formats/native.jsonl') })).toBe(0);
    const trace = JSON.parse(readFileSync('fixtures/formats/langfuse-trace.json', 'utf8')) as Record<string, unknown>;
    expect(langfuse.detect({ framing: 'json', lines: [], objects: [trace] })).toBe(0.9);
    const traces = JSON.parse(readFileSync('fixtures/formats/langfuse-traces.json', 'utf8')) as { data: Record<string, unknown>[] };
    expect(langfuse.detect({ framing: 'json', lines: [], objects: traces.data })).toBe(0.9);
    expect(langfuse.detect({ framing: 'jsonl', lines: [], objects: objects('fixtures/formats/helicone.jsonl') })).toBe(0);
    // A native record with a `type` column, trace_id, start_time and model is not an observation.
    const nativeLike = { type: 'chat', trace_id: 't1', start_time: '2025-03-17T09:00:00Z', model: 'gpt-4o' };
    expect(langfuse.detect({ framing: 'jsonl', lines: [], objects: [nativeLike] })).toBe(0);
  });
});
