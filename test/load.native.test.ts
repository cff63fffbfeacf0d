import { describe, expect, it } from 'vitest';
import { loadFile } from './helpers.js';

describe('native JSONL', () => {
  it('maps canonical names, aliases, nested usage and chat messages', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/native.jsonl');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'native', records: 3, loaded: 3, rejected: 0, duplicates: 0 });
    const [a, b, c] = rows;
    expect(a).toMatchObject({
      request_id: 'n-1', session_id: 's-1', user_id: 'u-1', input: 'OK, got it, thanks',
      model: 'claude-3-haiku-20240317', requested_model: 'auto', route: 'medium_complexity', score: 0.78,
      ideal: 'gpt-3.5-turbo-0125', input_tokens: 12n, output_tokens: 8n, cached_tokens: 0n, cost_usd: 0.0000131,
      cache_key: 'claude-3-haiku-20240317:9f2c', cache_hit: false, status: 'success', latency_ms: 412,
      provider: 'anthropic', source_line: 1n, format: 'native', ts_ms: BigInt(Date.UTC(2025, 2, 17, 9)),
    });
    expect(b).toMatchObject({
      request_id: 'n-2', input: 'How do Python list comprehensions work?', model: 'gpt-3.5-turbo-0125',
      route: 'simple_complexity', score: 0.79, ideal: 'gpt-3.5-turbo-0125', input_tokens: 9n, output_tokens: 120n,
      cost_usd: 0.000185, cache_hit: true, retry_of: 'n-1', source_line: 2n,
      ts_ms: BigInt(Date.UTC(2025, 2, 17, 9, 0, 5)),
    });
    expect(c).toMatchObject({
      request_id: 'n-3', input: 'Prove that sqrt(2) is irrational.', model: 'gpt-4o-2024-08-06',
      input_tokens: 30n, output_tokens: 400n, cached_tokens: 10n, cost_usd: 0.00405, source_line: 3n,
      ts_ms: 1742202010000n,
    });
  });
});
