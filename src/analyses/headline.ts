import type { Row } from '../db/database.js';
import type { FactRows } from '../prices/costs.js';
import type { Efficiency } from './efficiency.js';
import type { PriceEvent } from './findings.js';
import type { GateStatus } from './gates.js';
import { num } from './runner.js';
import type { Versions } from './versions.js';

/**
 * The headline: what a person reads first. Spend and requests of the window against the window before (the week
 * before, by default), the worst tokens-per-dollar drop of a model family, and the health gates (gates.ts).
 *
 * The pure pieces of the verdict (sections/verdict.ts), which computes `headline`, `gates` and `findings` from the
 * other sections' results. Tokens per dollar and version changes come from the efficiency and versions sections,
 * whose weekly series cover the trend weeks, so a one-week window keeps its week-over-week change.
 */
export interface WindowNumbers {
  requests: number;
  /** Known spend: logged costs, else list price × tokens; cache hits cost 0. Requests of unknown cost are not in it. */
  spend_usd: number;
  /** Requests with no logged cost and no price. */
  unpriced_requests: number;
  /** Requests with a price but no token counts: their cost is unknown too. */
  no_token_requests: number;
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
  /**
   * The router's ROI, quoted from the roi section: its monthly savings against every request on the strongest tier,
   * net of classifier calls and retries (negative: it costs more), and what ideal routing would save on top. Null
   * when the section has no figure.
   */
  router_roi: { against: string; savings_monthly_usd: number; savings_share: number | null; ideal_gap_monthly_usd: number | null } | null;
  /** The worst gate status (fail, warn, unknown, pass). */
  status: GateStatus;
}

const DAY_MS = 86_400_000;

/** Requests, known spend and cost per request of a window, from the cost fact rows. Pure. */
export function windowNumbers(rows: Pick<FactRows, 'modelWeeks' | 'totals'>): WindowNumbers {
  const requests = num(rows.totals[0]?.['requests']);
  let spend = 0;
  let unpriced = 0;
  let noTokens = 0;
  for (const r of rows.modelWeeks) {
    spend += num(r['spend']);
    unpriced += num(r['unpriced']);
    noTokens += num(r['no_tokens']);
  }
  const known = requests - unpriced - noTokens;
  return { requests, spend_usd: spend, unpriced_requests: unpriced, no_token_requests: noTokens, cost_per_request: known > 0 ? spend / known : null };
}

/** Does the week starting on `week` (YYYY-MM-DD) overlap [from, to)? A missing bound is open. */
export function weekOverlaps(week: string, from: Date | null, to: Date | null): boolean {
  const start = Date.parse(`${week}T00:00:00Z`);
  return (from === null || start + 7 * DAY_MS > from.getTime()) && (to === null || start < to.getTime());
}

/** A weekly series with each week's `in_window` set by weekOverlaps (the sections' one rule for it). Pure. */
export function markWindowWeeks<W extends { week: string }>(weeks: readonly W[], window: { from: Date | null; to: Date | null }): (W & { in_window: boolean })[] {
  return weeks.map((w) => ({ ...w, in_window: weekOverlaps(w.week, window.from, window.to) }));
}

/** Is the instant `ts` (ISO text) inside [from, to)? A missing bound is open; a missing time is in no window. */
export function instantIn(ts: string | null, from: Date | null, to: Date | null): boolean {
  return ts !== null && (from === null || Date.parse(ts) >= from.getTime()) && (to === null || Date.parse(ts) < to.getTime());
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
  const extra = (spend: number, p: number): number => (spend * p) / (1 + p);
  const out: PriceEvent[] = [];
  if (versions.available) {
    for (const c of versions.changes) {
      if (c.unit_price_change === null || !instantIn(c.first_seen, window.from, window.to)) continue;
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
