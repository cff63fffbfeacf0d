import { costAt, effectiveRates, mergeModelWeeks, modelWeekFromRow, type ModelWeek, type Rates } from '../prices/attribution.js';
import type { FactRows } from '../prices/costs.js';
import { iso, num } from './runner.js';

/**
 * Version drift (failure mode #2): per model family, each version (logged model string) seen, when it was first
 * and last seen, its share of the family's requests by week, and a change event when a new version starts
 * taking traffic (`claude-3-haiku-20240307` → `claude-3-haiku-20240317`), with the unit price before and after.
 *
 * A version is "new" when it first appears after the family's first week in the window (versions already
 * there in the first week are the starting point, not changes). The version it replaces is the family's other
 * version with the most requests in the week before (else the same week).
 */
export interface VersionWeek {
  week: string;
  requests: number;
  /** Share of the family's requests that week. */
  share: number;
}

export interface VersionLine {
  model: string;
  version: string | null;
  first_seen: string | null;
  last_seen: string | null;
  requests: number;
  weeks: VersionWeek[];
}

/** Effective USD per million tokens (list price scaled to what the logs say was paid). */
export interface UnitPrice {
  input_per_mtok: number;
  cached_input_per_mtok: number;
  output_per_mtok: number;
}

export interface VersionChange {
  family: string;
  from: string;
  to: string;
  /** First request served by `to`. */
  first_seen: string | null;
  /** `to`'s unit price over `from`'s − 1, at `to`'s token mix in its first week; null when either is unpriced. */
  unit_price_change: number | null;
  unit_price_before: UnitPrice | null;
  unit_price_after: UnitPrice | null;
  /** Share of the family's requests `to` took in its first week. */
  share_first_week: number;
}

export type Versions =
  | { available: true; families: { family: string; versions: VersionLine[] }[]; changes: VersionChange[] }
  | { available: false; reason: string };

const unit = (r: Rates | null): UnitPrice | null =>
  r ? { input_per_mtok: r.input, cached_input_per_mtok: r.cached, output_per_mtok: r.output } : null;

/** Pure: fact rows → version drift. */
export function toVersions(rows: Pick<FactRows, 'models' | 'modelWeeks'>): Versions {
  const seen = rows.models
    .map((r) => ({
      model: String(r['model'] ?? ''),
      family: r['family'] ? String(r['family']) : null,
      version: r['version'] ? String(r['version']) : null,
      first_seen: iso(r['first_seen']),
      last_seen: iso(r['last_seen']),
      requests: num(r['requests']),
    }))
    .filter((m): m is typeof m & { family: string } => m.model !== '' && m.family !== null);
  if (seen.length === 0) return { available: false, reason: 'no request names a model' };

  // One merged model-week per (week, model): the tiers of a model do not matter here.
  const merged = new Map<string, ModelWeek>();
  const byKey = new Map<string, ModelWeek[]>();
  for (const p of rows.modelWeeks.map(modelWeekFromRow)) {
    const k = `${p.week}|${p.model}`;
    byKey.set(k, [...(byKey.get(k) ?? []), p]);
  }
  for (const [k, ps] of byKey) merged.set(k, mergeModelWeeks(ps));
  const weeksOf = (model: string): ModelWeek[] =>
    [...merged.values()].filter((m) => m.model === model).sort((a, b) => a.week.localeCompare(b.week));

  const families: { family: string; versions: VersionLine[] }[] = [];
  const changes: VersionChange[] = [];
  const familyNames = [...new Set(seen.map((m) => m.family))].sort();
  for (const family of familyNames) {
    const members = seen.filter((m) => m.family === family).sort((a, b) => (a.first_seen ?? '').localeCompare(b.first_seen ?? ''));
    const famWeeks = new Map<string, number>();
    for (const m of members) for (const w of weeksOf(m.model)) famWeeks.set(w.week, (famWeeks.get(w.week) ?? 0) + w.requests);
    const versions: VersionLine[] = members.map((m) => ({
      model: m.model,
      version: m.version,
      first_seen: m.first_seen,
      last_seen: m.last_seen,
      requests: m.requests,
      weeks: weeksOf(m.model).map((w) => ({ week: w.week, requests: w.requests, share: w.requests / (famWeeks.get(w.week) || 1) })),
    }));
    families.push({ family, versions });

    const firstWeek = [...famWeeks.keys()].sort()[0];
    for (const to of members) {
      const toWeeks = weeksOf(to.model);
      const start = toWeeks[0];
      if (!start || firstWeek === undefined || start.week <= firstWeek) continue;
      const prevWeek = new Date(Date.parse(`${start.week}T00:00:00Z`) - 7 * 86_400_000).toISOString().slice(0, 10);
      const requestsIn = (model: string, week: string): number => merged.get(`${week}|${model}`)?.requests ?? 0;
      const candidates = members.filter((m) => m.model !== to.model && m.version !== to.version);
      const pick = (week: string) =>
        candidates.map((m) => ({ m, n: requestsIn(m.model, week) })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n)[0]?.m;
      const from = pick(prevWeek) ?? pick(start.week);
      if (!from) continue;
      // Prices: `to` in its first priced week; `from` in its last priced week up to that one.
      const toPriced = toWeeks.find((w) => effectiveRates(w) !== null);
      const fromPriced = weeksOf(from.model).filter((w) => w.week <= (toPriced?.week ?? start.week) && effectiveRates(w) !== null).pop();
      const after = toPriced ? effectiveRates(toPriced) : null;
      const before = fromPriced ? effectiveRates(fromPriced) : null;
      const mix = toPriced?.usage;
      const base = mix && before ? costAt(mix, before) : 0;
      changes.push({
        family,
        from: from.model,
        to: to.model,
        first_seen: to.first_seen,
        unit_price_change: mix && after && before && base > 0 ? costAt(mix, after) / base - 1 : null,
        unit_price_before: unit(before),
        unit_price_after: unit(after),
        share_first_week: start.requests / (famWeeks.get(start.week) || 1),
      });
    }
  }
  changes.sort((a, b) => (a.first_seen ?? '').localeCompare(b.first_seen ?? '') || a.family.localeCompare(b.family));
  return { available: true, families, changes };
}
