import { membersOf, mergeModelWeeks, modelWeekFromRow, spendEffects, type ModelWeek } from '../prices/attribution.js';
import type { FactRows } from '../prices/costs.js';

/**
 * Spend vs traffic (the write-up's "bill +47% while traffic −3%"): weekly requests, known spend and cost per
 * request; the growth of each from the first to the last complete week of the window; and how much of the
 * spend change price changes and version changes explain (the rest is volume and routing).
 *
 * Spend counts known costs only (logged, or priced from the catalog; cache hits cost 0); unpriced requests and
 * requests without token counts are counted apart and left out of cost per request, never counted as $0.
 */
export interface SpendWeek {
  week: string;
  requests: number;
  cost_usd: number;
  /** cost_usd over the requests whose cost is known; null when none is. */
  cost_per_request: number | null;
  /** Requests with no logged cost and no price. */
  unpriced_requests: number;
  /** Requests with a price but no token counts (cost unknown). */
  no_token_requests: number;
  cache_hits: number;
  /** False when the window starts or ends inside this week. */
  complete: boolean;
}

export interface Explained {
  usd: number;
  /** Share of the spend change (last compared week − first); null when spend did not change. */
  share: number | null;
}

export type Spend =
  | {
      available: true;
      weeks: SpendWeek[];
      /** The weeks growth compares: the first and last complete weeks (else the first and last weeks, partial: true). */
      compared: { from_week: string; to_week: string; partial: boolean } | null;
      cost_growth: number | null;
      request_growth: number | null;
      cost_per_request_growth: number | null;
      explained: { price_change: Explained; version_change: Explained } | null;
    }
  | { available: false; reason: string };

const DAY_MS = 86_400_000;
/**
 * DuckDB sums in parallel, so an effect that is zero in exact arithmetic comes back as ±1e-17 or 0 from run to run;
 * below a billionth of a dollar it is zero (reports and golden files stay the same run after run).
 */
const settle = (usd: number): number => (Math.abs(usd) < 1e-9 ? 0 : usd);
const growth = (a: number | null, b: number | null): number | null => (a !== null && b !== null && a > 0 ? b / a - 1 : null);

/**
 * Pure: fact rows and the window → spend. `window` bounds decide which weeks are complete: a week is complete
 * when it lies inside [from, to), where a missing bound is the first/last request's day.
 */
export function toSpend(rows: Pick<FactRows, 'modelWeeks' | 'totals'>, window: { from: Date | null; to: Date | null }): Spend {
  const parts = rows.modelWeeks.map(modelWeekFromRow);
  if (parts.length === 0) return { available: false, reason: 'no requests in the window' };
  const t = rows.totals[0] ?? {};
  const firstTs = t['first_ts'] instanceof Date ? t['first_ts'] : null;
  const lastTs = t['last_ts'] instanceof Date ? t['last_ts'] : null;
  const start = window.from?.getTime() ?? (firstTs ? Math.floor(firstTs.getTime() / DAY_MS) * DAY_MS : -Infinity);
  const end = window.to?.getTime() ?? (lastTs ? Math.floor(lastTs.getTime() / DAY_MS) * DAY_MS + DAY_MS : Infinity);

  const byWeek = new Map<string, ModelWeek[]>();
  for (const p of parts) byWeek.set(p.week, [...(byWeek.get(p.week) ?? []), p]);
  const weeks: SpendWeek[] = [...byWeek.keys()].sort().map((week) => {
    const ps = byWeek.get(week)!;
    const requests = ps.reduce((s, p) => s + p.requests, 0);
    const unpriced = ps.reduce((s, p) => s + p.unpriced, 0);
    const noTokens = ps.reduce((s, p) => s + p.no_tokens, 0);
    const known = requests - unpriced - noTokens;
    const cost = ps.reduce((s, p) => s + p.spend, 0);
    const ws = Date.parse(`${week}T00:00:00Z`);
    return {
      week,
      requests,
      cost_usd: cost,
      cost_per_request: known > 0 ? cost / known : null,
      unpriced_requests: unpriced,
      no_token_requests: noTokens,
      cache_hits: ps.reduce((s, p) => s + p.cache_hits, 0),
      complete: ws >= start && ws + 7 * DAY_MS <= end,
    };
  });

  const complete = weeks.filter((w) => w.complete);
  const [a, b, partial] =
    complete.length >= 2 ? [complete[0]!, complete[complete.length - 1]!, false] : [weeks[0]!, weeks[weeks.length - 1]!, true];
  if (a.week === b.week) {
    return { available: true, weeks, compared: null, cost_growth: null, request_growth: null, cost_per_request_growth: null, explained: null };
  }
  const members = (week: string) => {
    const byModel = new Map<string, ModelWeek[]>();
    for (const p of byWeek.get(week) ?? []) byModel.set(p.model, [...(byModel.get(p.model) ?? []), p]);
    return membersOf([...byModel.values()].map(mergeModelWeeks));
  };
  const fx = spendEffects(members(a.week), members(b.week));
  const delta = b.cost_usd - a.cost_usd;
  const share = (usd: number): number | null => (Math.abs(delta) > 1e-12 ? usd / delta : null);
  return {
    available: true,
    weeks,
    compared: { from_week: a.week, to_week: b.week, partial },
    cost_growth: growth(a.cost_usd, b.cost_usd),
    request_growth: growth(a.requests, b.requests),
    cost_per_request_growth: growth(a.cost_per_request, b.cost_per_request),
    explained: {
      price_change: { usd: settle(fx.price_change), share: share(settle(fx.price_change)) },
      version_change: { usd: settle(fx.version_change), share: share(settle(fx.version_change)) },
    },
  };
}
