import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { runCli } from './run-cli.js';

/**
 * `export --partition week` writes the layout other engines read as one table (hive partitions of Parquet), and
 * routecheck reads it back as an input folder with the same report: the way to shard a log over machines and
 * merge the parts (ARCHITECTURE.md, past one machine).
 */

const CONFIG = ['--config', 'fixtures/demo/routecheck.config.json'];

/** Differences between two reports, numbers compared to 1e-9 (sums in another order differ in the last bits). */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) ? [] : [`${path}: ${a} vs ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: ${a.length} vs ${b.length} items`];
    return a.flatMap((x, i) => differences(x, b[i], `${path}[${i}]`));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return a === b ? [] : [`${path}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`];
}

/**
 * What legitimately differs: where the records came from, the source's own bad lines (not exported), and the
 * stored history a --db adds.
 */
function comparable(report: Record<string, unknown>): Record<string, unknown> {
  const { inputs: _inputs, rejects: _rejects, trends: _trends, ...rest } = report;
  const requests = { ...(rest['requests'] as Record<string, unknown>) };
  delete requests['by_format'];
  delete requests['rejected'];
  const quality = { ...(rest['quality'] as Record<string, unknown>) };
  delete quality['rejected'];
  return { ...rest, requests, quality };
}

describe('export --partition week', () => {
  let dir: string;
  let parts: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routecheck-partition-'));
    parts = join(dir, 'parts');
    const run = await runCli(['export', 'fixtures/demo/logs/', '--out', parts, '--partition', 'week', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one week=YYYY-MM-DD folder of Parquet per report week, which DuckDB reads as one table', async () => {
    const weeks = readdirSync(parts).sort();
    expect(weeks).toEqual(['week=2025-02-10', 'week=2025-02-17', 'week=2025-02-24', 'week=2025-03-03', 'week=2025-03-10', 'week=2025-03-17']);
    for (const w of weeks) expect(readdirSync(join(parts, w)).every((f) => f.endsWith('.parquet'))).toBe(true);
    const rows = await withDatabase({ path: ':memory:' }, (db) =>
      db.all<{ week: string; n: bigint; first: Date }>(
        `SELECT CAST(week AS VARCHAR) AS week, count(*) AS n, min(ts) AS first
         FROM read_parquet($glob, hive_partitioning = true) GROUP BY ALL ORDER BY week`,
        { glob: join(parts, '**', '*.parquet') },
      ),
    );
    expect(rows.map((r) => String(r.week))).toEqual(weeks.map((w) => w.slice('week='.length)));
    // Every row sits in the folder of its own week.
    for (const r of rows) expect(r.first.toISOString().slice(0, 10) >= String(r.week)).toBe(true);
    // Every request of the logs, once.
    const logs = join(dir, 'logs.duckdb');
    expect((await runCli(['ingest', 'fixtures/demo/logs/', '--db', logs, '--quiet'])).code).toBe(0);
    const loaded = await withDatabase({ path: logs }, (d) => d.scalar('SELECT count(*) FROM requests'));
    expect(rows.reduce((s, r) => s + Number(r.n), 0)).toBe(loaded);
  });

  it('reads back as an input folder with the same report as the logs', async () => {
    const fromLogs = await runCli(['report', 'fixtures/demo/logs/', ...CONFIG, '--format', 'json', '--quiet']);
    const fromParts = await runCli(['report', parts, ...CONFIG, '--format', 'json', '--quiet']);
    expect(fromParts.code).toBe(fromLogs.code);
    const a = JSON.parse(fromLogs.stdout) as Record<string, unknown>;
    const b = JSON.parse(fromParts.stdout) as Record<string, unknown>;
    expect((b['inputs'] as { format: string }[]).every((i) => i.format === 'routecheck-export')).toBe(true);
    expect(differences(comparable(a), comparable(b))).toEqual([]);
  }, 120_000);

  it('ingests into a --db, twice without duplicates, and reports the same', async () => {
    const db = join(dir, 'state.duckdb');
    expect((await runCli(['ingest', parts, '--db', db, '--quiet'])).code).toBe(0);
    expect((await runCli(['ingest', parts, '--db', db, '--quiet'])).code).toBe(0);
    const count = await withDatabase({ path: db }, (d) => d.scalar('SELECT count(*) FROM requests'));
    const exported = await withDatabase({ path: ':memory:' }, (d) =>
      d.scalar('SELECT count(*) FROM read_parquet($glob)', { glob: join(parts, '**', '*.parquet') }));
    expect(count).toBe(exported);
    const fromDb = JSON.parse((await runCli(['report', '--db', db, ...CONFIG, '--format', 'json', '--quiet'])).stdout);
    const fromLogs = JSON.parse((await runCli(['report', 'fixtures/demo/logs/', ...CONFIG, '--format', 'json', '--quiet'])).stdout);
    expect(differences(comparable(fromLogs), comparable(fromDb))).toEqual([]);
  }, 120_000);

  it('refuses Arrow for a partitioned export (one line, exit 2)', async () => {
    const run = await runCli(['export', 'fixtures/demo/logs/', '--out', join(dir, 'x'), '--partition', 'week', '--format', 'arrow']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
