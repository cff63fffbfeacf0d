import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { historyRow } from '../src/report/history.js';
import { runCli } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-history-'));

/**
 * Three ISO weeks (2025-W10..W12), 14 labelled requests each (two a day), of which week k routes 2k to the
 * dear tier by mistake: deviation 2/14, 4/14, 6/14. Costs are logged, so spend is their sum.
 */
const WEEKS = [
  { label: '2025-W10', monday: 3, off: 2 },
  { label: '2025-W11', monday: 10, off: 4 },
  { label: '2025-W12', monday: 17, off: 6 },
];
const recs = WEEKS.flatMap((w, wi) =>
  Array.from({ length: 14 }, (_, i) => ({
    ts: `2025-03-${String(w.monday + Math.floor(i / 2)).padStart(2, '0')}T${i % 2 ? '15' : '09'}:00:00Z`,
    request_id: `w${wi}-${i}`,
    input: `question ${wi}-${i}`,
    model: i < w.off ? 'big-1' : 'small-1',
    ideal: 'small-1',
    input_tokens: 100,
    output_tokens: 100,
    cost_usd: i < w.off ? 0.002 : 0.0002,
    cache_key: `k${wi}-${i}`,
    cache_hit: false,
  })),
);
const spendOf = (w: (typeof WEEKS)[number]) => w.off * 0.002 + (14 - w.off) * 0.0002;

describe('report history in a --db database', () => {
  const dir = tmp();
  const db = join(dir, 'rc.duckdb');
  const log = join(dir, 'logs.jsonl');
  const config = join(dir, 'rc.json');
  let w12: any;

  beforeAll(async () => {
    writeFileSync(log, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(config, JSON.stringify({ tiers: [{ name: 'simple', models: ['small-*'] }, { name: 'hard', models: ['big-*'] }] }));
    expect((await runCli(['ingest', log, '--db', db, '--quiet'])).code).toBe(0);
    const report = (...flags: string[]) => runCli(['report', '--db', db, '--config', config, '--quiet', '--format', 'json', ...flags]);
    // Out of order, and W11 twice: each window keeps one row.
    for (const week of ['2025-W11', '2025-W10', '2025-W11']) expect((await report('--week', week)).code).toBe(0);
    // A range of another length is stored too, but is not part of the weekly trend; a rolling --last window is not stored.
    expect((await report('--since', '2025-03-12', '--until', '2025-03-15')).code).toBe(0);
    const rolling = await report('--last', '3d');
    expect(rolling.code).toBe(0);
    expect(JSON.parse(rolling.stdout).trends).toBeUndefined();
    const r = await report('--week', '2025-W12');
    expect(r.code).toBe(0);
    w12 = JSON.parse(r.stdout);
  });

  it('shows the weekly trend up to this week, oldest first', () => {
    const rows = w12.trends.rows;
    expect(rows.map((t: any) => t.label)).toEqual(WEEKS.map((w) => w.label));
    for (const [i, w] of WEEKS.entries()) {
      expect(rows[i].requests).toBe(14);
      expect(rows[i].deviation_rate).toBeCloseTo(w.off / 14, 12);
      expect(rows[i].spend_usd).toBeCloseTo(spendOf(w), 12);
      expect(rows[i].window_from).toBe(`2025-03-${String(WEEKS[i]!.monday).padStart(2, '0')}T00:00:00.000Z`);
    }
    // Each family's price per token is the same every week: no drop once there is a week before; none for W10.
    expect(rows[0].tpd_drop).toBeNull();
    expect(rows[1].tpd_drop).toBeCloseTo(0, 12);
    expect(rows[2].tpd_drop).toBeCloseTo(0, 12);
    expect(rows.map((t: any) => t.status)).toEqual(['fail', 'fail', 'fail']);
  });

  it('prints the stored reports with routecheck history', async () => {
    const json = await runCli(['history', '--db', db, '--format', 'json']);
    expect(json.code).toBe(0);
    const stored = JSON.parse(json.stdout).reports;
    // Three weeks and the range.
    expect(stored).toHaveLength(4);
    expect(stored.filter((r: any) => r.basis === 'range').map((r: any) => [r.window_from, r.window_to])).toEqual([['2025-03-12T00:00:00.000Z', '2025-03-15T00:00:00.000Z']]);
    expect(stored.find((r: any) => r.basis === 'range').requests).toBe(6);
    expect(stored.filter((r: any) => r.label !== null).map((r: any) => r.label)).toEqual(WEEKS.map((w) => w.label));

    const table = await runCli(['history', '--db', db]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Report history');
    for (const w of WEEKS) expect(table.stdout).toContain(w.label);
    for (const line of table.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it('draws the trend under the headline', async () => {
    const r = await runCli(['report', '--db', db, '--config', config, '--quiet', '--week', '2025-W12']);
    expect(r.stdout).toMatch(/Trend/);
    expect(r.stdout.indexOf('Trend')).toBeLessThan(r.stdout.indexOf('Summary'));
  });

  it('keeps no history for an in-memory report', async () => {
    const r = await runCli(['report', log, '--config', config, '--quiet', '--format', 'json', '--week', '2025-W12']);
    expect(JSON.parse(r.stdout).trends).toBeUndefined();
  });

  it('says when there is no database', async () => {
    const r = await runCli(['history', '--db', join(dir, 'missing.duckdb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no database at .*missing\.duckdb/);
  });
});

describe('historyRow (pure)', () => {
  it('stores nothing for an unbounded or rolling window, or a report without a headline', () => {
    expect(historyRow({ window: { from: null, to: null }, headline: {} } as any)).toBeNull();
    expect(historyRow({ window: { from: 'a', to: 'b' }, window_basis: 'last', headline: {} } as any)).toBeNull();
    expect(historyRow({ window: { from: 'a', to: 'b' } } as any)).toBeNull();
  });
});
