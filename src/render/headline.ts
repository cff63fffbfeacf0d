import type { Finding } from '../analyses/findings.js';
import type { Gate, GateName, GateStatus } from '../analyses/gates.js';
import type { Report } from '../report/report.js';
import type { TrendRow } from '../report/history.js';
import { isoWeekLabel } from '../window.js';
import { cell, heading, info, warn, type Block, type Cell, type Tone } from './blocks.js';
import { int, pct, usd, when } from './format.js';

/** Blocks of the headline (drawn first), the findings ("what it cost") and the unpriced/unmapped part of data quality. */

const signed = (fraction: number | null): Cell =>
  fraction === null ? '—' : cell(`${fraction >= 0 ? '+' : '−'}${pct(Math.abs(fraction))}`, fraction);

export const GATE_LABELS: Record<GateName, string> = {
  deviation: 'routing deviation',
  dilution: 'cache dilution',
  tpd_drop: 'tokens-per-dollar drop',
  unpriced: 'unpriced requests',
};

/** A gate's value as people read it (percentages for fractions, the factor for dilution). */
export function gateValue(g: Pick<Gate, 'name' | 'value' | 'interval'>): string {
  if (g.value === null) return '—';
  const f = (n: number): string => (g.name === 'dilution' ? n.toFixed(2) : pct(n));
  return g.interval ? `${f(g.value)} (${f(g.interval[0])}–${f(g.interval[1])})` : f(g.value);
}

export function gateThreshold(g: Pick<Gate, 'name' | 'threshold'>): string {
  return `≤ ${g.name === 'dilution' ? g.threshold.toFixed(2) : pct(g.threshold)}`;
}

export function statusTone(s: GateStatus): Tone | undefined {
  return s === 'fail' ? 'fail' : s === 'pass' ? 'ok' : 'warn';
}

/** `2025-W12`, or the window's bounds. */
export function windowName(report: Pick<Report, 'window' | 'window_label'>): string {
  return report.window_label ?? `${when(report.window.from)} → ${when(report.window.to)}`;
}

function previousName(report: Report): string | null {
  const prev = report.previous_window;
  if (!prev) return null;
  return report.window_label ? isoWeekLabel(new Date(prev.from)) : `${when(prev.from)} → ${when(prev.to)}`;
}

export function headlineBlocks(report: Report): Block[] {
  const h = report.headline;
  if (!h) return [];
  const prevName = previousName(report);
  const out: Block[] = [heading('Headline', 2, prevName ? `${windowName(report)} compared with ${prevName}` : windowName(report))];
  const p = h.previous;
  const money = (n: number | null | undefined): Cell => (n === null || n === undefined ? '—' : cell(usd(n), n));
  out.push({
    kind: 'table',
    id: 'headline',
    head: ['', report.window_label ?? 'window', prevName && report.window_label ? prevName : 'previous', 'change'],
    columns: ['metric', 'window', 'previous', 'change'],
    rows: [
      ['requests', cell(int(h.current.requests), h.current.requests), p ? cell(int(p.requests), p.requests) : '—', signed(h.request_change)],
      // An empty previous window has no spend to compare with: show "—", not $0.
      ['spend', money(h.current.spend_usd), p && p.requests > 0 ? money(p.spend_usd) : '—', signed(h.spend_change)],
      ['cost per request', money(h.current.cost_per_request), money(p?.cost_per_request), signed(h.cost_per_request_change)],
    ],
    fit: { flex: 0 },
  });
  if (!p) out.push(info('no previous window to compare with (the data holds no complete week, or --all).'));
  else if (p.requests === 0) out.push(info('the previous window holds no requests: nothing to compare with.'));
  if (h.current.unpriced_requests > 0) {
    out.push(warn(`${int(h.current.unpriced_requests)} requests have no logged cost and no price: they are not in the spend.`));
  }
  const gates = report.gates ?? [];
  if (gates.length > 0) {
    out.push(heading('Health', 3, h.status.toUpperCase()));
    out.push({
      kind: 'table',
      id: 'gates',
      head: ['check', 'value', 'threshold', 'status', 'what'],
      columns: ['gate', 'value', 'threshold', 'status', 'detail'],
      rows: gates.map((g) => [
        cell(GATE_LABELS[g.name], g.name),
        cell(gateValue(g), g.value),
        cell(gateThreshold(g), g.threshold),
        cell(g.status.toUpperCase(), g.status, statusTone(g.status)),
        g.detail,
      ]),
      align: ['left', 'right', 'right', 'left', 'left'],
      fit: { flex: 4, wrap: true, maxLines: 3 },
    });
  }
  const trends = report.trends;
  if (trends && trends.rows.length > 1) {
    out.push(heading('Trend', 3, `the last ${trends.rows.length} reports of this window length stored in the database`));
    out.push(trendTable('trend', trends.rows, (t) => t.label ?? t.window_from.slice(0, 10)));
    const x = trends.rows.map((t) => t.label ?? t.window_from.slice(0, 10));
    if (trends.rows.some((t) => t.deviation_rate !== null)) {
      out.push({
        kind: 'chart',
        id: 'trend-deviation',
        title: 'Routing deviation, report by report',
        x,
        series: [{ name: 'deviation', values: trends.rows.map((t) => t.deviation_rate) }],
        format: 'pct',
        threshold: { value: gates.find((g) => g.name === 'deviation')?.threshold ?? 0.05, label: 'gate' },
      });
    }
  }
  return out;
}

export function findingsBlocks(findings: readonly Finding[]): Block[] {
  const out: Block[] = [heading('What it cost', 2, "per month at this window's rate, largest first; findings overlap, so do not add them up")];
  if (findings.length === 0) {
    out.push(info('nothing found that costs money.'));
    return out;
  }
  out.push({
    kind: 'table',
    id: 'findings',
    head: ['per month', 'finding and fix'],
    columns: ['monthly_usd', 'finding'],
    rows: findings.map((f) => [
      f.monthly_usd === null ? cell('unknown', null, 'warn') : cell(usd(f.monthly_usd), f.monthly_usd),
      `${f.title}\nfix: ${f.fix}`,
    ]),
    align: ['right', 'left'],
    fit: { flex: 1, wrap: true },
  });
  return out;
}

export function qualityBlocks(report: Report): Block[] {
  const q = report.quality;
  if (!q) return [];
  const out: Block[] = [];
  if (q.unpriced && q.unpriced.requests > 0) {
    out.push(warn(`${int(q.unpriced.requests)} requests (${pct(q.unpriced.share)}) have no logged cost and no price: add their models to a price file (--prices).`));
    out.push({
      kind: 'table',
      id: 'unpriced-models',
      head: ['unpriced model', 'provider', 'requests'],
      rows: q.unpriced.models.map((m) => [m.model || '(no model)', m.provider ?? '—', cell(int(m.requests), m.requests)]),
      align: ['left', 'left', 'right'],
      fit: { flex: 0 },
    });
  }
  if (q.unmapped_models && q.unmapped_models.length > 0) {
    out.push(info('models no tier claims (left out of the routing deviation): add them to "tiers" if the router sends traffic there.'));
    out.push({
      kind: 'table',
      id: 'unmapped-models',
      head: ['model without a tier', 'requests'],
      rows: q.unmapped_models.map((m) => [m.model, cell(int(m.requests), m.requests)]),
      fit: { flex: 0 },
    });
  }
  if (q.unmapped_ideals && q.unmapped_ideals.length > 0) {
    out.push(warn(`ideal labels that name no tier: ${q.unmapped_ideals.map((m) => `${m.label} (${int(m.requests)})`).join(', ')}.`));
  }
  if (out.length === 0) return [];
  return [heading('Prices and tiers', 2, 'what the money and deviation figures could not use'), ...out];
}

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
