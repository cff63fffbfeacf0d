import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFile } from './helpers.js';
import { seedText } from '../src/load/formats/seed-text.js';

describe('seed-text (the incident write-up plain-text log)', () => {
  it('groups "ts | key: value" lines into requests', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/seed-text.log');
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'seed-text', records: 4, loaded: 4, rejected: 0, skipped: 0, duplicates: 0 });
    expect(rows[0]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 0, 15, 14, 23, 7)), input: 'OK, got it, thanks', route: 'medium_complexity',
      score: 0.78, model: 'claude-3-haiku-20240307', ideal: 'gpt-3.5-turbo-0125', source_line: 1n, format: 'seed-text',
      request_id: null, input_tokens: null, cost_usd: null,
    });
    // Other keys by canonical name or alias; "$" and "ms" units are stripped.
    expect(rows[1]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 0, 15, 14, 23, 9)), request_id: 'rq-20250115-0412',
      input: 'How do Python list comprehensions work?', route: 'medium_complexity', score: 0.81,
      model: 'claude-3-haiku-20240307', ideal: 'gpt-3.5-turbo-0125', input_tokens: 11n, output_tokens: 164n,
      cost_usd: 0.000208, latency_ms: 1830, source_line: 6n,
    });
    // Same second, repeated key: a second request.
    expect(rows[2]).toMatchObject({ input: 'hello', score: 0.74, request_id: null, cost_usd: null, source_line: 15n });
    // Python logging's "14:28:12,604": milliseconds differ within one request, the second does not.
    expect(rows[3]).toMatchObject({
      ts_ms: BigInt(Date.UTC(2025, 0, 15, 14, 28, 12, 604)), input: 'How do Python list comprehensions work?',
      route: 'simple_complexity', score: 0.79, model: 'gpt-3.5-turbo-0125', ideal: 'gpt-3.5-turbo-0125', source_line: 20n,
    });
  });

  it('rejects lines that are not log lines, and bad values, with their line', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/seed-text.bad.log');
    expect(summary).toMatchObject({ format: 'seed-text', records: 4, loaded: 1, rejected: 3 });
    expect(rows.map((r) => r['source_line'])).toEqual([1n]);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [3n, 'unparseable ts: not a "YYYY-MM-DD HH:MM:SS | key: value" line'],
      [4n, 'cost_usd is not a number: about two cents'],
      [7n, 'unparseable ts: 2025-01-15 24:61:00'],
    ]);
    expect(JSON.parse(String(rejects[0]!['raw']))).toEqual({ unrecognised: 'Traceback (most recent call last):' });
  });

  it('detects the format when the file starts with a # comment, as the write-up excerpt does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-seed-'));
    const file = join(dir, 'excerpt.log');
    writeFileSync(file, '# Actual log entries I pulled at 2am\n' + readFileSync('fixtures/formats/seed-text.log', 'utf8'));
    const { summary, rows } = await loadFile(file);
    expect(summary).toMatchObject({ format: 'seed-text', loaded: 4, rejected: 0 });
    expect(rows[0]).toMatchObject({ input: 'OK, got it, thanks', source_line: 2n });
  });

  it('claims text framing only', () => {
    const lines = ['2025-01-15 14:23:07 | user_input: "OK, got it, thanks"'];
    expect(seedText.detect({ framing: 'text', lines, objects: [] })).toBe(0.9);
    expect(seedText.detect({ framing: 'jsonl', lines, objects: [] })).toBe(0);
  });
});
