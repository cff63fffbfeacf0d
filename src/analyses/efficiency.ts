import type { Row } from '../db/database.js';
import {
  decompose, membersOf, mergeModelWeeks, modelWeekFromRow, tokens, type Cause, type Decomposition, type Effects, type ModelWeek,
} from '../prices/attribution.js';
import type { FactRows, PricedModel } from '../prices/costs.js';
import type { PricingSettings, WeekStart } from '../prices/settings.js';
import { relativeChange } from '../stats.js';
import { num } from './runner.js';
import { addDays, dayLabel } from './weeks.js';

/**
 * Tokens per dollar (the write-up's `SUM(tokens)/SUM(cost)` by model and week), per model, family and tier,
 * with week-over-week change and alerts that name their cause. Tokens = input + output of provider calls whose
 * cost is known; cache hits (no provider call), unpriced requests and requests without token counts are left
 * out, and both kinds are counted out loud, apart (no price is a price to add; no token counts is a log to fix). Alerts are evaluated per family and per tier, so that a new dated version — which has no
 * previous week of its own — still shows up as a drop of its family.
 */
export interface EfficiencyModel {
  model: string;
  family: string | null;
  version: string | null;
  /** The tier most of the model's requests were in that week (config tiers, else the route label). */
  tier: string | null;
  requests: number;
  cache_hits: number;
  /** Requests with no logged cost and no price. */
  unpriced: number;
  /** Requests with a price but no token counts (cost unknown). */
  no_tokens: number;
  /** Input + output tokens of the priced provider calls. */
  tokens: number;
  /** Null when no call of the model was priced: unknown, not $0. */
  cost_usd: number | null;
  tokens_per_dollar: number | null;
  wow_change: number | null;
}

export interface EfficiencyGroup {
  tokens: number;
  cost_usd: number | null;
  tokens_per_dollar: number | null;
  wow_change: number | null;
  requests: number;
}

export interface EfficiencyWeek {
  week: string;
  /** Whether the week overlaps the report window (the others are the trend weeks before it). */
  in_window: boolean;
  models: EfficiencyModel[];
  families: (EfficiencyGroup & { family: string })[];
  tiers: (EfficiencyGroup & { tier: string })[];
}

export interface EfficiencyAlert {
  week: string;
  /** What was evaluated: a model family, or a route tier. */
  scope: 'family' | 'tier';
  family: string | null;
  tier: string | null;
  /** The model behind the main cause (the new version, the model whose price moved), or null. */
  model: string | null;
  wow_change: number;
  /** Causes that each lowered tokens-per-dollar by at least 2 points, largest first. */
  causes: Cause[];
  detail: AlertDetail;
}

export interface ModelShift {
  from: string | null;
  to: string;
  share: number;
  unit_price_change: number | null;
}

export interface AlertDetail {
  tokens_per_dollar_before: number;
  tokens_per_dollar_after: number;
  /** Each cause's own effect on tokens-per-dollar (fractions; their product is the change). */
  effects: Effects;
  /** The model of a family that took the group's tokens from an older version of it; null when no version changed. */
  version_change: ModelShift | null;
  /** The model of another line that took the group's tokens (a tier that moved to another family); null when none did. */
  model_mix: ModelShift | null;
  price_change: { model: string; unit_price_change: number }[];
  token_mix: { output_per_input_before: number | null; output_per_input_after: number | null };
}

export type { CatalogStatus, Discrepancy, NoTokenCounts, PriceSource, Unpriced } from '../prices/views.js';
import type { CatalogStatus, Discrepancy, NoTokenCounts, PriceSource, Unpriced } from '../prices/views.js';

export type Efficiency =
  | {
      available: true;
      week_start: WeekStart;
      alert_drop: number;
      weeks: EfficiencyWeek[];
      alerts: EfficiencyAlert[];
      unpriced: Unpriced;
      no_token_counts: NoTokenCounts;
      discrepancies: Discrepancy[];
      prices: PriceSource[];
      /** The genai-prices data the list prices come from, with its date (the section adds it: it needs the clock). */
      catalog?: CatalogStatus;
    }
  | { available: false; reason: string; unpriced: Unpriced; no_token_counts: NoTokenCounts; prices: PriceSource[]; catalog?: CatalogStatus };

/** A cause is named when it alone lowered tokens-per-dollar by at least this much. */
export const CAUSE_MIN = 0.02;

const tpd = (t: number, c: number): number | null => (c > 0 && t > 0 ? t / c : null);

/** Pure: the fact rows (costs.ts) and settings → the efficiency result. */
export function toEfficiency(
  rows: Pick<FactRows, 'modelWeeks' | 'unpriced' | 'discrepancyDays' | 'totals'>,
  models: readonly PricedModel[],
  settings: Pick<PricingSettings, 'weekStart' | 'alertDrop' | 'discrepancy'>,
  windowEnd: Date | null = null,
): Efficiency {
  const parts = rows.modelWeeks.map(modelWeekFromRow);
  const total = num(rows.totals[0]?.['requests']);
  const unpriced = toUnpriced(rows.unpriced, total);
  const noTokens = toNoTokenCounts(rows.unpriced, total);
  const end = windowEnd ?? (rows.totals[0]?.['last_ts'] instanceof Date ? (rows.totals[0]['last_ts'] as Date) : null);
  const prices = toPriceSources(models, end);
  if (!parts.some((p) => p.calls > 0 && p.cost > 0)) {
    return {
      available: false,
      reason: total === 0 ? 'no requests in the window' : 'no request has both a known cost (logged or priced) and token counts',
      unpriced,
      no_token_counts: noTokens,
      prices,
    };
  }

  const byWeek = groupBy(parts, (p) => p.week);
  const weeks = [...byWeek.keys()].sort();
  const modelWeeks = new Map<string, ModelWeek>(); // week|model → merged over tiers
  const modelTier = new Map<string, string | null>();
  for (const [week, ps] of byWeek) {
    for (const [model, mp] of groupBy(ps, (p) => p.model)) {
      modelWeeks.set(`${week}|${model}`, mergeModelWeeks(mp));
      const top = [...mp].sort((a, b) => b.requests - a.requests)[0]!;
      modelTier.set(`${week}|${model}`, top.tier);
    }
  }
  const tpdOf = (m: ModelWeek): number | null => tpd(tokens(m.usage), m.cost);

  const out: EfficiencyWeek[] = [];
  const alerts: EfficiencyAlert[] = [];
  for (const week of weeks) {
    const prev = addDays(week, -7);
    const ms = [...modelWeeks.entries()].filter(([k]) => k.startsWith(`${week}|`)).map(([, m]) => m);
    const models: EfficiencyModel[] = ms
      .map((m) => {
        const before = modelWeeks.get(`${prev}|${m.model}`);
        const now = tpdOf(m);
        return {
          model: m.model,
          family: m.family,
          version: m.version,
          tier: modelTier.get(`${week}|${m.model}`) ?? null,
          requests: m.requests,
          cache_hits: m.cache_hits,
          unpriced: m.unpriced,
          no_tokens: m.no_tokens,
          tokens: tokens(m.usage),
          cost_usd: m.calls > 0 ? m.cost : null,
          tokens_per_dollar: now,
          wow_change: before ? relativeChange(now, tpdOf(before)) : null,
        };
      })
      .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));

    const familyWeek = (w: string, family: string): ModelWeek[] =>
      [...modelWeeks.entries()].filter(([k, m]) => k.startsWith(`${w}|`) && m.family === family).map(([, m]) => m);
    const tierWeek = (w: string, tier: string): ModelWeek[] => parts.filter((p) => p.week === w && p.tier === tier);

    const group = (now: ModelWeek[], before: ModelWeek[]): EfficiencyGroup => {
      const t = now.reduce((s, m) => s + tokens(m.usage), 0);
      const c = now.reduce((s, m) => s + m.cost, 0);
      const calls = now.reduce((s, m) => s + m.calls, 0);
      const tb = before.reduce((s, m) => s + tokens(m.usage), 0);
      const cb = before.reduce((s, m) => s + m.cost, 0);
      return {
        tokens: t,
        cost_usd: calls > 0 ? c : null,
        tokens_per_dollar: tpd(t, c),
        wow_change: relativeChange(tpd(t, c), tpd(tb, cb)),
        requests: now.reduce((s, m) => s + m.requests, 0),
      };
    };

    const families = [...new Set(ms.map((m) => m.family).filter((f): f is string => f !== null && f !== ''))].sort().map((family) => {
      const now = familyWeek(week, family);
      const before = familyWeek(prev, family);
      const g = { family, ...group(now, before) };
      const alert = evaluate(g.wow_change, settings.alertDrop, before, now);
      if (alert) alerts.push({ week, scope: 'family', family, tier: null, ...alert });
      return g;
    });
    const tiers = [...new Set(parts.filter((p) => p.week === week).map((p) => p.tier).filter((t): t is string => t !== null))].sort().map((tier) => {
      const now = tierWeek(week, tier);
      const before = tierWeek(prev, tier);
      const g = { tier, ...group(now, before) };
      const alert = evaluate(g.wow_change, settings.alertDrop, before, now);
      if (alert) {
        const fam = alert.model ? ms.find((m) => m.model === alert.model)?.family ?? null : null;
        alerts.push({ week, scope: 'tier', family: fam, tier, ...alert });
      }
      return g;
    });
    out.push({ week, in_window: true, models, families, tiers });
  }

  return {
    available: true,
    week_start: settings.weekStart,
    alert_drop: settings.alertDrop,
    weeks: out,
    alerts,
    unpriced,
    no_token_counts: noTokens,
    discrepancies: toDiscrepancies(rows.discrepancyDays, settings.discrepancy),
    prices,
  };
}

/** An alert when tokens-per-dollar fell by more than `drop`, with its decomposition into causes. */
function evaluate(
  wow: number | null,
  drop: number,
  before: readonly ModelWeek[],
  now: readonly ModelWeek[],
): Omit<EfficiencyAlert, 'week' | 'scope' | 'family' | 'tier'> | null {
  if (wow === null || !(wow < -drop)) return null;
  const d = decompose(membersOf(before), membersOf(now));
  if (!d) return null;
  const causes = (['price_change', 'version_change', 'model_mix', 'token_mix'] as const)
    .filter((c) => d.effects[c] <= -CAUSE_MIN)
    .sort((a, b) => d.effects[a] - d.effects[b]);
  return { model: causeModel(causes[0], d), wow_change: wow, causes, detail: toDetail(d) };
}

function causeModel(cause: Cause | undefined, d: Decomposition): string | null {
  if (cause === 'version_change' || cause === 'model_mix') return d.version?.kind === cause ? d.version.to : null;
  if (cause === 'price_change') return d.prices[0]?.model ?? null;
  return null;
}

function toDetail(d: Decomposition): AlertDetail {
  const shift: ModelShift | null =
    d.version && d.version.to !== null
      ? { from: d.version.from, to: d.version.to, share: d.version.to_share, unit_price_change: d.version.unit_price_change }
      : null;
  return {
    tokens_per_dollar_before: d.tokens_per_dollar_before,
    tokens_per_dollar_after: d.tokens_per_dollar_after,
    effects: d.effects,
    version_change: d.version?.kind === 'version_change' ? shift : null,
    model_mix: d.version?.kind === 'model_mix' ? shift : null,
    price_change: d.prices,
    token_mix: { output_per_input_before: d.output_per_input.before, output_per_input_after: d.output_per_input.after },
  };
}

/**
 * The fact query `unpriced` (every request of unknown cost, by model) → those with no price: the unpriced gate's
 * requests. A model whose requests lack token counts under a price is NoTokenCounts (toNoTokenCounts), not here.
 */
export function toUnpriced(rows: readonly Row[], total: number): Unpriced {
  const models = rows
    .map((r) => {
      const requests = num(r['requests']) - num(r['no_tokens']);
      return {
        model: String(r['model'] ?? ''),
        provider: r['provider'] ? String(r['provider']) : null,
        requests,
        share: total > 0 ? requests / total : 0,
        catalog_priced: r['catalog_priced'] === true,
        logged_zero: num(r['logged_zero']),
        no_tier_rate: num(r['no_tier_rate']),
        service_tiers: Array.isArray(r['service_tiers']) ? (r['service_tiers'] as unknown[]).map(String) : [],
      };
    })
    .filter((m) => m.requests > 0)
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
  const requests = models.reduce((s, m) => s + m.requests, 0);
  return { requests, share: total > 0 ? requests / total : 0, models };
}

/** The fact query `unpriced` → the requests of unknown cost that have a price but no token counts, by model. */
export function toNoTokenCounts(rows: readonly Row[], total: number): NoTokenCounts {
  const models = rows
    .map((r) => ({
      model: String(r['model'] ?? ''),
      provider: r['provider'] ? String(r['provider']) : null,
      requests: num(r['no_tokens']),
      share: total > 0 ? num(r['no_tokens']) / total : 0,
    }))
    .filter((m) => m.requests > 0)
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
  const requests = models.reduce((s, m) => s + m.requests, 0);
  return { requests, share: total > 0 ? requests / total : 0, models };
}

/**
 * A systematic gap between logged cost and list price: a model-week whose logged/list ratio is off by more than
 * `threshold`. Reported once per model, from the first such week; `since` is the first day of that week whose
 * own ratio is off the same way (else the week's first day with data).
 */
export function toDiscrepancies(rows: readonly Row[], threshold: number): Discrepancy[] {
  const days = rows.map((r) => ({
    model: String(r['model'] ?? ''),
    day: dayLabel(r['day']),
    week: dayLabel(r['week']),
    logged: num(r['logged']),
    list: num(r['list']),
    requests: num(r['requests']),
    origin: r['origin'] === null || r['origin'] === undefined ? null : String(r['origin']),
  }));
  const out: Discrepancy[] = [];
  for (const [model, ds] of groupBy(days, (d) => d.model)) {
    const weeks = [...groupBy(ds, (d) => d.week).entries()].sort(([a], [b]) => a.localeCompare(b));
    const flagged = weeks.filter(([, w]) => {
      const list = w.reduce((s, d) => s + d.list, 0);
      return list > 0 && Math.abs(w.reduce((s, d) => s + d.logged, 0) / list - 1) > threshold;
    });
    if (flagged.length === 0) continue;
    const all = flagged.flatMap(([, w]) => w);
    const gap = all.reduce((s, d) => s + d.logged, 0) / all.reduce((s, d) => s + d.list, 0) - 1;
    const first = [...flagged[0]![1]].sort((a, b) => a.day.localeCompare(b.day));
    const off = (d: (typeof days)[number]): boolean =>
      d.list > 0 && Math.sign(d.logged / d.list - 1) === Math.sign(gap) && Math.abs(d.logged / d.list - 1) > threshold;
    let since = first.find(off) ?? first[0]!;
    // A gap that began late in the week before (too few days to move that week past the threshold) starts earlier.
    const sorted = [...ds].sort((a, b) => a.day.localeCompare(b.day));
    for (let i = sorted.findIndex((d) => d.day === since.day) - 1; i >= 0 && off(sorted[i]!); i--) since = sorted[i]!;
    out.push({ model, since: since.day, logged_vs_catalog: gap, requests: all.reduce((s, d) => s + d.requests, 0), price: first[0]!.origin });
  }
  return out.sort((a, b) => a.since.localeCompare(b.since) || a.model.localeCompare(b.model));
}

function toPriceSources(models: readonly PricedModel[], at: Date | null): PriceSource[] {
  const byModel = new Map<string, PriceSource>();
  for (const m of models) {
    if (m.model === '') continue;
    const t = at?.getTime() ?? Date.now();
    const p = m.periods.find((x) => (x.from === null || x.from.getTime() <= t) && (x.to === null || t < x.to.getTime()) && x.above_input_tokens === null)
      ?? m.periods[m.periods.length - 1] ?? null;
    byModel.set(`${m.model}|${m.provider ?? ''}`, { model: m.model, provider: m.provider, requests: m.requests, source: p?.source ?? null, origin: p?.origin ?? null });
  }
  return [...byModel.values()].sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
