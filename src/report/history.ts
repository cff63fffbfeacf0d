import type { Gate, GateName, GateStatus } from '../analyses/gates.js';
import { iso, num, numOrNull } from '../analyses/runner.js';
import type { Database, Row } from '../db/database.js';
import type { Report } from './report.js';

/**
 * Report history: with a persistent database (--db), every report of a week (or of a --since/--until range)
 * stores its headline numbers by window in `report_history`, and shows the trend of the last 8 stored reports of
 * the same window length (weekly reports make a weekly trend). Running a window again replaces its row.
 *
 * The table lives with the reports, not in db/schema.ts: only a database that has had a report run has it.
 */
export interface TrendRow {
  window_from: string;
  window_to: string;
  /** `2025-W12` for week windows. */
  label: string | null;
  basis: string;
  requests: number;
  spend_usd: number;
  deviation_rate: number | null;
  dilution_factor: number | null;
  /** Worst family tokens-per-dollar drop (0.15 = fell 15%). */
  tpd_drop: number | null;
  unpriced_share: number | null;
  status: GateStatus;
  /** When this row was stored. */
  stored_at: string | null;
}

export interface Trends {
  /** Oldest first, the current window last. */
  rows: TrendRow[];
}

export const TREND_REPORTS = 8;

export const HISTORY_DDL = `CREATE TABLE IF NOT EXISTS report_history (
  window_from TIMESTAMPTZ NOT NULL,
  window_to TIMESTAMPTZ NOT NULL,
  label VARCHAR,
  basis VARCHAR NOT NULL,
  requests BIGINT NOT NULL,
  spend_usd DOUBLE NOT NULL,
  unpriced_requests BIGINT NOT NULL,
  deviation_rate DOUBLE,
  dilution_factor DOUBLE,
  tpd_drop DOUBLE,
  unpriced_share DOUBLE,
  status VARCHAR NOT NULL,
  gates VARCHAR NOT NULL,
  stored_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (window_from, window_to)
)`;

/**
 * The row a report stores, or null. Only windows fixed by the calendar or the user are stored (weeks, and
 * --since/--until): `--last 7d` and `--all` move with the data, so an hourly `--last 7d` run would fill the
 * table with overlapping windows. Pure.
 */
export function historyRow(report: Report): Omit<TrendRow, 'stored_at'> & { unpriced_requests: number; gates: Gate[] } | null {
  const h = report.headline;
  if (!h || !report.window.from || !report.window.to) return null;
  if (report.window_basis === 'last' || report.window_basis === 'all') return null;
  const value = (name: GateName): number | null => report.gates?.find((g) => g.name === name)?.value ?? null;
  return {
    window_from: report.window.from,
    window_to: report.window.to,
    label: report.window_label,
    basis: report.window_basis,
    requests: h.current.requests,
    spend_usd: h.current.spend_usd,
    unpriced_requests: h.current.unpriced_requests,
    // Stored whether or not a gate is on, so that turning a gate off does not erase its history.
    deviation_rate: report.deviation?.available ? report.deviation.rate : value('deviation'),
    dilution_factor: report.cache?.available ? report.cache.dilution_factor : value('dilution'),
    tpd_drop: h.tokens_per_dollar.worst ? -h.tokens_per_dollar.worst.change : null,
    unpriced_share: report.efficiency && report.requests.total > 0 ? report.efficiency.unpriced.share : value('unpriced'),
    status: h.status,
    gates: report.gates ?? [],
  };
}

export async function storeHistory(db: Database, row: NonNullable<ReturnType<typeof historyRow>>, storedAt: Date): Promise<void> {
  await db.run(HISTORY_DDL);
  const key = { from: row.window_from, to: row.window_to };
  await db.run(`DELETE FROM report_history WHERE window_from = CAST($from AS TIMESTAMPTZ) AND window_to = CAST($to AS TIMESTAMPTZ)`, key);
  await db.run(
    `INSERT INTO report_history VALUES (CAST($from AS TIMESTAMPTZ), CAST($to AS TIMESTAMPTZ), $label, $basis, $requests, $spend,
       $unpriced_requests, $deviation, $dilution, $tpd, $unpriced, $status, $gates, CAST($stored_at AS TIMESTAMPTZ))`,
    {
      ...key,
      label: row.label,
      basis: row.basis,
      requests: row.requests,
      spend: row.spend_usd,
      unpriced_requests: row.unpriced_requests,
      deviation: row.deviation_rate,
      dilution: row.dilution_factor,
      tpd: row.tpd_drop,
      unpriced: row.unpriced_share,
      status: row.status,
      gates: JSON.stringify(row.gates),
      stored_at: storedAt.toISOString(),
    },
  );
}

const SELECT = `SELECT window_from, window_to, label, basis, requests, spend_usd, deviation_rate, dilution_factor, tpd_drop,
  unpriced_share, status, stored_at FROM report_history`;

/** The last `n` stored reports of the same length as [from, to) that end by `to`, oldest first. */
export async function readTrend(db: Database, from: string, to: string, n = TREND_REPORTS): Promise<TrendRow[]> {
  if (!(await hasHistory(db))) return [];
  const rows = await db.all(
    `${SELECT} WHERE window_to - window_from = CAST($to AS TIMESTAMPTZ) - CAST($from AS TIMESTAMPTZ)
       AND window_to <= CAST($to AS TIMESTAMPTZ)
     ORDER BY window_from DESC LIMIT $n`,
    { from, to, n },
  );
  return rows.map(toTrendRow).reverse();
}

/** Every stored report, oldest window first. */
export async function readHistory(db: Database): Promise<TrendRow[]> {
  if (!(await hasHistory(db))) return [];
  return (await db.all(`${SELECT} ORDER BY window_from, window_to`)).map(toTrendRow);
}

async function hasHistory(db: Database): Promise<boolean> {
  return (await db.one(`SELECT 1 AS x FROM duckdb_tables() WHERE table_name = 'report_history' AND NOT temporary`)) !== undefined;
}

export function toTrendRow(r: Row): TrendRow {
  return {
    window_from: iso(r['window_from'])!,
    window_to: iso(r['window_to'])!,
    label: r['label'] === null ? null : String(r['label']),
    basis: String(r['basis']),
    requests: num(r['requests']),
    spend_usd: num(r['spend_usd']),
    deviation_rate: numOrNull(r['deviation_rate']),
    dilution_factor: numOrNull(r['dilution_factor']),
    tpd_drop: numOrNull(r['tpd_drop']),
    unpriced_share: numOrNull(r['unpriced_share']),
    status: String(r['status']) as GateStatus,
    stored_at: iso(r['stored_at']),
  };
}
