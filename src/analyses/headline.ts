import type { Row } from '../db/database.js';
import { loadCostFacts, sharedCostFacts, type FactRows } from '../prices/costs.js';
import { normalizePricingSettings } from '../prices/settings.js';
import { findingsBlocks, headlineBlocks } from '../render/headline.js';
import type { Report } from '../report/report.js';
import type { Section, SectionContext } from '../report/section.js';
import { toEfficiency, type Efficiency } from './efficiency.js';
import { toFindings, type Finding, type PriceEvent } from './findings.js';
import { evaluateGate, GATE_NAMES, normalizeGateThresholds, overallStatus, type Gate, type GateInput, type GateName, type GateStatus } from './gates.js';
import { num } from './runner.js';
import { toVersions, type Versions } from './versions.js';

/**
 * The headline: what a person reads first. Spend and requests of the window against the window before (the week
 * before, by default), the worst tokens-per-dollar drop of a model family, and the health gates (gates.ts).
 *
 * Two sections share this module because sections are built in order but rendered by position:
 * - `headlineSection` is first in SECTIONS and renders at the top; it builds nothing;
 * - `verdictSection` is last: it reads every other section's result from the report, computes `headline`,
 *   `gates` and `findings`, and renders the findings ("what it cost") at the end.
 *
 * Tokens per dollar and version changes compare each week with the week before; the sections see only the
 * window, so a one-week window has no week-over-week change of its own. The verdict re-runs the cost facts
 * (costs.ts) over the window plus the two weeks before it and keeps the weeks that overlap the window.
 */
export interface WindowNumbers {
  requests: number;
  /** Known spend: logged costs, else list price × tokens; cache hits cost 0. Unpriced requests are not in it. */
  spend_usd: number;
  unpriced_requests: number;
  /** spend_usd over the requests with a known cost; null when none is known. */
  cost_per_request: number | null;
}

export interface FamilyChange {
  family: string;
  /** First day of the week compared with the week before. */
  week: string;
  tokens_per_dollar: number;
  previous_tokens_per_dollar: number;
  /** Fraction: −0.15 is a 15% drop. */
  change: number;
  /** The efficiency analysis' causes when the drop raised an alert. */
  causes: string[];
}

export interface Headline {
  current: WindowNumbers;
  previous: WindowNumbers | null;
  request_change: number | null;
  spend_change: number | null;
  cost_per_request_change: number | null;
  tokens_per_dollar: {
    /** Every family-week in the window with a week before to compare with, worst first. */
    families: FamilyChange[];
    worst: FamilyChange | null;
    /** Why there is no comparison, when there is none. */
    reason: string | null;
  };
  price_events: PriceEvent[];
  /** The worst gate status (fail, warn, unknown, pass). */
  status: GateStatus;
}

declare module '../report/report.js' {
  interface Report {
    headline?: Headline;
    gates?: Gate[];
    findings?: Finding[];
  }
}

const DAY_MS = 86_400_000;
/** How far back the week-over-week facts reach: the week before the window's first week, whatever the week start. */
const LOOKBACK_MS = 14 * DAY_MS;

const change = (now: number | null, before: number | null | undefined): number | null =>
  now !== null && before !== null && before !== undefined && before > 0 ? now / before - 1 : null;

/** Requests, known spend and cost per request of a window, from the cost fact rows. Pure. */
export function windowNumbers(rows: Pick<FactRows, 'modelWeeks' | 'totals'>): WindowNumbers {
  const requests = num(rows.totals[0]?.['requests']);
  let spend = 0;
  let unpriced = 0;
  for (const r of rows.modelWeeks) {
    spend += num(r['spend']);
    unpriced += num(r['unpriced']);
  }
  return { requests, spend_usd: spend, unpriced_requests: unpriced, cost_per_request: requests - unpriced > 0 ? spend / (requests - unpriced) : null };
}

/** Does the week starting on `week` (YYYY-MM-DD) overlap [from, to)? A missing bound is open. */
export function weekOverlaps(week: string, from: Date | null, to: Date | null): boolean {
  const start = Date.parse(`${week}T00:00:00Z`);
  return (from === null || start + 7 * DAY_MS > from.getTime()) && (to === null || start < to.getTime());
}

/** Family tokens-per-dollar changes of the weeks that overlap the window, worst first. Pure. */
export function familyChanges(eff: Efficiency, window: { from: Date | null; to: Date | null }): FamilyChange[] {
  if (!eff.available) return [];
  const out: FamilyChange[] = [];
  for (const w of eff.weeks) {
    if (!weekOverlaps(w.week, window.from, window.to)) continue;
    for (const f of w.families) {
      if (f.wow_change === null || f.tokens_per_dollar === null) continue;
      const alert = eff.alerts.find((a) => a.scope === 'family' && a.week === w.week && a.family === f.family);
      out.push({
        family: f.family,
        week: w.week,
        tokens_per_dollar: f.tokens_per_dollar,
        previous_tokens_per_dollar: f.tokens_per_dollar / (1 + f.wow_change),
        change: f.wow_change,
        causes: alert ? [...alert.causes] : [],
      });
    }
  }
  return out.sort((a, b) => a.change - b.change || a.week.localeCompare(b.week) || a.family.localeCompare(b.family));
}

/**
 * New dated versions that started in the window (version drift), and price moves of the same model that raised
 * a tokens-per-dollar alert in a week of the window, with what they added to the window's spend. Pure.
 */
export function priceEvents(
  versions: Versions,
  eff: Efficiency,
  windowModelWeeks: readonly Row[],
  window: { from: Date | null; to: Date | null },
): PriceEvent[] {
  const spendOf = (model: string): number =>
    windowModelWeeks.filter((r) => String(r['model'] ?? '') === model).reduce((s, r) => s + num(r['spend']), 0);
  const inWindow = (ts: string | null): boolean =>
    ts !== null && (window.from === null || Date.parse(ts) >= window.from.getTime()) && (window.to === null || Date.parse(ts) < window.to.getTime());
  const extra = (spend: number, p: number): number => (spend * p) / (1 + p);
  const out: PriceEvent[] = [];
  if (versions.available) {
    for (const c of versions.changes) {
      if (c.unit_price_change === null || !inWindow(c.first_seen)) continue;
      const spend = spendOf(c.to);
      out.push({
        kind: 'version_change', family: c.family, model: c.to, from: c.from, since: c.first_seen,
        unit_price_change: c.unit_price_change, window_spend_usd: spend, extra_usd: extra(spend, c.unit_price_change),
      });
    }
  }
  if (eff.available) {
    const seen = new Set<string>();
    for (const a of eff.alerts) {
      if (!a.causes.includes('price_change') || !weekOverlaps(a.week, window.from, window.to)) continue;
      for (const p of a.detail.price_change) {
        if (seen.has(p.model)) continue;
        seen.add(p.model);
        const spend = spendOf(p.model);
        out.push({
          kind: 'price_change', family: a.family, model: p.model, from: null, since: a.week,
          unit_price_change: p.unit_price_change, window_spend_usd: spend, extra_usd: extra(spend, p.unit_price_change),
        });
      }
    }
  }
  return out.sort((a, b) => b.extra_usd - a.extra_usd || a.model.localeCompare(b.model));
}

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
          detail: `${pct(d.rate)} of ${int(d.evaluated)} requests with an ideal route (${pct(d.over_rate ?? 0)} over, ${pct(d.under_rate ?? 0)} under)${d.estimate ? ', estimated from a labelled sample' : ''}`,
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
            e.unpriced.requests === 0
              ? `every request of ${int(total)} has a logged cost or a price`
              : `${int(e.unpriced.requests)} of ${int(total)} requests have no logged cost and no price (${e.unpriced.models
                  .slice(0, 3)
                  .map((m) => m.model || '(no model)')
                  .join(', ')})`,
        };
  return { deviation, dilution, tpd_drop: tpdDrop, unpriced };
}

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

export const verdictSection: Section = {
  name: 'verdict',
  async build(ctx, report) {
    const settings = normalizePricingSettings(ctx.config, ctx.options);
    const thresholds = normalizeGateThresholds(ctx.config, ctx.options);
    const current = await sharedCostFacts(ctx.db, ctx.params, settings);
    const previous = ctx.previousParams ? await loadCostFacts(ctx.db, ctx.previousParams, settings) : null;
    const extended = ctx.window.from
      ? await loadCostFacts(ctx.db, { from: new Date(ctx.window.from.getTime() - LOOKBACK_MS).toISOString(), to: ctx.params.to }, settings)
      : current;
    const eff = toEfficiency(extended.rows, extended.pricing.models, settings, ctx.window.to);
    const families = familyChanges(eff, ctx.window);
    const tpd: Headline['tokens_per_dollar'] = {
      families,
      worst: families[0] ?? null,
      reason: families.length > 0 ? null : eff.available ? 'no model family has a priced week before to compare with' : eff.reason,
    };
    const now = windowNumbers(current.rows);
    const before = previous ? windowNumbers(previous.rows) : null;
    const gates = GATE_NAMES.flatMap((name) => {
      const max = thresholds.max[name];
      return max === null ? [] : [evaluateGate(name, gateInputs(report, tpd)[name], max, thresholds.gate_on)];
    });
    const events = priceEvents(toVersions(extended.rows), eff, current.rows.modelWeeks, ctx.window);
    const headline: Headline = {
      current: now,
      previous: before,
      request_change: before ? change(now.requests, before.requests) : null,
      spend_change: before ? change(now.spend_usd, before.spend_usd) : null,
      cost_per_request_change: before ? change(now.cost_per_request, before.cost_per_request) : null,
      tokens_per_dollar: tpd,
      price_events: events,
      status: overallStatus(gates),
    };
    return { headline, gates, findings: toFindings(report, events, windowDays(ctx, current.rows.totals[0])) };
  },
  blocks(report) {
    return report.findings ? findingsBlocks(report.findings) : [];
  },
};

/** The window's length in days: its bounds when both are set, else the span of its requests; null when empty. */
function windowDays(ctx: SectionContext, totals: Row | undefined): number | null {
  if (ctx.window.from && ctx.window.to) return (ctx.window.to.getTime() - ctx.window.from.getTime()) / DAY_MS;
  const first = totals?.['first_ts'];
  const last = totals?.['last_ts'];
  if (!(first instanceof Date) || !(last instanceof Date)) return null;
  const from = ctx.window.from ?? first;
  const to = ctx.window.to ?? last;
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  return days > 0 ? days : null;
}
