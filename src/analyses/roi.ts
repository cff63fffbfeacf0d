import type { Row } from '../db/database.js';
import { perMonth } from '../stats.js';
import { num, numOrNull, type Analysis } from './runner.js';

/**
 * Does the router pay for itself? The window's actual cost of the routed traffic — what the requests cost (retries
 * included) plus one classifier call each — against policies that need no router:
 *   - single tier: every first call (a request that is not a retry) on the cheapest, …, the strongest tier;
 *   - ideal routing: every first call on its ideal tier, still paying the classifier (a router has to classify),
 *     with no retries (nothing is under-served).
 * A counterfactual prices a request's own logged tokens at the tier's model list price (routing/counterfactual.ts:
 * rc_tier_cost) and keeps the same cache hits free. It assumes the same token counts and no quality difference:
 * true for the strongest tier (nothing would be served worse), not for cheaper tiers, which would under-serve the
 * requests whose ideal tier is dearer (counted, with what retrying them at the window's retry rate would add).
 *
 * savings = the policy's cost − the router's net cost: what the router saves against that policy (negative: the
 * router costs more). Reads rc_routed (with rc_costed's cost) and rc_tier_cost.
 */
export interface RoiPolicy {
  policy: 'single_tier' | 'ideal';
  /** "all on simple", "ideal routing". */
  name: string;
  /** The single tier, or null for ideal routing. */
  tier: string | null;
  /** The model that stands for the tier over the window (the one that served most of its requests). */
  model: string | null;
  /** The window's first calls under this policy, classifier calls included for ideal routing. */
  cost_usd: number | null;
  classifier_cost_usd: number;
  monthly_usd: number | null;
  /** cost_usd − the router's net cost. */
  savings_usd: number | null;
  savings_monthly_usd: number | null;
  /** savings_usd ÷ cost_usd: the share of this policy's cost the router saves. */
  savings_share: number | null;
  /** First calls with an ideal route dearer than the tier (the policy serves them worse), and cheaper. */
  under_served: number;
  over_served: number;
  /** What retrying the under-served at the window's retry rate would add (not in cost_usd). */
  expected_retry_usd: number | null;
  /** First calls without a price on this tier (not in cost_usd). */
  unpriced: number;
  /** First calls priced from the log's own costs because the tier's model has no list price. */
  log_fit: number;
}

export interface RouterRoi {
  available: boolean;
  reason?: string;
  tiers: string[];
  /** The window's length in days: the monthly figures are the window's dollars × 30 ÷ this (null under a day). */
  window_days: number | null;
  /** Routed requests of the window (on a model a tier claims), retries included. */
  routed: number;
  retries: number;
  first_calls: number;
  /** First calls with an ideal route (record, --labels or --classifier); the ideal and under-served figures need one. */
  evaluated: number;
  /** Retries per under-routed first call in the window (from a labelled sample: scaled to all first calls). */
  retry_rate: number | null;
  router: {
    /** The routed requests' cost through the price chain (logged, else list price), retries included. */
    cost_usd: number | null;
    retry_cost_usd: number;
    classifier_calls: number;
    classifier_cost_usd: number;
    /** cost_usd + classifier_cost_usd. */
    net_cost_usd: number | null;
    monthly_usd: number | null;
    /** The same requests at their served tier's model list price, the basis of the counterfactuals. */
    list_cost_usd: number | null;
    /** Routed requests without a cost (not in cost_usd). */
    unpriced: number;
  };
  baselines: RoiPolicy[];
  /** The router against every request on the strongest tier: the policy with no quality loss. */
  against_strongest: { tier: string; savings_usd: number | null; savings_monthly_usd: number | null; savings_share: number | null } | null;
  /** The router against ideal routing: what perfect routing would save on top (positive: the router costs more). */
  ideal_gap_monthly_usd: number | null;
  assumptions: string[];
}

export interface RoiInputs {
  tiers: string[];
  /** rank → the model that stands for the tier over the window. */
  models: Map<number, string>;
  costPerCallUsd: number;
  windowDays: number | null;
}

const ROUTED = `r.actual_rank IS NOT NULL`;
const FIRST = `r.actual_rank IS NOT NULL AND NOT r.is_retry`;

export function roiAnalysis(inputs: RoiInputs): Analysis<RouterRoi> {
  return {
    name: 'roi',
    queries: {
      // Classifier calls as the classifier section counts them: every request of the window that logs a decision.
      totals: `
        SELECT count(*) FILTER (WHERE ${ROUTED}) AS routed,
          count(*) FILTER (WHERE ${ROUTED} AND r.is_retry) AS retries,
          count(*) FILTER (WHERE r.route IS NOT NULL OR r.score IS NOT NULL) AS calls,
          sum(r.cost) FILTER (WHERE ${ROUTED}) AS cost,
          count(*) FILTER (WHERE ${ROUTED} AND r.cost IS NULL) AS unpriced,
          coalesce(sum(r.cost) FILTER (WHERE ${ROUTED} AND r.is_retry), 0) AS retry_cost,
          count(*) FILTER (WHERE ${FIRST} AND r.ideal_rank IS NOT NULL) AS evaluated,
          count(*) FILTER (WHERE ${FIRST} AND r.ideal_rank > r.actual_rank) AS under_first,
          sum(t.usd) FILTER (WHERE ${ROUTED}) AS list_cost,
          count(*) FILTER (WHERE ${ROUTED} AND t.usd IS NULL) AS list_unpriced
        -- rc_routed carries rc_costed's cost: a second join here held two hash tables of the window at once, which
        -- ran out of memory under the default 1 GB on a week of 5.6M requests.
        FROM rc_routed r
        LEFT JOIN rc_tier_cost t ON t.record_key = r.record_key AND t.rank = r.actual_rank`,
      tiers: `
        SELECT t.rank, sum(t.usd) AS cost, count(*) FILTER (WHERE t.usd IS NULL) AS unpriced,
          count(*) FILTER (WHERE t.basis = 'log_fit') AS log_fit,
          count(*) FILTER (WHERE r.ideal_rank > t.rank) AS under_served,
          count(*) FILTER (WHERE r.ideal_rank < t.rank) AS over_served,
          sum(i.usd) FILTER (WHERE r.ideal_rank > t.rank) AS under_ideal_cost,
          count(*) FILTER (WHERE r.ideal_rank > t.rank AND i.usd IS NULL) AS under_ideal_unpriced
        FROM rc_routed r JOIN rc_tier_cost t ON t.record_key = r.record_key
        LEFT JOIN rc_tier_cost i ON i.record_key = r.record_key AND i.rank = r.ideal_rank
        WHERE ${FIRST}
        GROUP BY t.rank ORDER BY t.rank`,
      // First calls without an ideal route stay on their served tier.
      ideal: `
        SELECT sum(t.usd) AS cost, count(*) FILTER (WHERE t.usd IS NULL) AS unpriced, count(*) FILTER (WHERE t.basis = 'log_fit') AS log_fit,
          count(*) AS first_calls
        FROM rc_routed r JOIN rc_tier_cost t ON t.record_key = r.record_key AND t.rank = coalesce(r.ideal_rank, r.actual_rank)
        WHERE ${FIRST}`,
    },
    toResult: (rows) => toRoi(rows, inputs),
  };
}

/** Pure mapper from the query rows. */
export function toRoi(rows: Record<string, Row[]>, inputs: RoiInputs): RouterRoi {
  const t = rows['totals']?.[0] ?? {};
  const idealRow = rows['ideal']?.[0] ?? {};
  const routed = num(t['routed']);
  const retries = num(t['retries']);
  const firstCalls = num(idealRow['first_calls']);
  const evaluated = num(t['evaluated']);
  const calls = num(t['calls']);
  const classifierCost = calls * inputs.costPerCallUsd;
  const unpriced = num(t['unpriced']);
  const cost = routed === 0 ? 0 : numOrNull(t['cost']);
  const net = cost === null ? null : cost + classifierCost;
  // A monthly rate needs a day of data at least (as the deviation and classifier sections' projections).
  const monthly = (x: number | null): number | null => (inputs.windowDays !== null && inputs.windowDays >= 1 ? perMonth(x, inputs.windowDays) : null);
  const underFirst = num(t['under_first']);
  // Under-routed first calls are known on the first calls with an ideal route only: scaled to all first calls.
  const retryRate = underFirst > 0 && evaluated > 0 ? retries / ((underFirst * firstCalls) / evaluated) : null;

  const policy = (p: Omit<RoiPolicy, 'monthly_usd' | 'savings_usd' | 'savings_monthly_usd' | 'savings_share'>): RoiPolicy => {
    const savings = p.cost_usd === null || net === null ? null : p.cost_usd - net;
    return {
      ...p,
      monthly_usd: monthly(p.cost_usd),
      savings_usd: savings,
      savings_monthly_usd: monthly(savings),
      savings_share: savings === null || p.cost_usd === null || !(p.cost_usd > 0) ? null : savings / p.cost_usd,
    };
  };
  const baselines: RoiPolicy[] = (rows['tiers'] ?? []).map((r) => {
    const rank = num(r['rank']);
    const tier = inputs.tiers[rank] ?? `tier ${rank}`;
    const under = num(r['under_served']);
    const underIdeal = num(r['under_ideal_unpriced']) > 0 ? null : num(r['under_ideal_cost']);
    return policy({
      policy: 'single_tier',
      name: `all on ${tier}`,
      tier,
      model: inputs.models.get(rank) ?? null,
      cost_usd: firstCalls === 0 ? 0 : numOrNull(r['cost']),
      classifier_cost_usd: 0,
      under_served: under,
      over_served: num(r['over_served']),
      expected_retry_usd: under === 0 ? 0 : retryRate === null || underIdeal === null ? null : retryRate * underIdeal,
      unpriced: num(r['unpriced']),
      log_fit: num(r['log_fit']),
    });
  });
  // Ideal routing still classifies every first call (retries would not happen).
  const idealClassifier = firstCalls * (calls > 0 ? inputs.costPerCallUsd : 0);
  const idealCost = firstCalls === 0 ? 0 : numOrNull(idealRow['cost']);
  baselines.push(
    policy({
      policy: 'ideal',
      name: 'ideal routing',
      tier: null,
      model: null,
      cost_usd: idealCost === null ? null : idealCost + idealClassifier,
      classifier_cost_usd: idealClassifier,
      under_served: 0,
      over_served: 0,
      expected_retry_usd: 0,
      unpriced: num(idealRow['unpriced']),
      log_fit: num(idealRow['log_fit']),
    }),
  );
  const strongest = baselines.filter((b) => b.policy === 'single_tier').at(-1) ?? null;
  const ideal = baselines.at(-1)!;
  const result: RouterRoi = {
    available: routed > 0 && inputs.tiers.length > 1,
    tiers: inputs.tiers,
    window_days: inputs.windowDays,
    routed,
    retries,
    first_calls: firstCalls,
    evaluated,
    retry_rate: retryRate,
    router: {
      cost_usd: cost,
      retry_cost_usd: num(t['retry_cost']),
      classifier_calls: calls,
      classifier_cost_usd: classifierCost,
      net_cost_usd: net,
      monthly_usd: monthly(net),
      list_cost_usd: num(t['list_unpriced']) > 0 ? null : num(t['list_cost']),
      unpriced,
    },
    baselines,
    against_strongest: strongest
      ? { tier: strongest.tier!, savings_usd: strongest.savings_usd, savings_monthly_usd: strongest.savings_monthly_usd, savings_share: strongest.savings_share }
      : null,
    ideal_gap_monthly_usd: ideal.savings_monthly_usd === null ? null : -ideal.savings_monthly_usd,
    assumptions: [
      "every counterfactual serves the window's first calls (requests that are not retries) once, with their own logged token counts, at the tier's model list price; cache hits stay free",
      'no quality difference: true for the strongest tier, not for cheaper ones — they would serve the under-served requests worse, and the retries those bring are not in their cost (expected_retry_usd estimates them at the window\'s retry rate)',
      'ideal routing still pays one classifier call per first call and has no retries; first calls without an ideal route stay on their served tier',
    ],
  };
  if (!result.available) {
    result.reason = inputs.tiers.length < 2 ? 'the routing policy has fewer than two tiers: there is no routing to weigh' : 'no request of the window was served on a tier';
  }
  return result;
}
