import { copyFileSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anthropicBatch } from '../src/load/formats/anthropic-batch.js';
import { openaiBatch } from '../src/load/formats/openai-batch.js';
import { loadFile } from './helpers.js';

/** A copy of a fixture with a known modification time: result lines carry no time of their own. */
function dated(fixture: string, when: Date): string {
  const file = join(mkdtempSync(join(tmpdir(), 'routecheck-anthropic-batch-')), 'results.jsonl');
  copyFileSync(fixture, file);
  utimesSync(file, when, when);
  return file;
}

describe('Anthropic Message Batches results', () => {
  it('maps succeeded results (batch tier, cache reads and writes) and skips errored, expired and canceled ones', async () => {
    const when = new Date('2025-03-18T06:00:00Z');
    const { summary, rows, rejects } = await loadFile(dated('fixtures/formats/anthropic-batch-results.jsonl', when));
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'anthropic-batch', records: 6, loaded: 3, rejected: 0, skipped: 3, duplicates: 0 });
    expect(rows[0]).toMatchObject({
      ts_ms: BigInt(when.getTime()), request_id: 'msg_01KqT3bX9mVwZc7Rr2pLh4Ea', model: 'claude-3-5-haiku-20241022', provider: 'anthropic',
      // usage.input_tokens 14 + 2048 cache writes + 0 cache reads: the whole prompt.
      input_tokens: 2062n, cached_tokens: 0n, cache_write_tokens: 2048n, output_tokens: 31n, service_tier: 'batch', status: 'success',
      source_line: 1n, format: 'anthropic-batch',
      // Not in a result line: the prompt (in the batch request), cost, session, user, latency.
      input: null, cost_usd: null, session_id: null, user_id: null, latency_ms: null, route: null, cache_hit: null,
    });
    expect(rows[1]).toMatchObject({ request_id: 'msg_01Pn8sYdE4uJq2WkVb6oTz1C', input_tokens: 2067n, cached_tokens: 2048n, cache_write_tokens: 0n, source_line: 2n });
    // An older usage object without the cache keys.
    expect(rows[2]).toMatchObject({ request_id: 'msg_01Hw5cQe7LrN3xVt9YbUk2Dm', model: 'claude-sonnet-4-20250514', input_tokens: 1250n, cached_tokens: null, cache_write_tokens: null, source_line: 4n });
  });

  it('rejects results with bad usage or cut off, with their line', async () => {
    const { summary, rejects } = await loadFile('fixtures/formats/anthropic-batch-results.bad.jsonl');
    expect(summary).toMatchObject({ format: 'anthropic-batch', records: 3, loaded: 0, rejected: 3 });
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [1n, 'negative input_tokens: -3'],
      [2n, 'input_tokens is not a whole number: lots'],
      [3n, 'malformed JSON'],
    ]);
  });

  it('is told apart from OpenAI Batch output and from batch request files', () => {
    const score = (o: Record<string, unknown>) => [anthropicBatch, openaiBatch].map((f) => f.detect({ framing: 'jsonl', lines: [], objects: [o] }));
    expect(score({ custom_id: 'r-1', result: { type: 'succeeded', message: { id: 'msg_1' } } })).toEqual([0.9, 0]);
    expect(score({ custom_id: 'r-1', result: { type: 'expired' } })).toEqual([0.9, 0]);
    expect(score({ id: 'b', custom_id: 'r-1', response: { status_code: 200, body: {} }, error: null })).toEqual([0, 0.9]);
    // A Message Batches request line: {custom_id, params}.
    expect(score({ custom_id: 'r-1', params: { model: 'claude-3-5-haiku-20241022', max_tokens: 100, messages: [] } })).toEqual([0, 0]);
  });
});
