import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    // OpenLIT from a JS SDK: int64 as {low, high}, gen_ai.usage.cost, prompt in a span event written as
    // "system: …\nuser: …" (the last user turn, without its role prefix), error status.
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

  it('maps OpenInference LLM spans (Arize Phoenix, openinference-instrumentation-*) and skips chain, embedding and retriever spans', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/otel-openinference.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'otel', records: 6, loaded: 3, rejected: 0, skipped: 3, duplicates: 0 });
    // openinference-instrumentation-openai: the id comes from the response in output.value.
    expect(byId(rows, 'chatcmpl-BLq7nW2xK9pZrT4vY1cF8dS0eA3gH')).toMatchObject({
      session_id: 'sess-oi-17', user_id: 'cust-501', input: 'Where is order A-1187?', // llm.input_messages.1 (user)
      model: 'gpt-4o-mini-2024-07-18', requested_model: 'gpt-4o-mini', // llm.invocation_parameters.model
      provider: 'openai', input_tokens: 412n, output_tokens: 27n, cached_tokens: 256n, cost_usd: null,
      route: null, score: null, ideal: null, cache_key: null, cache_hit: null, retry_of: null,
      status: 'success', latency_ms: 1617, ts_ms: 1743159600020n, source_line: 1n, format: 'otel',
    });
    // A streamed call without token counts: model and prompt load, tokens stay NULL (never 0); text parts joined.
    expect(byId(rows, 'a7b8c9d0e1f2a3b4')).toMatchObject({
      session_id: 'sess-oi-17', user_id: 'cust-501', input: 'Look at this chart. What trend does it show?',
      model: 'claude-3-5-sonnet-20241022', requested_model: 'claude-3-5-sonnet-latest', provider: 'anthropic',
      input_tokens: null, output_tokens: null, cached_tokens: null, cost_usd: null, latency_ms: 4815, source_line: 2n,
    });
    // Hand-set OpenInference attributes: llm.cost.total, the hosting provider (llm.provider) over llm.system, an error.
    expect(byId(rows, 'd0e1f2a3b4c5d6e7')).toMatchObject({
      session_id: 'batch-2025-03-28', input: 'Reconcile invoice 88-2041 against the ledger.', model: 'gpt-4.1',
      provider: 'azure', input_tokens: 2300n, output_tokens: 0n, cost_usd: 0.0046, status: 'error', latency_ms: 2500,
    });
  });

  it('reads Strands span events, flattened content blocks, 2024 semconv events and OpenLLMetry llm.* spans', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/otel-genai-events.jsonl');
    expect(rejects).toEqual([]);
    // Skipped: Strands' invoke_agent, event-loop cycle and execute_tool spans, and a Traceloop workflow span.
    expect(summary).toMatchObject({ format: 'otel', records: 8, loaded: 4, rejected: 0, skipped: 4 });
    // Strands: the prompt in a gen_ai.user.message event as content blocks; its own name in gen_ai.system is no provider.
    expect(byId(rows, 'a3b4c5d6e7f8a9b0')).toMatchObject({
      input: 'What is the weather in Paris tomorrow?', model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
      provider: null, input_tokens: 1520n, output_tokens: 62n, status: 'success', latency_ms: 2400, source_line: 1n,
      session_id: '4d5e6f708192a3b4c5d6e7f8091a2b3c',
    });
    // gen_ai.prompt.N.content.M.text: the user message's text parts, in order; no tokens logged.
    expect(byId(rows, 'c5d6e7f8a9b0c1d2')).toMatchObject({
      input: 'Is the service up? 🐣', model: 'openai/gpt-4.1-nano', input_tokens: null, output_tokens: null, source_line: 2n,
    });
    // A plain-text gen_ai.user.message event.
    expect(byId(rows, 'chatcmpl-BLr0aZ9yX8wV7uT6sR5qP4oN3mL')).toMatchObject({
      input: 'Good morning, everyone.', model: 'gpt-4o-mini-2024-07-18', requested_model: 'gpt-4o-mini', provider: 'openai',
      input_tokens: 48n, output_tokens: 12n, latency_ms: 930, source_line: 3n,
    });
    // OpenLLMetry before gen_ai.*: llm.request.model / llm.response.model, llm.usage.*, llm.prompts.N, llm.vendor.
    expect(byId(rows, 'f8a9b0c1d2e3f4a5')).toMatchObject({
      input: 'Tell me a joke about OpenTelemetry', model: 'gpt-3.5-turbo-0125', requested_model: 'gpt-3.5-turbo',
      provider: 'OpenAI', input_tokens: 15n, output_tokens: 12n, latency_ms: 1180, source_line: 4n,
    });
  });

  it("takes OpenLIT's last user turn out of its role-prefixed prompt, and leaves other tools' text alone", async () => {
    const span = (spanId: string, scope: string, prompt: string) => ({
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: scope }, spans: [{
        traceId: 'ab'.repeat(16), spanId, name: 'chat gpt-4o', kind: 3, startTimeUnixNano: '1742202010000000000', endTimeUnixNano: '1742202011000000000',
        attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }, { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }],
        events: [{ name: 'gen_ai.content.prompt', attributes: [{ key: 'gen_ai.prompt', value: { stringValue: prompt } }] }],
      }] }] }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'rc-otel-'));
    try {
      const path = join(dir, 'spans.jsonl');
      writeFileSync(path, [
        span('0000000000000001', 'openlit.otel.tracing', 'system: Be brief.\nuser: first question\nassistant: first answer\nuser: second question\nspans two lines'),
        span('0000000000000002', 'openlit.otel.tracing', 'user: text: What is in this image?, image_url: https://example.com/a.png'),
        span('0000000000000003', 'openlit.otel.tracing', 'system: only a system prompt'),
        span('0000000000000004', 'my.own.tracer', 'user: keep me as I am'),
      ].map((o) => JSON.stringify(o)).join('\n') + '\n');
      const { rows } = await loadFile(path);
      expect(rows.map((r) => [r['request_id'], r['input']])).toEqual([
        ['0000000000000001', 'second question\nspans two lines'],
        ['0000000000000002', 'What is in this image?'],
        ['0000000000000003', null],
        ['0000000000000004', 'user: keep me as I am'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detects only export requests', () => {
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceSpans: [] }] })).toBe(0.9);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ ts: 1, model: 'x', resourceSpans: 'no' }] })).toBe(0);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceLogs: [] }] })).toBe(0);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceMetrics: [] }, { resourceSpans: [] }] })).toBe(0.9);
    expect(otel.detect({ framing: 'jsonl', lines: [], objects: [{ resourceSpans: [] }, { ts: 1, model: 'x' }] })).toBe(0);
  });
});
