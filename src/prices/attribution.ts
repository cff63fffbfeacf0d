import type { Row } from '../db/database.js';
import { num } from '../analyses/runner.js';
import { dayLabel } from '../analyses/weeks.js';

/**
 * Pure arithmetic over the weekly aggregates: effective unit prices and the decomposition of a change in
 * tokens-per-dollar (or in spend) into its causes. No DuckDB here: rows in, numbers out.
 *
 * Effective unit prices. A model's list prices (user file or catalog) give the shape of its price (input vs
 * cached vs output); the logged costs give its level. So a model-week's effective rate per token kind is
 * list rate × (logged cost / list cost) over the calls that have both; a model with no list price but a logged
 * cost gets one flat rate (cost per token). This makes the decomposition add up to what was actually paid,
 * and shows a price change even when only the logs know about it.
 *
 * Decomposition of tokens-per-dollar between week a and week b for a group (a family, a tier): cost b's tokens
 *   C1 at b's own rates, C2 with continuing models at their week-a rates (reverts price changes),
 *   C2f with every model of a family present in a at that family's week-a average rates (reverts version shifts),
 *   C3 with every model at the group's week-a average rates (reverts shifts between families: model_mix),
 * and C4 = week a at its own rates. Then
 *   price_change = C2/C1 − 1, version_change = C2f/C2 − 1, model_mix = C3/C2f − 1,
 *   token_mix = (T_b/C3) / (T_a/C4) − 1   (the input/cached/output mix at fixed prices),
 * and `other` is what is left of the actual change (costs that are not proportional to tokens).
 * The product of (1 + effect) over all five is the actual ratio of tokens-per-dollar.
 */
export interface Usage {
  uncached_in: number;
  cached_in: number;
  output: number;
}

/** USD per million tokens, by token kind. */
export interface Rates {
  input: number;
  cached: number;
  output: number;
}

/** One week of one model (optionally restricted to one tier): sums over its requests. */
export interface ModelWeek {
  week: string;
  model: string;
  family: string | null;
  version: string | null;
  tier: string | null;
  requests: number;
  cache_hits: number;
  /** Requests with no cost because no price applies (no logged cost, no price). */
  unpriced: number;
  /** Requests with no cost because they have no token counts, though a price applies. */
  no_tokens: number;
  /** Known cost of every request (cache hits 0). */
  spend: number;
  /** Provider calls with a known cost and logged tokens: the tokens-per-dollar base. */
  calls: number;
  usage: Usage;
  cost: number;
  listed: { calls: number; cost: number; list_cost: number; usage: Usage; value: Rates; priceSum: Rates };
}

export function tokens(u: Usage): number {
  return u.uncached_in + u.cached_in + u.output;
}

/** Cost of `u` at rates `r`, USD. */
export function costAt(u: Usage, r: Rates): number {
  return (u.uncached_in * r.input + u.cached_in * r.cached + u.output * r.output) / 1e6;
}

export function modelWeekFromRow(r: Row): ModelWeek {
  return {
    week: dayLabel(r['week']),
    model: String(r['model'] ?? ''),
    family: r['family'] === null || r['family'] === undefined ? null : String(r['family']),
    version: r['version'] === null || r['version'] === undefined ? null : String(r['version']),
    tier: r['tier'] === null || r['tier'] === undefined ? null : String(r['tier']),
    requests: num(r['requests']),
    cache_hits: num(r['cache_hits']),
    unpriced: num(r['unpriced']),
    no_tokens: num(r['no_tokens']),
    spend: num(r['spend']),
    calls: num(r['calls']),
    usage: { uncached_in: num(r['uncached_in']), cached_in: num(r['cached_in']), output: num(r['output_tokens']) },
    cost: num(r['cost']),
    listed: {
      calls: num(r['l_calls']),
      cost: num(r['l_cost']),
      list_cost: num(r['l_list_cost']),
      usage: { uncached_in: num(r['l_uncached_in']), cached_in: num(r['l_cached_in']), output: num(r['l_output']) },
      value: { input: num(r['l_in_value']), cached: num(r['l_cached_value']), output: num(r['l_out_value']) },
      priceSum: { input: num(r['l_in_price_sum']), cached: num(r['l_cached_price_sum']), output: num(r['l_out_price_sum']) },
    },
  };
}

const ZERO_USAGE: Usage = { uncached_in: 0, cached_in: 0, output: 0 };

function addUsage(a: Usage, b: Usage): Usage {
  return { uncached_in: a.uncached_in + b.uncached_in, cached_in: a.cached_in + b.cached_in, output: a.output + b.output };
}

function addRates(a: Rates, b: Rates): Rates {
  return { input: a.input + b.input, cached: a.cached + b.cached, output: a.output + b.output };
}

/** Sums model-weeks (e.g. the tiers of one model) into one; keys come from the first. */
export function mergeModelWeeks(parts: readonly ModelWeek[]): ModelWeek {
  const first = parts[0]!;
  let out: ModelWeek = { ...first, listed: { ...first.listed } };
  for (const p of parts.slice(1)) {
    out = {
      ...out,
      requests: out.requests + p.requests,
      cache_hits: out.cache_hits + p.cache_hits,
      unpriced: out.unpriced + p.unpriced,
      no_tokens: out.no_tokens + p.no_tokens,
      spend: out.spend + p.spend,
      calls: out.calls + p.calls,
      usage: addUsage(out.usage, p.usage),
      cost: out.cost + p.cost,
      listed: {
        calls: out.listed.calls + p.listed.calls,
        cost: out.listed.cost + p.listed.cost,
        list_cost: out.listed.list_cost + p.listed.list_cost,
        usage: addUsage(out.listed.usage, p.listed.usage),
        value: addRates(out.listed.value, p.listed.value),
        priceSum: addRates(out.listed.priceSum, p.listed.priceSum),
      },
    };
  }
  return out;
}

/** Effective rates of a model-week (see the module comment), or null when it has no priced calls with tokens. */
export function effectiveRates(m: ModelWeek): Rates | null {
  const l = m.listed;
  if (l.calls > 0) {
    const k = l.list_cost > 0 ? l.cost / l.list_cost : 1;
    // Token-weighted list rate per kind; a kind with no tokens this week takes the plain average list rate.
    const rate = (value: number, toks: number, sum: number): number => k * (toks > 0 ? value / toks : sum / l.calls);
    return {
      input: rate(l.value.input, l.usage.uncached_in, l.priceSum.input),
      cached: rate(l.value.cached, l.usage.cached_in, l.priceSum.cached),
      output: rate(l.value.output, l.usage.output, l.priceSum.output),
    };
  }
  const t = tokens(m.usage);
  if (m.calls > 0 && t > 0) {
    const flat = (m.cost * 1e6) / t;
    return { input: flat, cached: flat, output: flat };
  }
  return null;
}

/** A member of a group in one week: a model's usage, cost and effective rates there. */
export interface Member {
  model: string;
  family: string | null;
  usage: Usage;
  cost: number;
  rates: Rates;
}

export function membersOf(weeks: readonly ModelWeek[]): Member[] {
  const out: Member[] = [];
  for (const m of weeks) {
    const rates = effectiveRates(m);
    if (rates && m.calls > 0) out.push({ model: m.model, family: m.family, usage: m.usage, cost: m.cost, rates });
  }
  return out;
}

/** Usage-weighted average rates of some members (per token kind; a kind nobody used falls back to all tokens). */
export function compositeRates(members: readonly Member[]): Rates | null {
  if (members.length === 0) return null;
  const u = members.reduce((s, m) => addUsage(s, m.usage), ZERO_USAGE);
  const all = tokens(u);
  if (all === 0) return null;
  const kind = (pick: (x: Usage) => number, rate: (r: Rates) => number): number => {
    const w = pick(u);
    return w > 0
      ? members.reduce((s, m) => s + pick(m.usage) * rate(m.rates), 0) / w
      : members.reduce((s, m) => s + tokens(m.usage) * rate(m.rates), 0) / all;
  };
  return {
    input: kind((x) => x.uncached_in, (r) => r.input),
    cached: kind((x) => x.cached_in, (r) => r.cached),
    output: kind((x) => x.output, (r) => r.output),
  };
}

export type Cause = 'price_change' | 'version_change' | 'model_mix' | 'token_mix';

export interface Effects {
  price_change: number;
  version_change: number;
  model_mix: number;
  token_mix: number;
  /** What is left: logged costs that do not follow tokens (per-request fees, discounts), rounding. */
  other: number;
}

export interface Decomposition {
  tokens_per_dollar_before: number;
  tokens_per_dollar_after: number;
  change: number;
  effects: Effects;
  /**
   * The model that gained most share of the group's tokens, and the one that lost most. `kind`: a new version of a
   * family the group already had (`version_change`), or traffic moving to another model line (`model_mix`: a tier
   * that swapped families), so a detail never calls a swap of families a version change.
   */
  version: { from: string | null; to: string | null; to_share: number; unit_price_change: number | null; kind: 'version_change' | 'model_mix' } | null;
  /** Continuing models whose effective unit price moved (at b's token mix). */
  prices: { model: string; unit_price_change: number }[];
  /** Output tokens per input token, before and after. */
  output_per_input: { before: number | null; after: number | null };
}

const ratio = (a: number, b: number): number | null => (b > 0 && a > 0 ? a / b : null);

/**
 * Week b's traffic priced three ways, the chain both decompose() and spendEffects() walk: C1 at its own rates,
 * C2 with continuing models at their week-a rates, C2f with every model at its family's week-a average.
 */
function priceChain(before: readonly Member[], after: readonly Member[]) {
  const prevRates = new Map(before.map((m) => [m.model, m.rates]));
  const familyRates = new Map<string, Rates>();
  for (const fam of new Set(before.map((m) => m.family ?? ''))) {
    const r = compositeRates(before.filter((m) => (m.family ?? '') === fam));
    if (r) familyRates.set(fam, r);
  }
  const sum = (price: (m: Member) => Rates): number => after.reduce((s, m) => s + costAt(m.usage, price(m)), 0);
  const C1 = sum((m) => m.rates);
  const C2 = sum((m) => prevRates.get(m.model) ?? m.rates);
  const C2f = sum((m) => familyRates.get(m.family ?? '') ?? prevRates.get(m.model) ?? m.rates);
  return { C1, C2, C2f, sum, prevRates };
}

/** Tokens-per-dollar change of a group from week a (`before`) to week b (`after`), decomposed. Null if either is empty. */
export function decompose(before: readonly Member[], after: readonly Member[]): Decomposition | null {
  const Ta = before.reduce((s, m) => s + tokens(m.usage), 0);
  const Tb = after.reduce((s, m) => s + tokens(m.usage), 0);
  const costA = before.reduce((s, m) => s + m.cost, 0);
  const costB = after.reduce((s, m) => s + m.cost, 0);
  const tpdA = ratio(Ta, costA);
  const tpdB = ratio(Tb, costB);
  const compA = compositeRates(before);
  if (tpdA === null || tpdB === null || compA === null) return null;

  const { C1, C2, C2f, sum, prevRates } = priceChain(before, after);
  const C3 = sum(() => compA);
  const C4 = before.reduce((s, m) => s + costAt(m.usage, m.rates), 0);
  const rel = (a: number, b: number): number => (b > 0 ? a / b - 1 : 0);
  const effects: Effects = {
    price_change: rel(C2, C1),
    version_change: rel(C2f, C2),
    model_mix: rel(C3, C2f),
    token_mix: C3 > 0 && C4 > 0 ? Tb / C3 / (Ta / C4) - 1 : 0,
    other: 0,
  };
  const change = tpdB / tpdA - 1;
  const explained = (1 + effects.price_change) * (1 + effects.version_change) * (1 + effects.model_mix) * (1 + effects.token_mix);
  effects.other = explained > 0 ? (1 + change) / explained - 1 : 0;

  // Who took traffic from whom: share of the group's tokens, before and after.
  const share = (ms: readonly Member[], total: number): Map<string, number> => {
    const s = new Map<string, number>();
    for (const m of ms) s.set(m.model, (s.get(m.model) ?? 0) + tokens(m.usage) / total);
    return s;
  };
  const sa = share(before, Ta);
  const sb = share(after, Tb);
  let to: string | null = null;
  let from: string | null = null;
  let gain = 0;
  let loss = 0;
  for (const model of new Set([...sa.keys(), ...sb.keys()])) {
    const d = (sb.get(model) ?? 0) - (sa.get(model) ?? 0);
    if (d > gain) [gain, to] = [d, model];
    if (-d > loss) [loss, from] = [-d, model];
  }
  let version: Decomposition['version'] = null;
  if (to !== null) {
    const toMembers = after.filter((m) => m.model === to);
    const toUsage = toMembers.reduce((s, m) => addUsage(s, m.usage), ZERO_USAGE);
    const toRates = compositeRates(toMembers);
    const fromRates = from !== null ? prevRates.get(from) ?? null : compA;
    // A version change keeps the family: the gaining model's family was in the group the week before.
    const toFamily = toMembers[0]?.family ?? null;
    const sameLine = toFamily !== null && before.some((m) => m.family === toFamily);
    version = {
      from,
      to,
      to_share: sb.get(to) ?? 0,
      unit_price_change: toRates && fromRates ? rel(costAt(toUsage, toRates), costAt(toUsage, fromRates)) : null,
      kind: sameLine ? 'version_change' : 'model_mix',
    };
  }
  const prices: Decomposition['prices'] = [];
  for (const m of after) {
    const old = prevRates.get(m.model);
    if (!old) continue;
    const change = rel(costAt(m.usage, m.rates), costAt(m.usage, old));
    if (Math.abs(change) >= 0.005) prices.push({ model: m.model, unit_price_change: change });
  }
  prices.sort((x, y) => Math.abs(y.unit_price_change) - Math.abs(x.unit_price_change));
  const outPerIn = (ms: readonly Member[]): number | null => {
    const u = ms.reduce((s, m) => addUsage(s, m.usage), ZERO_USAGE);
    const input = u.uncached_in + u.cached_in;
    return input > 0 ? u.output / input : null;
  };
  return {
    tokens_per_dollar_before: tpdA,
    tokens_per_dollar_after: tpdB,
    change,
    effects,
    version,
    prices,
    output_per_input: { before: outPerIn(before), after: outPerIn(after) },
  };
}

/**
 * Dollars of week b's spend due to price changes (continuing models' rates moved since week a) and to version
 * changes (traffic priced at its family's week-a average instead of its own model's rates): the same chain as
 * decompose(), in USD instead of ratios.
 */
export function spendEffects(before: readonly Member[], after: readonly Member[]): { price_change: number; version_change: number } {
  const { C1, C2, C2f } = priceChain(before, after);
  return { price_change: C1 - C2, version_change: C2 - C2f };
}
