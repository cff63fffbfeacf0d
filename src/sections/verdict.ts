import type { Row } from '../db/database.js';
import { familyChanges, priceEvents, windowNumbers, type Headline } from '../analyses/headline.js';
import { toFindings, type Finding } from '../analyses/findings.js';
import { evaluateGate, GATE_NAMES, overallStatus, type GateInput, type GateName } from '../analyses/gates.js';
import { cell, heading, info, type Block } from '../render/blocks.js';
import { usd } from '../render/format.js';
import type { Report } from '../report/report.js';
import { relativeChange } from '../stats.js';
import { windowLengthDays } from '../window.js';
import type { Section, SectionContext } from './section.js';
import { plural } from '../words.js';

/**
 * The verdict, last in SECTIONS: reads every other section's result from the report and computes `headline`,
 * `gates` and `findings`; draws the findings ("what it cost") at the end. Gates and findings quote the figures the
 * sections show, never a number of their own computed over another range.
 */
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** What each gate measures, read from the other sections' results; a missing input is `unknown`, never pass. Pure. */
export function gateInputs(report: Report, tpd: Headline['tokens_per_dollar']): Record<GateName, GateInput> {
  const d = report.deviation;
  const deviation: GateInput = !d
    ? { unknown: 'the deviation section did not run' }
    : !d.available || d.rate === null
      ? { unknown: d.reason ?? 'no request has an ideal route (a label on the record, --labels FILE or --classifier)' }
      : {
          value: d.rate,
          interval: d.ci95,
          detail: `${pct(d.rate)} of ${plural(d.evaluated, 'request')} with an ideal route (${pct(d.over_rate ?? 0)} over, ${pct(d.under_rate ?? 0)} under)${d.estimate ? ', estimated from a labelled sample' : ''}`,
        };

  const c = report.cache;
  const dilution: GateInput = !c
    ? { unknown: 'the cache section did not run' }
    : !c.available
      ? { unknown: c.reason }
      : c.dilution_factor === null
        ? { unknown: c.not_computed[0] ?? 'the logs have no cache_key: cache entries cannot be counted' }
        : {
            value: c.dilution_factor,
            detail: `${int(c.entries ?? 0)} cache entries for ${int(c.semantic_clusters)} distinct contents${c.key_includes_model ? '; the key includes the model' : ''}`,
          };

  const w = tpd.worst;
  const tpdDrop: GateInput = w
    ? {
        value: -w.change,
        detail: `${w.family} ${w.change < 0 ? 'fell' : 'rose'} ${pct(Math.abs(w.change))} in the week of ${w.week}${w.causes.length ? ` (${w.causes.join(', ')})` : ''}`,
      }
    : { unknown: tpd.reason ?? 'no model family has a week before to compare with' };

  const e = report.efficiency;
  const total = report.requests.total;
  const unpriced: GateInput = !e
    ? { unknown: 'the tokens-per-dollar section did not run' }
    : total === 0
      ? { unknown: 'no requests in the window' }
      : {
          value: e.unpriced.share,
          detail:
            (e.unpriced.requests === 0
              ? `every request of ${int(total)} has a logged cost or a price`
              : `${int(e.unpriced.requests)} of ${plural(total, 'request')} ${e.unpriced.requests === 1 ? 'has' : 'have'} no logged cost and no price (${e.unpriced.models
                  .slice(0, 3)
                  .map((m) => m.model || '(no model)')
                  .join(', ')})`) +
            // Not this gate's (a price applies), but their cost is unknown too: said, never passed over.
            (e.no_token_counts.requests > 0 ? `; ${int(e.no_token_counts.requests)} more ${e.no_token_counts.requests === 1 ? 'has' : 'have'} a price but no token counts` : ''),
        };
  return { deviation, dilution, tpd_drop: tpdDrop, unpriced };
}

export const verdictSection: Section = {
  name: 'verdict',
  async build(ctx, report) {
    const thresholds = ctx.settings.gates;
    const current = (await ctx.shared.costs('window'))!;
    const previous = await ctx.shared.costs('previous');
    // The same efficiency and versions results the sections show: the gates and findings quote their figures.
    const eff = report.efficiency;
    const families = eff ? familyChanges(eff, ctx.window) : [];
    const tpd: Headline['tokens_per_dollar'] = {
      families,
      worst: families[0] ?? null,
      reason:
        families.length > 0
          ? null
          : !eff
            ? 'the tokens-per-dollar section did not run'
            : eff.available
              ? 'no model family has a priced week before to compare with'
              : eff.reason,
    };
    const now = windowNumbers(current.rows);
    const before = previous ? windowNumbers(previous.rows) : null;
    const inputs = gateInputs(report, tpd);
    const gates = GATE_NAMES.flatMap((name) => {
      const max = thresholds.max[name];
      return max === null ? [] : [evaluateGate(name, inputs[name], max, thresholds.gate_on)];
    });
    const events = eff && report.versions ? priceEvents(report.versions, eff, current.rows.modelWeeks, ctx.window) : [];
    const headline: Headline = {
      current: now,
      previous: before,
      request_change: before ? relativeChange(now.requests, before.requests) : null,
      spend_change: before ? relativeChange(now.spend_usd, before.spend_usd) : null,
      cost_per_request_change: before ? relativeChange(now.cost_per_request, before.cost_per_request) : null,
      tokens_per_dollar: tpd,
      price_events: events,
      router_roi: routerRoi(report),
      status: overallStatus(gates),
    };
    return { headline, gates, findings: toFindings(report, events, windowDays(ctx, current.rows.totals[0])) };
  },
  blocks(report) {
    return report.findings ? findingsBlocks(report.findings) : [];
  },
};

/** The roi section's line against the strongest tier, as the headline quotes it. Pure. */
export function routerRoi(report: Report): Headline['router_roi'] {
  const r = report.roi;
  const a = r?.against_strongest;
  if (!r || !r.available || !a || a.savings_monthly_usd === null) return null;
  return { against: a.tier, savings_monthly_usd: a.savings_monthly_usd, savings_share: a.savings_share, ideal_gap_monthly_usd: r.evaluated > 0 ? r.ideal_gap_monthly_usd : null };
}

/** The window's length in days (window.ts windowLengthDays), the span from the cost facts' first and last request. */
export function windowDays(ctx: SectionContext, totals: Row | undefined): number | null {
  const first = totals?.['first_ts'];
  const last = totals?.['last_ts'];
  return windowLengthDays(ctx.window, { first: first instanceof Date ? first : null, last: last instanceof Date ? last : null });
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

