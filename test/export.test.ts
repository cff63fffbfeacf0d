import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { EXPORT_COLUMNS } from '../src/export/enriched.js';
import { exportFormatOf, toArrowTable } from '../src/export/write.js';
import { demoRecords, demoTruth, inRange, type DemoRec } from './demo-records.js';
import { runCli } from './run-cli.js';
import { demoDb } from './demo-report.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-export-'));
/** The demo logs, loaded once per test run (a fresh copy of the database each call). */
const demo = async () => ['--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--quiet'];
const NAMES = EXPORT_COLUMNS.map((c) => c.name);
const tier = (m?: string) => (!m ? null : m.startsWith('gpt-4o-mini') ? 0 : m.startsWith('claude-3-5-haiku') ? 1 : m.startsWith('gpt-4o-2024') ? 2 : null);

/** Runs SQL over an exported file in a fresh in-memory DuckDB. */
const query = (sql: string, params: Record<string, string>) => withDatabase({ path: ':memory:' }, (db) => db.all(sql, params));

describe('export of the demo data', () => {
  const dir = tmp();
  const truth = demoTruth();
  let recs: DemoRec[];
  let w12: DemoRec[];

  beforeAll(() => {
    recs = demoRecords();
    w12 = inRange(recs, '2025-03-17', '2025-03-24');
  });

  it('writes every request to Parquet with its cost, tiers, deviation and retry flag', async () => {
    const file = join(dir, 'requests.parquet');
    const r = await runCli(['export', ...(await demo()), '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cols = await query(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($f))`, { f: file });
    expect(cols.map((c) => c['column_name'])).toEqual(NAMES);
    const [t] = await query(
      `SELECT count(*) AS n, sum(cost) AS cost, count(*) FILTER (WHERE cost IS NULL) AS unpriced,
         count(*) FILTER (WHERE deviation = 'over') AS over, count(*) FILTER (WHERE deviation = 'under') AS under,
         count(*) FILTER (WHERE deviation = 'none') AS ok,
         count(*) FILTER (WHERE retry_of IS NOT NULL) AS linked, count(*) FILTER (WHERE retry_of IS NOT NULL AND is_retry) AS linked_flagged,
         count(*) FILTER (WHERE input IS NOT NULL AND cluster IS NULL) AS unclustered,
         count(DISTINCT content_sha256) FILTER (WHERE input = 'ok, got it, thanks') AS hashes_of_one_input,
         count(*) FILTER (WHERE model = $to AND family = $family) AS bumped
       FROM read_parquet($f)`,
      { f: file, to: truth.version_bump!.to, family: truth.version_bump!.family },
    );
    expect(Number(t!['n'])).toBe(recs.length);
    expect(Number(t!['n'])).toBe(truth.requests);
    // Every priced demo request logs its cost (cache hits log 0); the self-hosted ones are unpriced, not $0.
    expect(t!['cost']).toBeCloseTo(recs.reduce((s, x) => s + (x.cost_usd ?? 0), 0), 6);
    expect(Number(t!['unpriced'])).toBe(truth.unpriced_requests);
    const judged = recs.filter((x) => tier(x.model) !== null && tier(x.ideal) !== null);
    expect(Number(t!['over'])).toBe(judged.filter((x) => tier(x.model)! > tier(x.ideal)!).length);
    expect(Number(t!['under'])).toBe(judged.filter((x) => tier(x.model)! < tier(x.ideal)!).length);
    expect(Number(t!['ok'])).toBe(judged.filter((x) => tier(x.model) === tier(x.ideal)).length);
    expect(Number(t!['over'])).toBe(truth.over_routed);
    const linked = recs.filter((x) => (x as { retry_of?: string }).retry_of !== undefined).length;
    expect(Number(t!['linked'])).toBe(linked);
    expect(Number(t!['linked_flagged'])).toBe(linked);
    expect(Number(t!['unclustered'])).toBe(0);
    expect(Number(t!['hashes_of_one_input'])).toBe(1);
    expect(Number(t!['bumped'])).toBe(truth.version_bump!.requests);
  });

  it('writes one week to CSV with a header', async () => {
    const file = join(dir, 'w12.csv');
    const r = await runCli(['export', ...(await demo()), '--week', '2025-W12', '--out', file]);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(NAMES.join(','));
    const [t] = await query(`SELECT count(*) AS n, min(ts) AS first FROM read_csv($f, header = true)`, { f: file });
    expect(Number(t!['n'])).toBe(w12.length);
  });

  it('writes Arrow IPC in batches that read back with apache-arrow', async () => {
    const file = join(dir, 'w12.arrow');
    const r = await runCli(['export', ...(await demo()), '--week', '2025-W12', '--out', file]);
    expect(r.code).toBe(0);
    const table = tableFromIPC(readFileSync(file));
    expect(table.numRows).toBe(w12.length);
    // 14,852 rows: one batch per 50,000.
    expect(table.batches.length).toBe(Math.ceil(w12.length / 50_000));
    expect(table.schema.fields.map((f) => f.name)).toEqual(NAMES);
    expect(String(table.schema.fields.find((f) => f.name === 'ts')!.type)).toBe('Timestamp<MILLISECOND, UTC>');
    const first = [...w12].sort((a, b) => a.ts.localeCompare(b.ts))[0]!;
    const row = table.get(0)!.toJSON() as Record<string, unknown>;
    expect(row['ts']).toBe(Date.parse(first.ts));
    expect(row['request_id']).toBe(first.request_id);
    expect(row['input_tokens']).toBe(BigInt(first.input_tokens!));
  });
});

describe('export options', () => {
  it('exports the ideal routes a --classifier replay finds, as the report does', async () => {
    const file = join(tmp(), 'replayed.parquet');
    // The records' own ideal routes mapped away: every ideal tier must come from the replay.
    const r = await runCli(['export', 'fixtures/routing/requests.jsonl', '--map', 'ideal=none', '--classifier', 'rules', '--quiet', '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = await query(`SELECT ideal_source, count(*) AS n, count(ideal_tier) AS with_tier FROM read_parquet($f) GROUP BY ALL`, { f: file });
    const replayed = rows.find((x) => x['ideal_source'] === 'replay');
    expect(Number(replayed?.['n'])).toBeGreaterThan(0);
    expect(Number(replayed?.['with_tier'])).toBe(Number(replayed?.['n']));
    expect(rows.filter((x) => x['ideal_source'] !== 'replay' && x['ideal_source'] !== null)).toEqual([]);
  });
  it('picks the format from the extension', () => {
    expect(exportFormatOf('a/b.parquet')).toBe('parquet');
    expect(exportFormatOf('x.CSV')).toBe('csv');
    expect(exportFormatOf('x.feather')).toBe('arrow');
    expect(exportFormatOf('x.json')).toBeNull();
  });

  it('types an empty batch by the column list', () => {
    const t = toArrowTable([]);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(NAMES);
  });

  it('writes the schema alone for a window with no requests', async () => {
    const file = join(tmp(), 'empty.arrow');
    const r = await runCli(['export', 'fixtures/formats/native.jsonl', '--week', '2024-W01', '--out', file, '--quiet']);
    expect(r.code).toBe(0);
    const table = tableFromIPC(readFileSync(file));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(NAMES);
  });

  const cases: [string, string[], RegExp][] = [
    ['no --out', ['export', 'fixtures/formats/native.jsonl'], /export needs --out FILE/],
    ['an unknown extension', ['export', 'fixtures/formats/native.jsonl', '--out', '/tmp/x.json'], /cannot tell the format from/],
    ['a bad --format', ['export', 'fixtures/formats/native.jsonl', '--out', '/tmp/x.bin', '--format', 'xlsx'], /--format "xlsx" is not one of parquet, csv, arrow/],
    ['no inputs', ['export', '--out', '/tmp/x.csv'], /export needs log files/],
  ];
  for (const [name, argv, message] of cases) {
    it(`exits 2 on ${name}`, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }
});
