import { cell, heading, info, warn, type Block, type Cell } from '../render/blocks.js';
import { int, pct, usd, when } from '../render/format.js';
import type { Report } from '../report/report.js';
import { isoWeekLabel } from '../window.js';
import { trendTable } from './history.js';
import { GATE_LABELS, gateThreshold, gateValue, statusTone, windowName } from './gate-text.js';
import type { Section } from './section.js';
import { plural } from '../words.js';

/**
 * The headline: what a person reads first. It is first in SECTIONS and drawn at the top, but builds nothing:
 * the verdict section (last, verdict.ts) fills `headline`, `gates` and `findings` from the other sections' results.
 */
export const headlineSection: Section = {
  name: 'headline',
  top: true,
  async build() {
    return {};
  },
  blocks(report) {
    return headlineBlocks(report);
  },
};

const signed = (fraction: number | null): Cell =>
  fraction === null ? '—' : cell(`${fraction >= 0 ? '+' : '−'}${pct(Math.abs(fraction))}`, fraction);

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
  const roi = h.router_roi;
  if (roi) {
    const saves = roi.savings_monthly_usd >= 0;
    const text =
      `Router ROI: ${saves ? `saves ${usd(roi.savings_monthly_usd)}/month${roi.savings_share !== null ? ` (${pct(roi.savings_share)})` : ''} against` : `costs ${usd(-roi.savings_monthly_usd)}/month more than`}` +
      ` sending every request to ${roi.against}, net of classifier calls and retries` +
      (roi.ideal_gap_monthly_usd !== null && roi.ideal_gap_monthly_usd > 0 ? `; ideal routing would cost ${usd(roi.ideal_gap_monthly_usd)}/month less than the router` : '') +
      ' (see "Does the router pay for itself?").';
    out.push(saves ? info(text) : warn(text));
  }
  if (!p) out.push(info('no previous window to compare with (the data holds no complete week, or --all).'));
  else if (p.requests === 0) out.push(info('the previous window holds no requests: nothing to compare with.'));
  if (h.current.unpriced_requests > 0) {
    out.push(warn(`${plural(h.current.unpriced_requests, 'request has', 'requests have')} no logged cost and no price: they are not in the spend.`));
  }
  if (h.current.no_token_requests > 0) {
    out.push(warn(`${plural(h.current.no_token_requests, 'request has', 'requests have')} no token counts, so an unknown cost: ${h.current.no_token_requests === 1 ? 'it is' : 'they are'} not in the spend.`));
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

