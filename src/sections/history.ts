import { historyRow, readTrend, storeHistory, type TrendRow } from '../report/history.js';
import { cell, type Block, type Cell } from '../render/blocks.js';
import { int, pct, usd } from '../render/format.js';
import { statusTone } from './gate-text.js';
import type { Section } from './section.js';

/**
 * Last in SECTIONS: stores this report's headline (persistent databases only) and reads the trend it then
 * belongs to. The trend is drawn by the headline (sections/headline.ts), so this section draws nothing itself.
 */
export const historySection: Section = {
  name: 'history',
  async build(ctx, report) {
    if (ctx.db.path === ':memory:') return {};
    const row = historyRow(report);
    if (!row) return {};
    await storeHistory(ctx.db, row, ctx.effects.now());
    return { trends: { rows: await readTrend(ctx.db, row.window_from, row.window_to) } };
  },
  blocks() {
    return [];
  },
};

/** The stored headline numbers as one table: the headline's trend and `routecheck history` draw the same rows. */
export function trendTable(id: string, rows: readonly TrendRow[], label: (t: TrendRow) => string): Block {
  const opt = (n: number | null, f: (n: number) => string): Cell => (n === null ? '—' : cell(f(n), n));
  return {
    kind: 'table',
    id,
    head: ['window', 'requests', 'spend', 'deviation', 'dilution', 'tpd drop', 'unpriced', 'status'],
    columns: ['window_from', 'requests', 'spend_usd', 'deviation_rate', 'dilution_factor', 'tpd_drop', 'unpriced_share', 'status'],
    rows: rows.map((t) => [
      cell(label(t), t.window_from),
      cell(int(t.requests), t.requests),
      cell(usd(t.spend_usd), t.spend_usd),
      opt(t.deviation_rate, (n) => pct(n)),
      opt(t.dilution_factor, (n) => n.toFixed(2)),
      opt(t.tpd_drop, (n) => pct(n)),
      opt(t.unpriced_share, (n) => pct(n)),
      cell(t.status.toUpperCase(), t.status, statusTone(t.status)),
    ]),
    fit: { flex: 0 },
  };
}
