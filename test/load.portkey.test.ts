import { describe, expect, it } from 'vitest';
import { loadFile } from './helpers.js';
import { portkey } from '../src/load/formats/portkey.js';
import type { Sample } from '../src/load/formats/types.js';

const sample = (o: Record<string, unknown>): Sample => ({ framing: 'jsonl', objects: [o], lines: [JSON.stringify(o)] });

describe('Portkey log export', () => {
  it('maps export rows, cost from US cents to dollars', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/portkey.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'portkey', records: 3, loaded: 3, rejected: 0, skipped: 0, duplicates: 0 });
    const [a, b, c] = rows;
    expect(a).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 2, 17, 9)),
      request_id: '7c2f9e1a-4b3d-4e8f-9a1c-2d3e4f5a6b7c',
      session_id: 'sess-7f2a', // trace_id
      user_id: 'cust-42', // metadata._user
      input: 'It was due Friday.', // request.messages, last user message
      model: 'gpt-4o-mini-2024-07-18', // ai_model
      requested_model: 'gpt-4o', // request.model
      route: null,
      score: null,
      ideal: null,
      input_tokens: 1180n, // req_units
      output_tokens: 240n, // res_units
      cached_tokens: 1024n, // response.usage.prompt_tokens_details.cached_tokens
      cache_key: null,
      cache_hit: false, // "MISS"
      retry_of: null,
      status: '200',
      latency_ms: 830, // response_time
      provider: 'openai', // ai_org
      source_line: 1n,
      format: 'portkey',
    });
    expect(a!.cost_usd).toBeCloseTo(0.000185, 12); // 0.0185 cents
    expect(b).toMatchObject({
      ts_ms: 1742202005401n,
      user_id: 'cust-42', // metadata as JSON text, `user` key
      input: 'Where is my order #4471?', // request as JSON text: {url, method, body: {messages}}
      requested_model: 'gpt-4o', // request.body.model
      cached_tokens: null,
      cost_usd: 0,
      cache_hit: true, // "SEMANTIC HIT"
      status: '200',
      latency_ms: 42,
      source_line: 2n,
    });
    expect(c).toMatchObject({
      ts_ms: 1742202070000n, // "2025-03-17 09:01:10"
      session_id: 'eval-run-3',
      user_id: null,
      input: 'Draft a migration plan for our billing service.',
      model: 'claude-3-5-sonnet-20241022',
      provider: 'anthropic',
      cache_hit: false, // "DISABLED"
      status: '429',
      latency_ms: 1210,
      source_line: 3n,
    });
  });

  it('rejects bad rows with their line and reason', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/portkey.bad.jsonl');
    expect(summary).toMatchObject({ format: 'portkey', records: 6, loaded: 1, rejected: 5 });
    expect(rows.map((r) => r.request_id)).toEqual(['pk-bad-0']);
    expect(rows[0]!.cost_usd).toBeCloseTo(0.00004, 12);
    expect(rejects.map((r) => [r.source_line, r.reason])).toEqual([
      [2n, 'missing ts'],
      [3n, 'negative cost_usd: -1.5'],
      [4n, 'input_tokens is not a whole number: twenty'],
      [5n, 'malformed JSON'],
      [6n, 'latency_ms is not a number: fast'],
    ]);
  });

  it('detects Portkey keys only', () => {
    expect(portkey.detect(sample({ id: 'x', ai_model: 'gpt-4o', req_units: 1, cost: 1, created_at: 'x' }))).toBe(0.9);
    expect(portkey.detect(sample({ ai_model: 'gpt-4o', ai_provider: 'openai', request_tokens: 1 }))).toBe(0.9);
    expect(portkey.detect(sample({ timestamp: 'x', model: 'gpt-4o', cost: 1 }))).toBe(0);
    expect(portkey.detect(sample({ ai_model: 'gpt-4o' }))).toBe(0);
  });

  it('reads the newer export field spellings', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'rc-portkey-'));
    try {
      const path = join(dir, 'export.jsonl');
      const row = {
        id: 'pk-new-1', trace_id: 't-9', created_at: '2025-03-17T09:00:00Z', ai_provider: 'openai', ai_model: 'gpt-4o-mini',
        request_tokens: 50, response_tokens: 12, total_tokens: 62, cost: 0.0015, response_time: 210, status_code: 200,
        request: { messages: [{ role: 'user', content: 'hi' }] }, metadata: { _user: 'u-1' },
      };
      writeFileSync(path, JSON.stringify(row) + '\n');
      const { summary, rows } = await loadFile(path);
      expect(summary.format).toBe('portkey');
      expect(rows[0]).toMatchObject({ provider: 'openai', input_tokens: 50n, output_tokens: 12n, status: '200', user_id: 'u-1', input: 'hi' });
      expect(rows[0]!.cost_usd).toBeCloseTo(0.000015, 12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
