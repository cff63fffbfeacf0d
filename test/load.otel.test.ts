import { describe, expect, it } from 'vitest';
import { loadFile } from './helpers.js';
import { otel } from '../src/load/formats/otel.js';

/** Spans of one export request share its line, so rows are looked up by id. */
const byId = (rows: Record<string, unknown>[], id: string) => rows.find((r) => r['request_id'] === id);

describe('OpenTelemetry GenAI spans (OTLP JSON)', () => {
  it('maps semconv, Traceloop and OpenLIT spans from a collector file export, skipping non-LLM spans', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/otel-traces.jsonl');
    expect(rejects).toEqual([]);
    // 6 spans: 3 model calls; an embeddings span, an HTTP server span and nothing else skipped.
    expect(summary).toMatchObject({ format: 'otel', records: 5, loaded: 3, rejected: 0, skipped: 2, duplicates: 0 });
    // Semconv "simple chat" shape with content capture on: gen_ai.input.messages with parts.
    expect(byId(rows, 'chatcmpl-BJx1fT3nq8LQ2kR7vW0yZpA4sDe9u')).toMatchObject({
      request_id: 'chatcmpl-BJx1fT3nq8LQ2kR7vW0yZpA4sDe9u', session_id: 'conv_7f3a2c91', user_id: 'u-4821',
      input: 'Which customer reported it first?', model: 'gpt-4o-mini-2024-07-18', requested_model: 'gpt-4o-mini',
      route: null, score: null, ideal: null, input_tokens: 1240n, output_tokens: 86n, cached_tokens: 1024n,
      cost_usd: null, cache_key: null, cache_hit: null, retry_of: null, status: 'success', latency_ms: 1412,
      provider: 'openai', source_line: 1n, format: 'otel', ts_ms: 1742202000123n,
    });
    // Traceloop (older attributes): gen_ai.system, prompt/completion tokens, flattened gen_ai.prompt.N.
    expect(byId(rows, 'msg_01XFDUDYJgAACzvnptvVoYEL')).toMatchObject({
      request_id: 'msg_01XFDUDYJgAACzvnptvVoYEL', session_id: '0af7651916cd43dd8448eb211c80319c', user_id: 'cust-99812',
      input: 'OK, got it, thanks', model: 'claude-3-haiku-20240307', requested_model: 'claude-3-haiku-20240307',
      input_tokens: 12n, output_tokens: 8n, cached_tokens: 0n, cache_write_tokens: 0n, cost_usd: null, status: 'success', latency_ms: 412,
      provider: 'Anthropic', source_line: 2n, ts_ms: 1742202005000n,
    });
    // OpenLIT from a JS SDK: int64 as {low, high}, gen_ai.usage.cost, prompt in a span event, error status.
    expect(byId(rows, 'chatcmpl-BJx2kQ9mZr1VtY6cWnE8oPaH3sLdu')).toMatchObject({
      request_id: 'chatcmpl-BJx2kQ9mZr1VtY6cWnE8oPaH3sLdu', session_id: 'sess-2b9e', user_id: null,
      input: 'Prove that sqrt(2) is irrational.', model: 'gpt-4o-2024-08-06', requested_model: 'gpt-4o',
      input_tokens: 30n, output_tokens: 400n, cached_tokens: null, cost_usd: 0.004075, status: 'error',
      latency_ms: 9250, provider: 'openai', source_line: 3n, ts_ms: 1742202010000n,
    });
  });

  it('reads one pretty-printed export request as a JSON document (line = document number)', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/otel-traces.json');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'otel', records: 2, loaded: 1, skipped: 1 });
    expect(rows[0]).toMatchObject({
      request_id: '3c2b1a0f9e8d7c6b', session_id: '8e1f6b2c4d3a59708192a3b4c5d6e7f8', input: 'hello',
      model: 'gemini-2.0-flash', requested_model: 'gemini-2.0-flash', provider: 'gcp.gemini', input_tokens: 21n,
      output_tokens: 64n, status: 'success', latency_ms: 640, source_line: 1n, ts_ms: 1742203800000n,
    });
  });

  it('rejects spans without a start time or with fractional tokens, and cut-off lines, with their line', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/otel-traces.bad.jsonl');
    expect(summary).toMatchObject({ format: 'otel', records: 4, loaded: 1, rejected: 3 });
    expect(rows.map((r) => r['request_id'])).toEqual(['msg_01XFDUDYJgAACzvnptvVoYEL']);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [1n, 'missing ts'],
      [1n, 'input_tokens is not a whole number: 12.5'],
      [2n, 'malformed JSON'],
    ]);
    expect(JSON.parse(String(rejects[0]!['raw']))).toMatchObject({ span: { spanId: 'b7ad6b71692033aa' } });
  });

  it('detects only export requests', () => {
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceSpans: [] }] })).toBe(0.9);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ ts: 1, model: 'x', resourceSpans: 'no' }] })).toBe(0);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceLogs: [] }] })).toBe(0);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceMetrics: [] }, { resourceSpans: [] }] })).toBe(0.9);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceSpans: [] }, { ts: 1, model: 'x' }] })).toBe(0);
  });
});
