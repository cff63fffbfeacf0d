import { toSpend, type Spend } from '../analyses/spend.js';
import { weekOverlaps } from '../analyses/headline.js';
import { dayLabel } from '../analyses/weeks.js';
import type { FactRows } from '../prices/costs.js';
import { cell, heading, info, warn, type Block } from '../render/blocks.js';
import { int, pct, signedPct, usd } from '../render/format.js';
import type { Section } from './section.js';
import { plural } from '../words.js';

/** Spend vs traffic: the analysis (analyses/spend.ts) and its blocks. */
export const spendSection: Section = {
  name: 'spend',
  async build(ctx) {
    const rows = (await ctx.shared.costs('trend'))!.rows;
    const keep = (from: Date | null, to: Date | null): FactRows => ({
      ...rows,
      modelWeeks: rows.modelWeeks.filter((r) => weekOverlaps(dayLabel(r['week']), from, to)),
    });
    // The weekly series: the trend weeks. The comparison: the window's first and last complete weeks when it has
    // two, else the window against the window before it (the headline's comparison).
    const series = toSpend(keep(ctx.trend.from, ctx.trend.to), ctx.trend);
    if (!series.available) return { spend: series };
    const inWindow = toSpend(keep(ctx.window.from, ctx.window.to), ctx.window);
    const from = ctx.previous?.from ?? ctx.window.from;
    const compared =
      inWindow.available && inWindow.compared && !inWindow.compared.partial ? inWindow : toSpend(keep(from, ctx.window.to), { from, to: ctx.window.to });
    return { spend: compared.available ? { ...compared, weeks: series.weeks } : series };
  },
  blocks(report) {
    return report.spend ? spendBlocks(report.spend) : [];
  },
};

export function spendBlocks(s: Spend): Block[] {
  const out: Block[] = [heading('Spend vs traffic')];
  if (!s.available) return [...out, warn(`not available: ${s.reason}.`)];
  out.push({
    kind: 'table',
    id: 'spend-weeks',
    head: ['week', 'requests', 'spend', 'per request', 'unpriced', 'cache hits'],
    columns: ['week', 'requests', 'spend_usd', 'cost_per_request_usd', 'unpriced_requests', 'cache_hits'],
    rows: s.weeks.map((w) => [
      cell(w.week + (w.complete ? '' : '*'), w.week),
      cell(int(w.requests), w.requests),
      cell(usd(w.cost_usd), w.cost_usd),
      cell(w.cost_per_request === null ? '—' : usd(w.cost_per_request), w.cost_per_request),
      cell(int(w.unpriced_requests), w.unpriced_requests, w.unpriced_requests > 0 ? 'warn' : undefined),
      cell(int(w.cache_hits), w.cache_hits),
    ]),
  });
  if (s.weeks.length > 0) {
    out.push({
      kind: 'chart',
      id: 'cost-per-request',
      title: 'Cost per request, weekly',
      x: s.weeks.map((w) => w.week + (w.complete ? '' : '*')),
      series: [{ name: 'cost per request', values: s.weeks.map((w) => w.cost_per_request) }],
      format: 'usd',
      caption: 'Known cost over the requests whose cost is known; a rise with flat traffic is routing, a price or a version.',
    });
  }
  if (s.weeks.some((w) => !w.complete)) out.push(info('* partial week (the window starts or ends inside it).'));
  const noTokens = s.weeks.reduce((n, w) => n + w.no_token_requests, 0);
  if (noTokens > 0) out.push(warn(`${plural(noTokens, 'request')} without token counts (a price, but nothing to multiply it by) ${noTokens === 1 ? 'is' : 'are'} in no week's spend.`));
  if (s.compared) {
    const x = s.explained;
    out.push(info(`${s.compared.from_week} → ${s.compared.to_week}${s.compared.partial ? ' (partial weeks)' : ''}: spend ${signedPct(s.cost_growth)},` +
      ` requests ${signedPct(s.request_growth)}, cost per request ${signedPct(s.cost_per_request_growth)}.` +
      (x ? ` Of the spend change, price changes explain ${x.price_change.share === null ? '—' : pct(x.price_change.share)} (${usd(x.price_change.usd)})` +
        ` and version changes ${x.version_change.share === null ? '—' : pct(x.version_change.share)} (${usd(x.version_change.usd)}); the rest is traffic and routing.` : '')));
  }
  return out;
}

