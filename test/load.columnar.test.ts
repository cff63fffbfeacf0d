import { beforeAll, describe, expect, it } from 'vitest';
import { loadFile, type Loaded } from './helpers.js';

/**
 * native.parquet and native.arrow are native.jsonl converted by fixtures/formats/make-columnar.mjs
 * (DuckDB COPY, apache-arrow tableToIPC): every canonical field must load the same as from the JSONL.
 */
const withoutFile = (rows: Record<string, unknown>[]) => rows.map(({ source_file: _file, ...rest }) => rest);

describe('columnar framings (Parquet, Arrow IPC)', () => {
  let jsonl: Loaded;
  beforeAll(async () => {
    jsonl = await loadFile('fixtures/formats/native.jsonl');
  });

  it.each(['native.parquet', 'native.arrow'])('%s loads every field as native.jsonl does', async (name) => {
    const { summary, rows, rejects } = await loadFile(`fixtures/formats/${name}`);
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ format: 'native', records: 3, loaded: 3, rejected: 0, skipped: 0, duplicates: 0 });
    expect(rows).toHaveLength(3);
    expect(withoutFile(rows)).toEqual(withoutFile(jsonl.rows));
    // Nested columns (STRUCT usage, LIST of messages whose content is a string or a list of parts) too.
    expect(rows[2]).toMatchObject({
      request_id: 'n-3', input: 'Prove that sqrt(2) is irrational.', input_tokens: 30n, output_tokens: 400n,
      cached_tokens: 10n, cost_usd: 0.00405, ts_ms: 1742202010000n, source_line: 3n,
    });
  });

  it('rejects bad Parquet rows with their row number', async () => {
    const { summary, rows, rejects } = await loadFile('fixtures/formats/native.bad.parquet');
    expect(summary).toMatchObject({ format: 'native', records: 3, loaded: 1, rejected: 2 });
    expect(rows.map((r) => r['request_id'])).toEqual(['p-1']);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [2n, 'unparseable ts: yesterday'],
      [3n, 'negative cost_usd: -0.00405'],
    ]);
  });
});
