import type { Row } from '../db/database.js';
import { repriced } from '../routing/prepare.js';
import { MONTH_DAYS } from '../stats.js';
import { num, numOrNull, type Analysis } from './runner.js';

/**
 * Classifier economics and jitter (failure modes #1 and #3 of the post-mortem):
 * - every routed request pays for a classifier call ($0.003 each in the post-mortem), so its cost grows with
 *   traffic: calls, cost, and a monthly projection at the current daily volume;
 * - the trivial rule (inputs under N characters skip the classifier and go to the cheapest tier): what it would
 *   save in classifier calls and in over-routing of those inputs, and how many it would under-route;
 * - jitter: the share of scores within ±band of a threshold (where noise flips the tier), and the share of inputs
 *   asked more than once that were served on more than one tier.
 *
 * A classifier call is a request that logs a router decision (`route`) or a score. Reads rc_routed (routing/prepare.ts).
 */
export interface FlippingInput {
  input: string | null;
  requests: number;
  scores: [number, number] | null;
  models: string[];
  tiers: string[];
}

/**
 * What `routecheck calibrate` recommends, run by the classifier section when the deviation fails its gate: the
 * thresholds and trivial rule that route the window's scored requests best, with their cross-validated deviation.
 */
export type Recalibration =
  | {
      available: true;
      command: string;
      thresholds: number[];
      trivial_chars: number;
      trivial_tier: string;
      /** Cross-validated deviation of the recommendation, with its 95% interval. */
      deviation: number;
      ci95: [number, number];
      /** The current policy's on the same requests (first calls with a score and an ideal route). */
      current_deviation: number;
      monthly_cost_usd: number | null;
      current_monthly_cost_usd: number | null;
      requests: number;
    }
  | { available: false; reason: string };

export interface ClassifierResult {
  available: boolean;
  reason?: string;
  /** Present when the deviation fails its gate: what calibrate recommends (or why it cannot). */
  recalibration?: Recalibration;
  calls: number;
  requests: number;
  cost_per_call_usd: number;
  /** `config` (classifier.cost_per_call_usd), or `default`: the post-mortem's $0.003, an assumption. */
  cost_per_call_source: 'config' | 'default';
  cost_usd: number;
  /** Calls per day over the window's last 7 days. */
  daily_calls: number | null;
  monthly_projection_usd: number | null;
  trivial: {
    max_chars: number;
    tier: string | null;
    configured: boolean;
    /** Requests whose input is shorter than max_chars characters. */
    requests: number;
    calls_saved: number;
    classifier_savings_usd: number;
    /** Their logged cost above the same tokens at the trivial tier's price (requests served on a dearer tier). */
    routing_savings_usd: number | null;
    savings_usd: number | null;
    monthly_savings_usd: number | null;
    /** Short requests whose ideal tier is dearer than the trivial tier: the rule would under-route these. */
    ideal_above_tier: number;
  };
  jitter: {
    band: number;
    thresholds: number[];
    thresholds_source: 'config' | 'log' | 'none';
    scored: number;
    near_threshold: number;
    near_threshold_share: number | null;
    /** Normalized inputs asked two or more times (retries left out: they change tier on purpose). */
    repeated_inputs: number;
    flipping_inputs: number;
    flip_rate: number | null;
    /** Flips count distinct tiers (models where no tier claims them): a new dated version is not a flip. */
    flip_basis: 'tier';
    top: FlippingInput[];
  };
}

export interface ClassifierInputs {
  tiers: string[];
  costPerCallUsd: number;
  costSource: 'config' | 'default';
  trivial: { maxChars: number; tierRank: number | null; tier: string | null; configured: boolean };
  thresholds: number[];
  thresholdsSource: 'config' | 'log' | 'none';
  band: number;
}

/** Each tier's score range, for thresholds read from the log when the config gives none. */
export const SCORE_RANGES = `
  SELECT r.actual_rank AS rank, min(r.score) AS lo, max(r.score) AS hi FROM rc_routed r
  WHERE r.score IS NOT NULL AND r.actual_rank IS NOT NULL GROUP BY r.actual_rank ORDER BY r.actual_rank`;

const LAST_DAYS = `(SELECT max(ts) - INTERVAL 7 DAY FROM rc_routed)`;
const CALL = `(r.route IS NOT NULL OR r.score IS NOT NULL)`;
const SHORT = `r.chars < $max_chars`;
/** Where a request was served, for flips: its tier, or its model where no tier claims it. */
const SERVED = `coalesce(CAST(r.actual_rank AS VARCHAR), '~' || r.model)`;
/** A float score exactly on the band's edge (0.77 vs 0.80 ± 0.03) counts as near. */
const EDGE = 1e-9;

export function classifierAnalysis(inputs: ClassifierInputs): Analysis<ClassifierResult> {
  const trivialRank = inputs.trivial.tierRank;
  const toTrivial = repriced('CAST($trivial_rank AS INTEGER)');
  const routingSaving = trivialRank === null ? 'NULL' : `CASE WHEN r.actual_rank > $trivial_rank THEN r.cost - (${toTrivial.expr}) ELSE 0 END`;
  const near = inputs.thresholds.length === 0 ? 'false' : inputs.thresholds.map((_, i) => `abs(r.score - $t${i}) <= $band + ${EDGE}`).join(' OR ');
  return {
    name: 'classifier',
    queries: {
      totals: `
        SELECT count(*) AS requests, count(*) FILTER (WHERE ${CALL}) AS calls,
          count(*) FILTER (WHERE ${CALL} AND r.ts > ${LAST_DAYS}) AS calls_last,
          least(7.0, epoch(max(r.ts) - min(r.ts)) / 86400.0) AS basis_days,
          count(*) FILTER (WHERE r.score IS NOT NULL) AS scored,
          count(*) FILTER (WHERE r.score IS NOT NULL AND (${near})) AS near_threshold
        FROM rc_routed r`,
      trivial: `
        SELECT count(*) AS requests, count(*) FILTER (WHERE ${CALL}) AS calls,
          count(*) FILTER (WHERE ${CALL} AND r.ts > ${LAST_DAYS}) AS calls_last,
          sum(r.saving) AS routing, count(*) FILTER (WHERE r.saving IS NULL) AS routing_unpriced,
          coalesce(sum(r.saving) FILTER (WHERE r.ts > ${LAST_DAYS}), 0) AS routing_last,
          count(*) FILTER (WHERE r.ideal_rank > $trivial_rank) AS ideal_above
        FROM (SELECT r.*, ${routingSaving} AS saving FROM rc_routed r ${trivialRank === null ? '' : toTrivial.joins} WHERE ${SHORT}) r`,
      repeats: `
        SELECT count(*) AS repeated, count(*) FILTER (WHERE served > 1) AS flipping FROM (
          SELECT r.norm_key, count(DISTINCT ${SERVED}) AS served
          FROM rc_routed r WHERE NOT r.is_retry AND r.norm_key IS NOT NULL AND r.model IS NOT NULL
          GROUP BY r.norm_key HAVING count(*) > 1)`,
      // The ten most asked flipping inputs first, then their details (lists only for those ten).
      top: `
        WITH f AS (
          SELECT r.norm_key, count(*) AS n FROM rc_routed r
          WHERE NOT r.is_retry AND r.norm_key IS NOT NULL AND r.model IS NOT NULL
          GROUP BY r.norm_key HAVING count(DISTINCT ${SERVED}) > 1
          ORDER BY n DESC, r.norm_key LIMIT 10
        ), g AS (
          SELECT r.norm_key, any_value(f.n) AS n, min(r.score) AS lo, max(r.score) AS hi, list(DISTINCT r.model ORDER BY r.model) AS models,
            list(DISTINCT r.actual_rank ORDER BY r.actual_rank) FILTER (WHERE r.actual_rank IS NOT NULL) AS ranks,
            min(r.record_key) AS any_key
          FROM rc_routed r JOIN f ON f.norm_key = r.norm_key
          WHERE NOT r.is_retry AND r.model IS NOT NULL
          GROUP BY r.norm_key
        )
        SELECT q.input, g.n, g.lo, g.hi, g.models, g.ranks FROM g JOIN requests q ON q.record_key = g.any_key ORDER BY g.n DESC, q.input`,
    },
    toResult: (rows) => toClassifier(rows, inputs),
  };
}

/** Bound parameters of the classifier queries. */
export function classifierParams(inputs: ClassifierInputs): Record<string, number | null> {
  const params: Record<string, number | null> = { max_chars: inputs.trivial.maxChars, trivial_rank: inputs.trivial.tierRank, band: inputs.band };
  inputs.thresholds.forEach((t, i) => (params[`t${i}`] = t));
  return params;
}

/** Pure mapper from the query rows. */
export function toClassifier(rows: Record<string, Row[]>, inputs: ClassifierInputs): ClassifierResult {
  const t = rows['totals']?.[0] ?? {};
  const tv = rows['trivial']?.[0] ?? {};
  const r = rows['repeats']?.[0] ?? {};
  const calls = num(t['calls']);
  const basisDays = numOrNull(t['basis_days']);
  const perDay = (x: number): number | null => (basisDays !== null && basisDays >= 1 ? x / basisDays : null);
  const dailyCalls = perDay(num(t['calls_last']));
  const cpc = inputs.costPerCallUsd;

  const trivialCalls = num(tv['calls']);
  const routingKnown = inputs.trivial.tierRank !== null && (num(tv['routing_unpriced']) === 0 || tv['routing'] !== null);
  const routing = routingKnown ? num(tv['routing']) : null;
  const classifierSavings = trivialCalls * cpc;
  const dailySavings = perDay(num(tv['calls_last']) * cpc + (routingKnown ? num(tv['routing_last']) : 0));

  const thresholds = inputs.thresholds;
  const scored = num(t['scored']);
  const repeated = num(r['repeated']);
  const flipping = num(r['flipping']);

  const result: ClassifierResult = {
    available: calls > 0,
    calls,
    requests: num(t['requests']),
    cost_per_call_usd: cpc,
    cost_per_call_source: inputs.costSource,
    cost_usd: calls * cpc,
    daily_calls: dailyCalls,
    monthly_projection_usd: dailyCalls === null ? null : dailyCalls * cpc * MONTH_DAYS,
    trivial: {
      max_chars: inputs.trivial.maxChars,
      tier: inputs.trivial.tier,
      configured: inputs.trivial.configured,
      requests: num(tv['requests']),
      calls_saved: trivialCalls,
      classifier_savings_usd: classifierSavings,
      routing_savings_usd: routing,
      savings_usd: routing === null ? null : classifierSavings + routing,
      monthly_savings_usd: dailySavings === null ? null : dailySavings * MONTH_DAYS,
      ideal_above_tier: num(tv['ideal_above']),
    },
    jitter: {
      band: inputs.band,
      thresholds,
      thresholds_source: thresholds.length > 0 ? inputs.thresholdsSource : 'none',
      scored,
      near_threshold: num(t['near_threshold']),
      near_threshold_share: thresholds.length > 0 && scored > 0 ? num(t['near_threshold']) / scored : null,
      repeated_inputs: repeated,
      flipping_inputs: flipping,
      flip_rate: repeated > 0 ? flipping / repeated : null,
      flip_basis: 'tier',
      top: (rows['top'] ?? []).map((x) => ({
        input: x['input'] === null ? null : String(x['input']),
        requests: num(x['n']),
        scores: x['lo'] === null || x['lo'] === undefined ? null : [num(x['lo']), num(x['hi'])],
        models: ((x['models'] as unknown[] | null) ?? []).map(String),
        tiers: ((x['ranks'] as unknown[] | null) ?? []).map((k) => inputs.tiers[num(k)] ?? `tier ${num(k)}`),
      })),
    },
  };
  if (!result.available) result.reason = 'no request logs a router decision (route) or a classifier score';
  return result;
}

