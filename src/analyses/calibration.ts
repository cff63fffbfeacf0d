import type { Database, Row } from '../db/database.js';
import { UsageError } from '../errors.js';
import { inferThresholds, type RoutingPolicy } from '../routing/policy.js';
import { perMonth, wilson } from '../stats.js';
import { plural } from '../words.js';
import { SCORE_RANGES } from './classifier.js';
import { num, numOrNull, paramsUsedBy } from './runner.js';

/**
 * `routecheck calibrate`: which score thresholds (and trivial-rule character limit) would route the window's requests
 * best? Each request has the score its router logged and an ideal route (a record label, --labels, or a --classifier
 * replay). A candidate policy sends a request shorter than `trivial_chars` characters to the trivial tier and any other
 * to the tier its score falls in (score < t₁ → the cheapest tier, t₁ ≤ score < t₂ → the next, …): the deviation
 * (over + under) of every candidate and its monthly cost follow from the same logged scores.
 *
 * The sweep is SQL over aggregates, never scores × thresholds rows (temp tables, dropped by dropCalibration):
 *   rc_calib           one row per calibrated request (routed, not a retry, with a score and an ideal route): its fold
 *                      (the record key's top bits, an md5's, mod the fold count), score bin, length class, ideal tier and its cost on
 *                      every tier (routing/counterfactual.ts rc_tier_cost)
 *   rc_calib_cells     counts and cost sums per (fold, length class, score bin, ideal tier); fold −1 is all folds
 *   rc_calib_prefix    per (fold, trivial option, grid index k): cumulative counts and costs of the non-trivial
 *                      requests whose score is below the k-th grid threshold, by ideal tier and by tier
 *   rc_calib_trivial   per (fold, trivial option): the requests the trivial rule takes, by ideal tier
 *   rc_calib_eval      per (fold, trivial option, threshold indices): errors over and under, requests, classifier
 *                      calls, the routed tiers' cost and the cost base of expected retries
 * so a candidate's figures are a handful of differences of prefix sums (K tiers: K − 1 joins), whatever the traffic.
 *
 * Cost of a candidate = its routed tiers' cost (each request on its tier's model, rc_tier_cost) + one classifier call
 * per request the trivial rule does not take + expected retries: every under-routed request is re-sent at the window's
 * retry rate (retries ÷ under-routed first calls, as served) on its ideal tier. Retries themselves are left out of the
 * sweep: they exist because of the routing. When only some scored requests have an ideal route (a labelled sample),
 * costs are scaled to all scored first calls (`estimate`).
 *
 * Choice: the candidate with the fewest errors (then the cheapest, then the nearest to the current thresholds, then
 * the smallest trivial limit and thresholds), or with a maximum deviation the cheapest within it. Its reported
 * deviation is k-fold cross-validated: each fold's requests are scored by the policy chosen on the other folds, and
 * the held-out errors are pooled (the in-sample optimum is always optimistic). The frontier is every candidate no
 * cheaper candidate beats on deviation, in sample.
 */

export const DEFAULT_FOLDS = 5;
/** Trivial-rule limits tried (0 = no trivial rule), plus the current one. */
export const TRIVIAL_CHAR_OPTIONS: readonly number[] = [0, 5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200];
/** Fewer calibrated requests than this is too few to choose thresholds from. */
export const MIN_REQUESTS = 20;

export interface CalibrationSettings {
  /** --max-deviation: recommend the cheapest policy whose deviation is at most this; null: the least deviation. */
  maxDeviation: number | null;
  /** --write-config FILE: where the recommended policy goes as a config file; null: nowhere. */
  writeConfig: string | null;
  /** --force: --write-config may replace an existing file. */
  force: boolean;
  /** --folds: cross-validation folds (default 5). */
  folds: number;
}

/** Pure: calibrate's own flags (commander's raw values) → settings, or a UsageError naming the flag. */
export function normalizeCalibrationSettings(raw: Record<string, unknown>): CalibrationSettings {
  const text = (v: unknown): string | undefined => (v === undefined ? undefined : String(v).trim());
  const max = text(raw['calibrateMaxDeviation']);
  let maxDeviation: number | null = null;
  if (max !== undefined) {
    const v = max === '' ? NaN : Number(max);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`--max-deviation "${max}" must be a fraction between 0 and 1 (0.10 = 10%)`);
    maxDeviation = v;
  }
  const folds = text(raw['folds']);
  let k = DEFAULT_FOLDS;
  if (folds !== undefined) {
    if (!/^\d+$/.test(folds) || Number(folds) < 2 || Number(folds) > 20) throw new UsageError(`--folds "${folds}" must be a whole number from 2 to 20`);
    k = Number(folds);
  }
  const write = text(raw['writeConfig']);
  if (write === '') throw new UsageError('--write-config needs a file name');
  return { maxDeviation, writeConfig: write ?? null, force: raw['force'] === true, folds: k };
}

/** A policy's figures, as `calibration.current`, `.recommended`, `.frontier[]` and `.baselines[]` show them. */
export interface CalibrationPolicy {
  /** Score thresholds between adjacent tiers, rising (t₁ … t_{K−1}); empty for a baseline that has none. */
  thresholds: number[];
  /** Inputs shorter than this many characters skip the classifier and go to the trivial tier; 0: no trivial rule. */
  trivial_chars: number;
  deviation: number;
  over_rate: number;
  under_rate: number;
  ci95: [number, number];
  /** The routed tiers, classifier calls and expected retries per 30-day month at the window's rate; null: unknown. */
  monthly_cost_usd: number | null;
}

export interface CalibrationFold {
  fold: number;
  /** Held-out requests of the fold. */
  requests: number;
  /** The policy chosen on the other folds. */
  thresholds: number[];
  trivial_chars: number;
  train_deviation: number;
  /** Its deviation on this fold's requests. */
  deviation: number;
  over_rate: number;
  under_rate: number;
}

export interface CalibrationBaseline extends CalibrationPolicy {
  name: string;
  policy: 'single_tier' | 'ideal';
}

export interface Calibration {
  tiers: string[];
  trivial_tier: string;
  /** Requests with a score and an ideal route: the ones calibrated. */
  requests: number;
  /** Routed first calls (not retries) of the window, and why the others were left out. */
  first_calls: number;
  left_out: { retries: number; no_score: number; no_ideal: number };
  ideal_source: 'record' | 'labels' | 'replay' | 'mixed' | null;
  /** True when only a sample of the scored requests has an ideal route: costs are scaled to all of them. */
  estimate: boolean;
  /** Calibrated requests without a price on some tier (counted at $0 there: the costs are a lower bound). */
  unpriced: number;
  window_days: number | null;
  cost_per_call_usd: number;
  /** Retries per under-routed first call in the window: the rate expected retries are charged at. */
  retry_rate: number;
  current: CalibrationPolicy & {
    /** Where the thresholds come from: the config, the log's score ranges, or none (then the served routing). */
    source: 'config' | 'log' | 'none';
    /** Share of the calibrated requests the current thresholds send where the router did send them. */
    agreement: number | null;
    /** The config's trivial limit when it names one; trivial_chars is 0 when the logs show it is not in force. */
    trivial_configured: number | null;
  };
  recommended: CalibrationPolicy & {
    /** How it was chosen: the least deviation, or the cheapest within --max-deviation. */
    rule: 'min_deviation' | 'max_deviation';
    max_deviation: number | null;
    /** With --max-deviation: whether some policy is within it in sample (else the least deviation is recommended). */
    within_max: boolean | null;
    /** Its deviation on all the calibrated requests: optimistic, for comparison with the cross-validated one. */
    in_sample_deviation: number;
  };
  frontier: CalibrationPolicy[];
  baselines: CalibrationBaseline[];
  folds: CalibrationFold[];
  sweep: { thresholds: number; trivial_chars: number[]; candidates: number; step: number };
}

export interface CalibrationInputs {
  tiers: string[];
  trivialRank: number;
  current: { thresholds: number[] | null; source: 'config' | 'log' | 'none'; trivialChars: number; trivialConfigured: number | null };
  costPerCallUsd: number;
  folds: number;
  maxDeviation: number | null;
  windowDays: number | null;
}

/**
 * What the sweep needs from the routing tables (rc_routed) and the policy: the current thresholds (the config's,
 * else the gaps between the tiers' logged score ranges), whether the trivial rule is in force, and whether there is
 * anything to calibrate: a reason when no request logs a score, none has an ideal route, or too few have both.
 */
export async function calibrationInputs(
  db: Database,
  policy: Pick<RoutingPolicy, 'tiers' | 'classifier' | 'trivial'>,
  options: { folds: number; maxDeviation: number | null; windowDays: number | null },
): Promise<{ inputs: CalibrationInputs } | { reason: string }> {
  if (policy.tiers.length < 2) return { reason: 'calibrate needs at least two tiers: give "tiers" in the config (--config), or logs whose models show two price levels' };
  const counts = await db.one(
    `SELECT count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry) AS routed,
       count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NOT NULL) AS scored,
       count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NOT NULL AND ideal_rank IS NOT NULL) AS both,
       count(*) FILTER (WHERE actual_rank IS NOT NULL AND score IS NOT NULL AND chars < $c) AS shorter
     FROM rc_routed`,
    { c: policy.trivial.maxChars },
  );
  if (num(counts?.['scored']) === 0) {
    return {
      reason:
        `no routed request in the window logs a router score (${plural(num(counts?.['routed']), 'routed request')}): calibrate sweeps the thresholds ` +
        'over the scores the router decided on — log them as "score" (or confidence, classifier_score), or --map score=PATH',
    };
  }
  const calibrated = num(counts?.['both']);
  if (calibrated === 0) {
    return { reason: 'no scored request has an ideal route: give one on the records (ideal / should_be), a labelled sample (--labels FILE) or a replay (--classifier rules)' };
  }
  if (calibrated < MIN_REQUESTS) {
    return { reason: `only ${plural(calibrated, 'scored request has', 'scored requests have')} an ideal route: too few to calibrate (at least ${MIN_REQUESTS}; a wider window, --all, or more labels)` };
  }
  const k = policy.tiers.length;
  let thresholds: number[] | null = policy.classifier.thresholds.length === k - 1 ? policy.classifier.thresholds : null;
  let source: CalibrationInputs['current']['source'] = thresholds ? 'config' : 'none';
  if (!thresholds) {
    const ranges = (await db.all(SCORE_RANGES)).map((x) => ({ rank: num(x['rank']), lo: num(x['lo']), hi: num(x['hi']) }));
    const inferred = inferThresholds(ranges, k);
    if (inferred.length === k - 1) {
      thresholds = inferred;
      source = 'log';
    }
  }
  // The trivial rule is in force when no scored request is shorter than its limit (the router skipped the classifier
  // for those); otherwise the config's rule is a what-if (as in the classifier section) and the router has none.
  const configured = policy.trivial.configured && policy.trivial.maxChars > 0 ? policy.trivial.maxChars : null;
  const trivialChars = configured !== null && num(counts?.['shorter']) === 0 ? configured : 0;
  return {
    inputs: {
      tiers: policy.tiers.map((t) => t.name),
      trivialRank: policy.tiers.find((t) => t.name === policy.trivial.tier)?.rank ?? 0,
      current: { thresholds, source, trivialChars, trivialConfigured: configured },
      costPerCallUsd: policy.classifier.costPerCallUsd,
      folds: Math.min(options.folds, Math.max(2, calibrated)),
      maxDeviation: options.maxDeviation,
      windowDays: options.windowDays,
    },
  };
}

/** The sweep, mapped; its temp tables are dropped whatever happens. */
export async function calibrate(db: Database, inputs: CalibrationInputs): Promise<Calibration> {
  try {
    return toCalibration(await runCalibration(db, inputs), inputs);
  } finally {
    await dropCalibration(db);
  }
}

/** Grid step by tier count: the candidates stay around 10⁴ per trivial option whatever the number of thresholds. */
export function gridStep(tiers: number): number {
  return tiers <= 3 ? 0.01 : tiers === 4 ? 0.025 : tiers === 5 ? 0.05 : 0.1;
}

/**
 * Pure: the thresholds the sweep tries, rising: every `step` over [0, 1] when the scores lie in it (else over the
 * scores' own range, in as many steps), plus the current thresholds so the current policy is one of the candidates.
 */
export function thresholdGrid(scores: { lo: number; hi: number }, step: number, current: readonly number[]): number[] {
  const unit = scores.lo >= 0 && scores.hi <= 1;
  const lo = unit ? 0 : scores.lo;
  const hi = unit ? 1 : scores.hi;
  const n = Math.max(1, Math.round(1 / step));
  const out = new Set<number>();
  for (let i = 0; i <= n; i++) out.add(Math.round((lo + ((hi - lo) * i) / n) * 1e6) / 1e6);
  for (const t of current) out.add(t);
  return [...out].sort((a, b) => a - b);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sum = (terms: string[]): string => (terms.length === 0 ? '0' : terms.join(' + '));

/** The calibration's temp tables and the names of their per-tier columns. */
function sweepSql(k: number, trivialRank: number) {
  const L = k - 1;
  const tiers = range(k);
  const cols = (prefix: string): string[] => tiers.map((i) => `${prefix}${i}`);
  const P = (l: number): string => (l === 0 ? 'zero' : l === k ? 'pz' : `p${l}`);
  // Cumulative value of prefix alias p at threshold index l (l = 0: −∞, nothing below; l = K: +∞, everything).
  const at = (l: number, col: string): string => (l === 0 ? '0' : `${P(l)}.${col}`);
  const calib = `
    CREATE OR REPLACE TEMP TABLE rc_calib AS
    WITH base AS (
      SELECT r.record_key, r.score, r.ideal_rank AS ideal, r.actual_rank AS actual, coalesce(r.chars, 0) AS chars,
        -- the key's top 32 bits (an md5's): UHUGEINT arithmetic is slow, a shift and a BIGINT modulo are not
        CAST(CAST(r.record_key >> 96 AS BIGINT) % CAST($folds AS BIGINT) AS INTEGER) AS fold
      FROM rc_routed r
      WHERE r.actual_rank IS NOT NULL AND NOT r.is_retry AND r.score IS NOT NULL AND r.ideal_rank IS NOT NULL
    ), scored AS (
      SELECT b.*, coalesce(g.k + 1, 0) AS sbin FROM base b ASOF LEFT JOIN rc_calib_grid g ON b.score >= g.t
    )
    SELECT s.*, coalesce(o.ci + 1, 0) AS cclass, ${tiers.map((i) => `tc.u${i} AS c${i}`).join(', ')},
      ${tiers.map((i) => `tc.u${i} IS NOT NULL`).join(' AND ')} AS priced
    FROM scored s ASOF LEFT JOIN rc_calib_triv o ON s.chars >= o.c
    -- Each request's cost on every tier as one row (rc_tier_cost has one row per request and tier): one join
    -- instead of one per tier (4.8 s -> 3.5 s on 5.6M requests, the same rows).
    LEFT JOIN (SELECT record_key, ${tiers.map((i) => `max(usd) FILTER (WHERE rank = ${i}) AS u${i}`).join(', ')}
               FROM rc_tier_cost GROUP BY record_key) tc ON tc.record_key = s.record_key`;
  const cellAgg = `count(*) AS n, ${cols('c').map((c) => `coalesce(sum(${c}), 0) AS ${c}`).join(', ')}, count(*) FILTER (WHERE NOT priced) AS unpriced`;
  const cells = `
    CREATE OR REPLACE TEMP TABLE rc_calib_cells AS
    SELECT fold, cclass, sbin, ideal, ${cellAgg} FROM rc_calib GROUP BY ALL
    UNION ALL
    SELECT -1 AS fold, cclass, sbin, ideal, ${cellAgg} FROM rc_calib GROUP BY ALL`;
  // f_i: requests of ideal tier i; s_j: their cost on tier j (all ideals); r_i: ideal-i requests' cost on tier i.
  const prefixCols = [...cols('f'), ...cols('s'), ...cols('r')];
  const prefix = `
    CREATE OR REPLACE TEMP TABLE rc_calib_prefix AS
    WITH nt AS (
      SELECT c.fold, o.ci, c.sbin,
        ${tiers.map((i) => `sum(c.n) FILTER (WHERE c.ideal = ${i}) AS f${i}`).join(', ')},
        ${tiers.map((j) => `sum(c.c${j}) AS s${j}`).join(', ')},
        ${tiers.map((i) => `sum(c.c${i}) FILTER (WHERE c.ideal = ${i}) AS r${i}`).join(', ')}
      FROM rc_calib_cells c JOIN rc_calib_triv o ON c.cclass >= o.ci + 1
      GROUP BY ALL
    ), dense AS (
      SELECT f.fold, o.ci, CAST(b.range AS INTEGER) AS k
      FROM (SELECT DISTINCT fold FROM rc_calib_cells) f CROSS JOIN rc_calib_triv o CROSS JOIN range(0, CAST($m AS BIGINT) + 1) b
    )
    SELECT d.fold, d.ci, d.k, ${prefixCols.map((c) => `coalesce(sum(n.${c}) OVER w, 0) AS ${c}`).join(', ')}
    FROM dense d LEFT JOIN nt n ON n.fold = d.fold AND n.ci = d.ci AND n.sbin = d.k
    WINDOW w AS (PARTITION BY d.fold, d.ci ORDER BY d.k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const trivial = `
    CREATE OR REPLACE TEMP TABLE rc_calib_trivial AS
    SELECT f.fold, o.ci, ${tiers.map((i) => `coalesce(sum(c.n) FILTER (WHERE c.ideal = ${i}), 0) AS tn${i}`).join(', ')},
      coalesce(sum(c.c${trivialRank}), 0) AS tcost,
      ${tiers.map((i) => `coalesce(sum(c.c${i}) FILTER (WHERE c.ideal = ${i}), 0) AS tr${i}`).join(', ')}
    FROM (SELECT DISTINCT fold FROM rc_calib_cells) f CROSS JOIN rc_calib_triv o
    LEFT JOIN rc_calib_cells c ON c.fold = f.fold AND c.cclass < o.ci + 1
    GROUP BY ALL`;
  const thresholdsIdx = range(L).map((l) => l + 1);
  const under = sum([...thresholdsIdx.map((i) => at(i, `f${i}`)), ...tiers.filter((i) => i > trivialRank).map((i) => `tv.tn${i}`)]);
  const over = sum([...range(L).map((i) => `(pz.f${i} - ${at(i + 1, `f${i}`)})`), ...tiers.filter((i) => i < trivialRank).map((i) => `tv.tn${i}`)]);
  const n = sum(tiers.flatMap((i) => [`pz.f${i}`, `tv.tn${i}`]));
  const calls = sum(tiers.map((i) => `pz.f${i}`));
  const tierCost = sum([...tiers.map((j) => `(${j + 1 === k ? `pz.s${j}` : at(j + 1, `s${j}`)} - ${at(j, `s${j}`)})`), 'tv.tcost']);
  const retryBase = sum([...thresholdsIdx.map((i) => at(i, `r${i}`)), ...tiers.filter((i) => i > trivialRank).map((i) => `tv.tr${i}`)]);
  const joins = thresholdsIdx
    .map((l) => `JOIN rc_calib_prefix p${l} ON p${l}.fold = tv.fold AND p${l}.ci = tv.ci AND p${l}.k < $m${l > 1 ? ` AND p${l}.k > p${l - 1}.k` : ''}
      JOIN rc_calib_grid g${l} ON g${l}.k = p${l}.k`)
    .join('\n      ');
  const ks = thresholdsIdx.map((l) => `p${l}.k AS k${l}, g${l}.t AS t${l}`).join(', ');
  const evalSql = `
    CREATE OR REPLACE TEMP TABLE rc_calib_eval AS
    SELECT tv.fold, tv.ci, o.c AS trivial_chars, ${ks},
      ${under} AS under_n, ${over} AS over_n, ${n} AS n, ${calls} AS calls, ${tierCost} AS tier_cost, ${retryBase} AS retry_base,
      ${thresholdsIdx.map((l) => `abs(g${l}.t - coalesce(CAST($cur${l} AS DOUBLE), g${l}.t))`).join(' + ')} AS distance
    FROM rc_calib_trivial tv
      JOIN rc_calib_triv o ON o.ci = tv.ci
      JOIN rc_calib_prefix pz ON pz.fold = tv.fold AND pz.ci = tv.ci AND pz.k = $m
      ${joins}`;
  return { calib, cells, prefix, trivial, evalSql, thresholdsIdx };
}

/** The order a selection takes: fewest errors then cheapest, or with a maximum the cheapest within it; then ties. */
function choiceOrder(maxDeviation: number | null, err: string, n: string, cost: string, ks: string[]): string {
  const ties = ['distance', 'trivial_chars', ...ks].join(', ');
  return maxDeviation === null
    ? `${err}, ${cost}, ${ties}`
    : `${err} > $max * ${n}, CASE WHEN ${err} <= $max * ${n} THEN ${cost} END, ${err}, ${cost}, ${ties}`;
}

export const CALIBRATION_TABLES = ['rc_calib', 'rc_calib_cells', 'rc_calib_prefix', 'rc_calib_trivial', 'rc_calib_eval', 'rc_calib_grid', 'rc_calib_triv'];

export async function dropCalibration(db: Database): Promise<void> {
  for (const t of CALIBRATION_TABLES) await db.run(`DROP TABLE IF EXISTS ${t}`);
}

/**
 * Runs the sweep (rc_routed and rc_tier_cost must be there) and maps its rows. Throws an InputError-like UsageError
 * the command turns into exit 2 when no request has a score or an ideal route.
 */
export interface CalibrationSweep {
  rows: Record<string, Row[]>;
  /** The thresholds tried, rising, and the trivial-rule limits. */
  grid: number[];
  options: number[];
}

export async function runCalibration(db: Database, inputs: CalibrationInputs): Promise<CalibrationSweep> {
  const k = inputs.tiers.length;
  const span = await db.one(
    `SELECT min(score) AS lo, max(score) AS hi FROM rc_routed WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NOT NULL AND ideal_rank IS NOT NULL`,
  );
  const current = inputs.current.thresholds ?? [];
  const grid = thresholdGrid({ lo: num(span?.['lo']), hi: num(span?.['hi']) }, gridStep(k), current);
  const options = [...new Set([...TRIVIAL_CHAR_OPTIONS, inputs.current.trivialChars])].sort((a, b) => a - b);
  await db.run(`CREATE OR REPLACE TEMP TABLE rc_calib_grid (k INTEGER, t DOUBLE); CREATE OR REPLACE TEMP TABLE rc_calib_triv (ci INTEGER, c INTEGER)`);
  await db.run(`INSERT INTO rc_calib_grid SELECT CAST(i - 1 AS INTEGER), CAST(t AS DOUBLE) FROM unnest(CAST($grid AS DOUBLE[])) WITH ORDINALITY AS x(t, i)`, {
    grid: JSON.stringify(grid),
  });
  await db.run(`INSERT INTO rc_calib_triv SELECT CAST(i - 1 AS INTEGER), CAST(c AS INTEGER) FROM unnest(CAST($opts AS INTEGER[])) WITH ORDINALITY AS x(c, i)`, {
    opts: JSON.stringify(options),
  });
  const sql = sweepSql(k, inputs.trivialRank);
  const m = grid.length;
  const params: Record<string, number | null> = {
    rate: 0,
    folds: inputs.folds,
    m,
    max: inputs.maxDeviation,
    cpc: inputs.costPerCallUsd,
    cur_c: inputs.current.trivialChars,
  };
  sql.thresholdsIdx.forEach((l) => (params[`cur${l}`] = current[l - 1] ?? null));
  for (const statement of [sql.calib, sql.cells, sql.prefix, sql.trivial, sql.evalSql]) await db.run(statement, paramsUsedBy(statement, params));

  const ks = sql.thresholdsIdx.map((l) => `k${l}`);
  const ts = sql.thresholdsIdx.map((l) => `t${l}`);
  // The retry rate of the window as served: retries per under-routed first call. With ideal routes on a sample only,
  // the under-routed first calls are the sample's, scaled to all first calls (as the deviation's estimate is).
  params['rate'] =
    (await db.scalar(`SELECT CAST(count(*) FILTER (WHERE is_retry) AS DOUBLE)
       / nullif(count(*) FILTER (WHERE NOT is_retry AND ideal_rank > actual_rank) * count(*) FILTER (WHERE NOT is_retry)
                / nullif(count(*) FILTER (WHERE NOT is_retry AND ideal_rank IS NOT NULL), 0), 0)
     FROM rc_routed WHERE actual_rank IS NOT NULL`)) ?? 0;
  const cost = `(tier_cost + calls * $cpc + $rate * retry_base)`;
  const currentIdx = current.map((t) => grid.indexOf(t));
  const curCi = options.indexOf(inputs.current.trivialChars);
  const queries: Record<string, string> = {
    totals: `
      SELECT count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry) AS first_calls,
        count(*) FILTER (WHERE actual_rank IS NOT NULL AND is_retry) AS retries,
        count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NULL) AS no_score,
        count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NOT NULL AND ideal_rank IS NULL) AS no_ideal,
        count(*) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NOT NULL) AS scored,
        list(DISTINCT ideal_source) FILTER (WHERE actual_rank IS NOT NULL AND NOT is_retry AND score IS NOT NULL AND ideal_rank IS NOT NULL) AS sources,
        CAST($rate AS DOUBLE) AS retry_rate,
        (SELECT count(*) FILTER (WHERE NOT priced) FROM rc_calib) AS unpriced,
        (SELECT count(*) FROM rc_calib_eval WHERE fold = -1) AS candidates
      FROM rc_routed`,
    // The served routing of the calibrated requests, and how many the current thresholds reproduce.
    served: `
      SELECT count(*) AS n, count(*) FILTER (WHERE actual > ideal) AS over_n, count(*) FILTER (WHERE actual < ideal) AS under_n,
        ${current.length === k - 1 ? `count(*) FILTER (WHERE (CASE WHEN chars < $cur_c THEN ${inputs.trivialRank} ELSE ${current.map((_, i) => `CAST(score >= $cur${i + 1} AS INTEGER)`).join(' + ')} END) = actual)` : 'NULL'} AS agree,
        ${range(k).map((i) => `coalesce(sum(c${i}) FILTER (WHERE actual = ${i}), 0)`).join(' + ')} AS tier_cost,
        count(*) AS calls,
        ${range(k).map((i) => `coalesce(sum(c${i}) FILTER (WHERE ideal = ${i} AND actual < ideal), 0)`).join(' + ')} AS retry_base
      FROM rc_calib`,
    baselines: `
      SELECT count(*) AS n, ${range(k).map((i) => `count(*) FILTER (WHERE ideal = ${i}) AS n${i}, coalesce(sum(c${i}), 0) AS s${i}, coalesce(sum(c${i}) FILTER (WHERE ideal = ${i}), 0) AS r${i}`).join(', ')}
      FROM rc_calib`,
    current: `
      SELECT *, ${cost} AS cost FROM rc_calib_eval
      WHERE fold = -1 AND ci = ${curCi}${current.length === k - 1 ? ks.map((kk, i) => ` AND ${kk} = ${currentIdx[i]}`).join('') : ' AND false'}`,
    recommended: `
      SELECT *, ${cost} AS cost FROM rc_calib_eval WHERE fold = -1
      ORDER BY ${choiceOrder(inputs.maxDeviation, '(over_n + under_n)', 'n', cost, ks)} LIMIT 1`,
    folds: `
      WITH a AS (SELECT *, ${cost} AS cost FROM rc_calib_eval WHERE fold = -1),
      f AS (SELECT *, ${cost} AS cost FROM rc_calib_eval WHERE fold >= 0),
      train AS (
        SELECT f.fold, f.ci, f.trivial_chars, ${ks.map((x) => `f.${x}`).join(', ')}, ${ts.map((x) => `f.${x}`).join(', ')}, f.distance,
          a.n - f.n AS n, (a.over_n + a.under_n) - (f.over_n + f.under_n) AS err, a.cost - f.cost AS cost,
          f.n AS test_n, f.over_n AS test_over, f.under_n AS test_under
        FROM f JOIN a ON a.ci = f.ci AND ${ks.map((x) => `a.${x} = f.${x}`).join(' AND ')}
      )
      SELECT * FROM train
      QUALIFY row_number() OVER (PARTITION BY fold ORDER BY ${choiceOrder(inputs.maxDeviation, 'err', 'n', 'cost', ks)}) = 1
      ORDER BY fold`,
    frontier: `
      WITH a AS (SELECT *, over_n + under_n AS err, ${cost} AS cost FROM rc_calib_eval WHERE fold = -1),
      o AS (
        SELECT *, min(err) OVER (ORDER BY cost, err, distance, trivial_chars, ${ks.join(', ')} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS best_before
        FROM a
      )
      SELECT * FROM o WHERE best_before IS NULL OR err < best_before ORDER BY cost, err`,
  };
  const rows: Record<string, Row[]> = {};
  for (const [name, q] of Object.entries(queries)) rows[name] = await db.all(q, paramsUsedBy(q, params));
  return { rows, grid, options };
}

/** Pure mapper: the sweep's rows → the calibration. */
export function toCalibration(sweep: CalibrationSweep, inputs: CalibrationInputs): Calibration {
  const { rows } = sweep;
  const k = inputs.tiers.length;
  const t = rows['totals']?.[0] ?? {};
  const requests = num(rows['served']?.[0]?.['n']);
  const scored = num(t['scored']);
  const estimate = requests > 0 && requests < scored;
  const scale = estimate ? scored / requests : 1;
  const retryRate = num(t['retry_rate']);
  const monthly = (windowUsd: number | null): number | null => perMonth(windowUsd === null ? null : windowUsd * scale, inputs.windowDays);
  const thresholdsOf = (r: Row): number[] => range(k - 1).map((l) => num(r[`t${l + 1}`]));
  const policy = (r: Row, over: number, under: number, n: number, costUsd: number | null, thresholds = thresholdsOf(r), chars = num(r['trivial_chars'])): CalibrationPolicy => ({
    thresholds,
    trivial_chars: chars,
    deviation: n > 0 ? (over + under) / n : 0,
    over_rate: n > 0 ? over / n : 0,
    under_rate: n > 0 ? under / n : 0,
    ci95: wilson(over + under, n),
    monthly_cost_usd: monthly(costUsd),
  });
  const fromEval = (r: Row): CalibrationPolicy => policy(r, num(r['over_n']), num(r['under_n']), num(r['n']), numOrNull(r['cost']));

  const served = rows['served']?.[0] ?? {};
  const currentRow = rows['current']?.[0];
  const cpc = inputs.costPerCallUsd;
  const servedCost = num(served['tier_cost']) + num(served['calls']) * cpc + retryRate * num(served['retry_base']);
  const current: Calibration['current'] = currentRow
    ? {
        ...fromEval(currentRow),
        source: inputs.current.source,
        agreement: requests > 0 && served['agree'] !== null ? num(served['agree']) / requests : null,
        trivial_configured: inputs.current.trivialConfigured,
      }
    : {
        ...policy({}, num(served['over_n']), num(served['under_n']), requests, servedCost, [], inputs.current.trivialChars),
        source: 'none',
        agreement: null,
        trivial_configured: inputs.current.trivialConfigured,
      };

  let heldN = 0;
  let heldOver = 0;
  let heldUnder = 0;
  const folds: CalibrationFold[] = (rows['folds'] ?? []).map((r) => {
    const n = num(r['test_n']);
    const over = num(r['test_over']);
    const under = num(r['test_under']);
    heldN += n;
    heldOver += over;
    heldUnder += under;
    return {
      fold: num(r['fold']),
      requests: n,
      thresholds: thresholdsOf(r),
      trivial_chars: num(r['trivial_chars']),
      train_deviation: num(r['n']) > 0 ? num(r['err']) / num(r['n']) : 0,
      deviation: n > 0 ? (over + under) / n : 0,
      over_rate: n > 0 ? over / n : 0,
      under_rate: n > 0 ? under / n : 0,
    };
  });
  const rec = rows['recommended']?.[0] ?? {};
  const inSample = fromEval(rec);
  const withinMax = inputs.maxDeviation === null ? null : inSample.deviation <= inputs.maxDeviation + 1e-12;
  const recommended: Calibration['recommended'] = {
    ...inSample,
    ...(heldN > 0
      ? { deviation: (heldOver + heldUnder) / heldN, over_rate: heldOver / heldN, under_rate: heldUnder / heldN, ci95: wilson(heldOver + heldUnder, heldN) }
      : {}),
    rule: inputs.maxDeviation === null ? 'min_deviation' : 'max_deviation',
    max_deviation: inputs.maxDeviation,
    within_max: withinMax,
    in_sample_deviation: inSample.deviation,
  };

  const b = rows['baselines']?.[0] ?? {};
  const n = num(b['n']);
  const baselines: CalibrationBaseline[] = range(k).map((j) => {
    const over = range(j).reduce((s, i) => s + num(b[`n${i}`]), 0);
    const under = range(k).filter((i) => i > j).reduce((s, i) => s + num(b[`n${i}`]), 0);
    const retry = range(k).filter((i) => i > j).reduce((s, i) => s + num(b[`r${i}`]), 0);
    return { name: `all on ${inputs.tiers[j]}`, policy: 'single_tier' as const, ...policy({}, over, under, n, num(b[`s${j}`]) + retryRate * retry, [], 0) };
  });
  const idealCost = range(k).reduce((s, i) => s + num(b[`r${i}`]), 0) + n * cpc;
  baselines.push({ name: 'ideal routing', policy: 'ideal', ...policy({}, 0, 0, n, idealCost, [], 0) });

  const sources = ((t['sources'] as unknown[] | null) ?? []).map(String);
  return {
    tiers: inputs.tiers,
    trivial_tier: inputs.tiers[inputs.trivialRank]!,
    requests,
    first_calls: num(t['first_calls']),
    left_out: { retries: num(t['retries']), no_score: num(t['no_score']), no_ideal: num(t['no_ideal']) },
    ideal_source: sources.length === 0 ? null : sources.length === 1 ? (sources[0] as 'record' | 'labels' | 'replay') : 'mixed',
    estimate,
    unpriced: num(t['unpriced']),
    window_days: inputs.windowDays,
    cost_per_call_usd: cpc,
    retry_rate: retryRate,
    current,
    recommended,
    frontier: (rows['frontier'] ?? []).map(fromEval),
    baselines,
    folds,
    sweep: { thresholds: sweep.grid.length, trivial_chars: sweep.options, candidates: num(t['candidates']), step: gridStep(k) },
  };
}
