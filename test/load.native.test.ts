import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { withDatabase } from '../src/db/database.js';
import { ingestFile } from '../src/load/ingest.js';
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

describe('native JSONL: provider usage objects and service tiers', () => {
  it('reads each provider usage object as the whole prompt with its cache reads and writes apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-native-usage-'));
    const file = join(dir, 'usage.jsonl');
    const recs = [
      // Anthropic Messages: input_tokens leaves cache reads and writes out; usage.service_tier.
      { ts: '2025-03-17T09:00:00Z', id: 'u-1', model: 'claude-3-5-haiku-20241022',
        usage: { input_tokens: 14, cache_creation_input_tokens: 2048, cache_read_input_tokens: 512, output_tokens: 31, service_tier: 'standard' } },
      // Bedrock Converse: the same, in camelCase.
      { ts: '2025-03-17T09:00:01Z', id: 'u-2', model: 'anthropic.claude-3-haiku-20240307-v1:0',
        usage: { inputTokens: 20, cacheReadInputTokens: 300, cacheWriteInputTokens: 100, outputTokens: 5, totalTokens: 425 } },
      // OpenAI Chat Completions: prompt_tokens is the whole prompt; a top-level service_tier.
      { ts: '2025-03-17T09:00:02Z', id: 'u-3', model: 'gpt-4o-mini', service_tier: 'Flex',
        usage: { prompt_tokens: 1320, completion_tokens: 18, prompt_tokens_details: { cached_tokens: 1152, cache_write_tokens: 64 } } },
      // OpenAI Responses: input_tokens is the whole prompt (no cache_*_input_tokens keys to add).
      { ts: '2025-03-17T09:00:03Z', id: 'u-4', model: 'gpt-4.1-nano', service_tier: 'priority',
        usage: { input_tokens: 57, input_tokens_details: { cached_tokens: 32 }, output_tokens: 14 } },
      // Flat canonical names and aliases.
      { ts: '2025-03-17T09:00:04Z', id: 'u-5', model: 'm', input_tokens: 900, cache_read_input_tokens: 100, cacheWriteInputTokens: 200, output_tokens: 3, service_tier: 'scale' },
      { ts: '2025-03-17T09:00:05Z', id: 'u-6', model: 'm', input_tokens: 900, cache_creation_tokens: 7, service_tier: 'auto' },
    ];
    writeFileSync(file, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const { rows, rejects } = await loadFile(file);
    expect(rejects).toEqual([]);
    const got = rows.map((r) => [r['request_id'], r['input_tokens'], r['cached_tokens'], r['cache_write_tokens'], r['output_tokens'], r['service_tier']]);
    expect(got).toEqual([
      ['u-1', 2574n, 512n, 2048n, 31n, 'default'],
      ['u-2', 420n, 300n, 100n, 5n, null],
      ['u-3', 1320n, 1152n, 64n, 18n, 'flex'],
      ['u-4', 57n, 32n, null, 14n, 'priority'],
      ['u-5', 900n, 100n, 200n, 3n, 'scale'],
      ['u-6', 900n, null, 7n, null, 'default'],
    ]);
  });

  it('rejects a usage object whose input count is not a number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-native-usage-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, JSON.stringify({ ts: '2025-03-17T09:00:00Z', model: 'm', usage: { input_tokens: 'many', cache_read_input_tokens: 5 } }) + '\n');
    const { rejects } = await loadFile(file);
    expect(rejects.map((r) => r['reason'])).toEqual(['input_tokens is not a whole number: many']);
  });
});

describe('a --db made before cache_write_tokens and service_tier', () => {
  it('gets the new columns, keeps its rows, and loads new ones by column name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-old-db-'));
    const path = join(dir, 'old.duckdb');
    // The requests table as routecheck made it before the two columns (canonical columns, then the bookkeeping).
    const instance = await DuckDBInstance.create(path);
    const c = await instance.connect();
    await c.run(`CREATE TABLE requests (ts TIMESTAMPTZ, request_id VARCHAR, session_id VARCHAR, user_id VARCHAR, input VARCHAR,
      model VARCHAR, requested_model VARCHAR, route VARCHAR, score DOUBLE, ideal VARCHAR, input_tokens BIGINT, output_tokens BIGINT,
      cached_tokens BIGINT, cost_usd DOUBLE, cache_key VARCHAR, cache_hit BOOLEAN, retry_of VARCHAR, status VARCHAR, latency_ms DOUBLE,
      provider VARCHAR, source_file VARCHAR NOT NULL, source_line BIGINT NOT NULL, format VARCHAR NOT NULL, raw VARCHAR NOT NULL,
      record_key UHUGEINT NOT NULL, ingested_at TIMESTAMPTZ NOT NULL);
      INSERT INTO requests (ts, request_id, model, input_tokens, source_file, source_line, format, raw, record_key, ingested_at)
      VALUES ('2025-03-17 09:00:00+00', 'old-1', 'gpt-4o-mini', 10, 'old.jsonl', 1, 'native', '{}', 1, now());`);
    c.closeSync();
    instance.closeSync();

    const file = join(dir, 'new.jsonl');
    writeFileSync(file, JSON.stringify({ ts: '2025-03-18T09:00:00Z', request_id: 'new-1', model: 'claude-3-5-haiku-20241022', input_tokens: 100, cache_write_tokens: 40, service_tier: 'batch' }) + '\n');
    const rows = await withDatabase({ path }, async (db) => {
      await ingestFile(db, file, file, {});
      return db.all(`SELECT request_id, model, input_tokens, cache_write_tokens, service_tier, source_file, raw FROM requests ORDER BY ts`);
    });
    // Its raw column was NOT NULL: the new record, stored without its text, needs that lifted.
    expect(rows).toEqual([
      { request_id: 'old-1', model: 'gpt-4o-mini', input_tokens: 10n, cache_write_tokens: null, service_tier: null, source_file: 'old.jsonl', raw: '{}' },
      { request_id: 'new-1', model: 'claude-3-5-haiku-20241022', input_tokens: 100n, cache_write_tokens: 40n, service_tier: 'batch', source_file: file, raw: null },
    ]);
  });
});

describe('bad input', () => {
  it('loads the good lines and rejects each bad one with its line number, reason and text', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/native.bad.jsonl');
    expect(rows.map((r) => [r['request_id'], r['source_line']])).toEqual([['b-1', 1n], ['b-10', 12n]]);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [2n, 'malformed JSON'],
      [4n, 'input_tokens is not a whole number: five'],
      [5n, 'negative input_tokens: -3'],
      [6n, 'unparseable ts: last tuesday'],
      [7n, 'not valid UTF-8'],
      [8n, 'missing ts'],
      [9n, 'cost_usd is not a number: abc'],
      [10n, 'cache_hit is not true/false: maybe'],
      [11n, 'missing ts'],
    ]);
    expect(rejects[0]!['raw']).toContain('"request_id":"b-2"');
    expect(rejects[4]!['raw']).toContain('"request_id":"b-6"');
    expect(summary).toMatchObject({ records: 11, loaded: 2, rejected: 9, duplicates: 0, skipped: 0 });
  });
});

describe('compressed input', () => {
  for (const ext of ['gz', 'zst']) {
    it(`reads .${ext} as the plain file`, async () => {
      const plain = await loadFile('fixtures/formats/native.jsonl');
      const packed = await loadFile(`fixtures/formats/native.jsonl.${ext}`);
      expect(packed.summary.format).toBe('native');
      expect(packed.rows.map(({ source_file: _f, ...r }) => r)).toEqual(plain.rows.map(({ source_file: _f, ...r }) => r));
    });
  }
});

describe('--map', () => {
  it('reads a field from another path', async () => {
    const { rows } = await loadFile('fixtures/formats/native.jsonl', { map: { user_id: '$.session_id' } });
    expect(rows[0]).toMatchObject({ user_id: 's-1' });
  });
});

describe('native CSV', () => {
  it('reads a header of canonical names and aliases; bad rows are rejected with their line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-csv-'));
    const file = join(dir, 'log.csv');
    writeFileSync(file, [
      'timestamp,request_id,model,prompt_tokens,completion_tokens,cost,input',
      '2025-03-17 09:00:00,c-1,gpt-4o-mini,10,20,0.0001,"hello, world"',
      '2025-03-17 09:01:00,c-2,gpt-4o-mini,ten,20,0.0001,hi',
      '2025-03-17 09:02:00,c-3,gpt-4o-mini,10',
      '2025-03-17 09:03:00,c-4,gpt-4o,5,6,0.002,bye',
    ].join('\n') + '\n');
    const { summary, rows, rejects } = await loadFile(file);
    expect(summary).toMatchObject({ format: 'native', records: 4, loaded: 2, rejected: 2 });
    expect(rows.map((r) => [r['request_id'], r['source_line'], r['input_tokens'], r['input']])).toEqual([
      ['c-1', 2n, 10n, 'hello, world'],
      ['c-4', 5n, 5n, 'bye'],
    ]);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [3n, 'input_tokens is not a whole number: ten'],
      [4n, 'CSV row has fewer columns than the header'],
    ]);
  });
});

describe('duplicates', () => {
  it('keeps the first of records repeating a request_id within a file, and counts the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-dup-'));
    const file = join(dir, 'dup.jsonl');
    const line = (id: string, t: string) => JSON.stringify({ ts: `2025-03-17T09:00:0${t}Z`, request_id: id, model: 'm' });
    writeFileSync(file, [line('a', '1'), line('b', '2'), line('a', '3'), line('c', '4'), line('b', '5')].join('\n'));
    const { summary, rows } = await loadFile(file);
    expect(summary).toMatchObject({ records: 5, loaded: 3, duplicates: 2, rejected: 0 });
    expect(rows.map((r) => [r['request_id'], r['source_line']])).toEqual([['a', 1n], ['b', 2n], ['c', 4n]]);
  });

  it('loads only the records of a second file whose keys are not stored yet, whatever the overlap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-overlap-'));
    const line = (id: number) => JSON.stringify({ ts: `2025-03-17T09:${String(id).padStart(2, '0')}:00Z`, request_id: `r-${id}`, model: 'm' });
    const write = (name: string, ids: number[]) => {
      const path = join(dir, name);
      writeFileSync(path, ids.map(line).join('\n') + '\n');
      return path;
    };
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const first = write('a.jsonl', range(1, 10));
    const second = write('b.jsonl', [...range(6, 15), 15, 3]); // 5 stored, 5 new, one repeated within the file, one stored
    const third = write('c.jsonl', range(16, 20)); // nothing stored: the plain insert
    const result = await withDatabase({ path: ':memory:' }, async (db) => {
      const summaries = [await ingestFile(db, first, first), await ingestFile(db, second, second), await ingestFile(db, third, third)];
      const rows = await db.all<{ id: string; file: string; line: bigint }>(
        `SELECT request_id AS id, source_file AS file, source_line AS line FROM requests ORDER BY ts`,
      );
      return { summaries, rows };
    });
    expect(result.summaries.map((s) => [s.records, s.loaded, s.duplicates])).toEqual([[10, 10, 0], [12, 5, 7], [5, 5, 0]]);
    expect(result.rows.map((r) => r.id)).toEqual(range(1, 20).map((i) => `r-${i}`));
    // Each record is the one of the file that brought it first, at its line there.
    expect(result.rows.find((r) => r.id === 'r-8')).toMatchObject({ file: first, line: 8n });
    expect(result.rows.find((r) => r.id === 'r-15')).toMatchObject({ file: second, line: 10n });
  });
});

describe('raw text in the database', () => {
  const lines = [
    JSON.stringify({ ts: '2025-03-17T09:00:00Z', request_id: 'k-1', model: 'm', extra: { header: 'x-team: a' } }),
    '{"ts": "2025-03-17T09:00:01Z", "request_id": "k-2", "input_tokens": "five"}',
  ];
  const load = async (keepRaw: boolean | undefined) => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-raw-'));
    const file = join(dir, 'raw.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    return withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, file, file, keepRaw === undefined ? {} : { keepRaw });
      return {
        requests: await db.all<{ raw: string | null; line: bigint }>(`SELECT raw, source_line AS line FROM requests`),
        rejects: await db.all<{ raw: string | null }>(`SELECT raw FROM rejects`),
      };
    });
  };

  it('keeps a loaded record as its fields, file and line; a reject keeps its text', async () => {
    const { requests, rejects } = await load(undefined);
    expect(requests).toEqual([{ raw: null, line: 1n }]);
    expect(rejects).toEqual([{ raw: lines[1] }]);
  });

  it('keeps every loaded record\'s text with keepRaw (--keep-raw)', async () => {
    const { requests, rejects } = await load(true);
    expect(requests).toEqual([{ raw: lines[0], line: 1n }]);
    expect(rejects).toEqual([{ raw: lines[1] }]);
  });
});
