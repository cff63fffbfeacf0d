import type { Row } from '../db/database.js';
import type { LabelsLoad } from '../routing/labels.js';
import { repriced } from '../routing/prepare.js';
import { iso, num, numOrNull, type Analysis } from './runner.js';
import { dayLabel } from './weeks.js';
import { MONTH_DAYS, wilson } from '../stats.js';
import { plural } from '../words.js';

/**
 * Routing deviation (failure mode #1 of the post-mortem, its health check #1):
 *   deviation_rate = requests where actual tier ≠ ideal tier / requests with an ideal tier
 * split into over-routing (served on a dearer tier than needed: money) and under-routing (a cheaper tier than
 * needed: poor answers and retries), with a Wilson 95% interval, by week, input length and served model, the tier
 * confusion matrix, retries, the money both cost, and the worst requests in the post-mortem's own log layout.
 *
 * Reads rc_routed and rc_tier_price (routing/prepare.ts); every query aggregates in DuckDB.
 */

/** Input length buckets (characters), short to long. */
export const LENGTH_BUCKETS: readonly { label: string; below: number | null }[] = [
  { label: '<10', below: 10 },
  { label: '10-29', below: 30 },
  { label: '30-99', below: 100 },
  { label: '100-499', below: 500 },
  { label: '500+', below: null },
];

/** Health check #1's target, and the post-mortem's "best teams hover around 3-8%". */
export const DEVIATION_TARGET = 0.05;
/** Short inputs over-routed at this multiple of the rest's rate: the brevity shortcut. */
export const BREVITY_RATIO = 2;
/** Fewer evaluated short (or other) requests than this say nothing either way. */
export const BREVITY_MIN_REQUESTS = 30;
/** Examples of each kind (dearest over-routed, most disproportionate over-routed, dearest under-routed). */
export const EXAMPLES_EACH = 2;

export type IdealSourceName = 'record' | 'labels' | 'replay';

export interface DeviationWeek {
  week: string;
  /** Whether the week has requests inside the report window (the series covers the trend weeks). */
  in_window: boolean;
  evaluated: number;
  rate: number | null;
  /** The week's own 95% Wilson interval of `rate`; null when nothing was evaluated. */
  ci95: [number, number] | null;
  over_rate: number | null;
  under_rate: number | null;
  excess_cost_usd: number | null;
  retries: number;
  retry_cost_usd: number;
}

export interface DeviationBucket {
  bucket: string;
  requests: number;
  evaluated: number;
  over_rate: number | null;
  under_rate: number | null;
}

export interface DeviationModel {
  model: string;
  evaluated: number;
  over_rate: number | null;
  under_rate: number | null;
}

export interface DeviationExample {
  ts: string | null;
  request_id: string | null;
  input: string | null;
  route: string | null;
  score: number | null;
  model: string | null;
  should_be: string | null;
  actual_tier: string;
  ideal_tier: string;
  direction: 'over' | 'under';
  cost_usd: number | null;
  excess_cost_usd: number | null;
  /** The post-mortem's log layout: `ts | user_input | classifier_output (confidence) | routed_to | should_be`. */
  line: string;
}

export interface Finding {
  id: string;
  severity: 'warning' | 'info';
  message: string;
}

export interface TierPrice {
  tier: string;
  /** USD per million tokens, as the calls' costs (logged, else list price) imply over the window. */
  input_per_mtok: number;
  output_per_mtok: number;
  method: 'fit' | 'median';
  calls: number;
}

export interface Deviation {
  /** False when no request has an ideal route; retries (which need no labels) are still counted. */
  available: boolean;
  reason?: string;
  /** Where the ideal routes came from: one source, or `mixed` (see sources). */
  source: IdealSourceName | 'mixed' | null;
  sources: Record<IdealSourceName, number>;
  tiers: string[];
  tiers_source: 'config' | 'log' | 'none';
  /** Requests in the window on a model (or route) that maps to a tier. */
  routed: number;
  evaluated: number;
  /** True when only a sample of the routed requests has an ideal route: the rates estimate all traffic. */
  estimate: boolean;
  over_routed: number;
  under_routed: number;
  rate: number | null;
  ci95: [number, number] | null;
  over_rate: number | null;
  under_rate: number | null;
  over_ci95: [number, number] | null;
  under_ci95: [number, number] | null;
  by_week: DeviationWeek[];
  by_length: DeviationBucket[];
  by_model: DeviationModel[];
  confusion: { actual_tier: string; ideal_tier: string; count: number }[];
  retries: { count: number; linked: number; detected: number; cost_usd: number; without_cost: number; window_minutes: number };
  /** Over-routed requests' cost above the same tokens at the ideal tier's price (prices fitted to the costs). */
  excess_cost_usd: number | null;
  /**
   * `evaluated`: the excess of the requests that have an ideal route. `estimate`: only a sample has one, and its
   * excess is scaled to all routed requests (routed ÷ evaluated, per week for by_week): an estimate that assumes the
   * sample is random. The sample's own excess is excess_sample_usd.
   */
  excess_scope: 'evaluated' | 'estimate';
  excess_sample_usd: number | null;
  /** Over-routed requests whose excess could not be priced (cost unknown, or a tier with no priced calls). */
  excess_unpriced: number;
  retry_cost_usd: number;
  /** Per 30-day month at the daily rate of the window's last 7 days; null with less than a day of data. */
  monthly_projection: { excess_cost_usd: number | null; retry_cost_usd: number | null; basis_days: number } | null;
  pricing: { method: 'log'; note: string; tiers: TierPrice[] };
  unmapped_models: { model: string; requests: number }[];
  unmapped_ideals: { label: string; requests: number }[];
  short: { max_chars: number; evaluated: number; over_rate: number | null; rest_over_rate: number | null };
  examples: DeviationExample[];
  findings: Finding[];
  /** One sentence on what the rate stands for (all traffic, or an estimate from a sample, with its interval). */
  note: string;
  /** The --labels file's load: rows used, bad rows by reason. Null without --labels. */
  labels: LabelsLoad | null;
  /** Whether a classifier replay (--classifier) ran before this section and gave ideal routes. */
  replay_available: boolean;
}

export interface DeviationInputs {
  tiers: string[];
  tiersSource: 'config' | 'log' | 'none';
  shortChars: number;
  retryWindowMs: number;
  trivialTier: string | null;
}

const bucketCase = (column: string): string =>
  `CASE ${LENGTH_BUCKETS.filter((b) => b.below !== null).map((b) => `WHEN ${column} < ${b.below} THEN '${b.label}'`).join(' ')} ELSE '${LENGTH_BUCKETS[LENGTH_BUCKETS.length - 1]!.label}' END`;

const over = `r.ideal_rank < r.actual_rank`;
const under = `r.ideal_rank > r.actual_rank`;
const evaluated = `r.ideal_rank IS NOT NULL AND r.actual_rank IS NOT NULL`;
const excess = repriced('r.ideal_rank');
/** Per-request excess (over-routed only) and cost flags; every money query reads this. */
const money = (table: string): string => `(SELECT r.*, CASE WHEN ${over} THEN r.cost - (${excess.expr}) END AS excess
  FROM ${table} r ${excess.joins})`;
const MONEY = money('rc_routed');
const LAST_DAYS = `(SELECT max(ts) - INTERVAL 7 DAY FROM rc_routed)`;

export function deviationAnalysis(inputs: DeviationInputs): Analysis<Deviation> {
  return {
    name: 'deviation',
    queries: {
      totals: `
        SELECT count(*) FILTER (WHERE r.actual_rank IS NOT NULL) AS routed,
          count(*) FILTER (WHERE ${evaluated}) AS evaluated,
          count(*) FILTER (WHERE ${evaluated} AND ${over}) AS over_routed,
          count(*) FILTER (WHERE ${evaluated} AND ${under}) AS under_routed,
          count(*) FILTER (WHERE ${evaluated} AND r.ideal_source = 'record') AS src_record,
          count(*) FILTER (WHERE ${evaluated} AND r.ideal_source = 'labels') AS src_labels,
          count(*) FILTER (WHERE ${evaluated} AND r.ideal_source = 'replay') AS src_replay,
          sum(r.excess) FILTER (WHERE ${evaluated} AND ${over}) AS excess,
          count(*) FILTER (WHERE ${evaluated} AND ${over} AND r.excess IS NULL) AS excess_unpriced,
          count(*) FILTER (WHERE r.is_retry) AS retries,
          count(*) FILTER (WHERE r.is_retry AND r.says_retry) AS retries_linked,
          coalesce(sum(r.cost) FILTER (WHERE r.is_retry), 0) AS retry_cost,
          count(*) FILTER (WHERE r.is_retry AND r.cost IS NULL) AS retry_without_cost,
          count(*) FILTER (WHERE r.actual_rank IS NOT NULL AND r.ts > ${LAST_DAYS}) AS routed_last,
          count(*) FILTER (WHERE ${evaluated} AND r.ts > ${LAST_DAYS}) AS evaluated_last,
          sum(r.excess) FILTER (WHERE ${evaluated} AND ${over} AND r.ts > ${LAST_DAYS}) AS excess_last,
          count(*) FILTER (WHERE ${evaluated} AND ${over} AND r.ts > ${LAST_DAYS} AND r.excess IS NULL) AS excess_last_unpriced,
          coalesce(sum(r.cost) FILTER (WHERE r.is_retry AND r.ts > ${LAST_DAYS}), 0) AS retry_cost_last,
          least(7.0, epoch(max(r.ts) - min(r.ts)) / 86400.0) AS basis_days
        FROM ${MONEY} r`,
      // By week over the trend weeks (rc_routed_all), so the series reaches back past a one-week window.
      weeks: `
        SELECT r.week, count(*) FILTER (WHERE r.actual_rank IS NOT NULL) AS routed, count(*) FILTER (WHERE ${evaluated}) AS evaluated,
          count(*) FILTER (WHERE ${evaluated} AND ${over}) AS over_routed,
          count(*) FILTER (WHERE ${evaluated} AND ${under}) AS under_routed,
          coalesce(sum(r.excess) FILTER (WHERE ${evaluated} AND ${over}), 0) AS excess,
          count(*) FILTER (WHERE ${evaluated} AND ${over} AND r.excess IS NULL) AS excess_unpriced,
          count(*) FILTER (WHERE r.is_retry) AS retries,
          coalesce(sum(r.cost) FILTER (WHERE r.is_retry), 0) AS retry_cost
        FROM ${money('rc_routed_all')} r GROUP BY r.week ORDER BY r.week`,
      lengths: `
        SELECT ${bucketCase('r.chars')} AS bucket, count(*) AS requests, count(*) FILTER (WHERE ${evaluated}) AS evaluated,
          count(*) FILTER (WHERE ${evaluated} AND ${over}) AS over_routed,
          count(*) FILTER (WHERE ${evaluated} AND ${under}) AS under_routed
        FROM rc_routed r WHERE r.chars IS NOT NULL GROUP BY bucket`,
      short: `
        SELECT r.chars < $short_chars AS short, count(*) AS evaluated, count(*) FILTER (WHERE ${over}) AS over_routed
        FROM rc_routed r WHERE ${evaluated} AND r.chars IS NOT NULL GROUP BY short`,
      models: `
        SELECT r.model, count(*) AS evaluated, count(*) FILTER (WHERE ${over}) AS over_routed,
          count(*) FILTER (WHERE ${under}) AS under_routed
        FROM rc_routed r WHERE ${evaluated} GROUP BY r.model ORDER BY evaluated DESC, r.model LIMIT 20`,
      confusion: `
        SELECT r.actual_rank, r.ideal_rank, count(*) AS n FROM rc_routed r WHERE ${evaluated}
        GROUP BY ALL ORDER BY r.actual_rank, r.ideal_rank`,
      unmapped_models: `
        SELECT r.model, count(*) AS n FROM rc_routed r WHERE r.actual_rank IS NULL AND r.model IS NOT NULL
        GROUP BY r.model ORDER BY n DESC, r.model LIMIT 10`,
      unmapped_ideals: `
        SELECT r.ideal_label AS label, count(*) AS n FROM rc_routed r WHERE r.ideal_rank IS NULL AND r.ideal_label IS NOT NULL
        GROUP BY label ORDER BY n DESC, label LIMIT 10`,
      prices: `SELECT rank, n, method, usd_in, usd_out FROM rc_tier_price WHERE week IS NULL ORDER BY rank`,
      // The dearest over-routings, the most disproportionate ones (a dear tier for a "thanks": the post-mortem's
      // 5× example), and the dearest under-routings.
      examples: `
        WITH o AS (
          SELECT r.record_key, r.ts, r.actual_rank, r.ideal_rank, r.ideal_label, r.cost, r.excess,
            r.cost / nullif(r.cost - r.excess, 0) AS times
          FROM ${MONEY} r WHERE ${evaluated} AND ${over}
        ), worst AS (
          ((SELECT * EXCLUDE (times) FROM o ORDER BY actual_rank - ideal_rank DESC, excess DESC NULLS LAST, ts, record_key LIMIT ${EXAMPLES_EACH})
           UNION
           (SELECT * EXCLUDE (times) FROM o ORDER BY actual_rank - ideal_rank DESC, times DESC NULLS LAST, excess DESC, ts, record_key LIMIT ${EXAMPLES_EACH - 1}))
          UNION ALL
          (SELECT r.record_key, r.ts, r.actual_rank, r.ideal_rank, r.ideal_label, r.cost, NULL
           FROM rc_routed r WHERE ${evaluated} AND ${under}
           ORDER BY r.ideal_rank - r.actual_rank DESC, r.cost DESC NULLS LAST, r.ts, r.record_key LIMIT ${EXAMPLES_EACH})
        )
        SELECT q.ts, q.request_id, q.input, q.route, q.score, q.model, w.ideal_label,
          w.actual_rank, w.ideal_rank, w.cost, w.excess
        FROM worst w JOIN requests q ON q.record_key = w.record_key
        ORDER BY w.actual_rank < w.ideal_rank, abs(w.actual_rank - w.ideal_rank) DESC, w.excess DESC NULLS LAST, w.cost DESC NULLS LAST, q.ts`,
    },
    toResult: (rows) => toDeviation(rows, inputs),
  };
}

/** Bound parameters of the deviation queries. */
export function deviationParams(inputs: DeviationInputs): Record<string, number> {
  return { short_chars: inputs.shortChars };
}

const ratio = (k: number, n: number): number | null => (n > 0 ? k / n : null);

/** Pure mapper from the query rows. */
export function toDeviation(rows: Record<string, Row[]>, inputs: DeviationInputs): Deviation {
  const t = rows['totals']?.[0] ?? {};
  const tierName = (rank: unknown): string => inputs.tiers[num(rank)] ?? `tier ${num(rank)}`;
  const evaluatedN = num(t['evaluated']);
  const overN = num(t['over_routed']);
  const underN = num(t['under_routed']);
  const routed = num(t['routed']);
  const sources: Record<IdealSourceName, number> = {
    record: num(t['src_record']),
    labels: num(t['src_labels']),
    replay: num(t['src_replay']),
  };
  const used = (Object.keys(sources) as IdealSourceName[]).filter((k) => sources[k] > 0);
  const source = used.length === 0 ? null : used.length === 1 ? used[0]! : 'mixed';

  const short = { max_chars: inputs.shortChars, evaluated: 0, over_rate: null as number | null, rest_over_rate: null as number | null };
  let restEvaluated = 0;
  for (const r of rows['short'] ?? []) {
    if (r['short'] === true) {
      short.evaluated = num(r['evaluated']);
      short.over_rate = ratio(num(r['over_routed']), num(r['evaluated']));
    } else if (r['short'] === false) {
      restEvaluated = num(r['evaluated']);
      short.rest_over_rate = ratio(num(r['over_routed']), num(r['evaluated']));
    }
  }

  const lengthRows = new Map((rows['lengths'] ?? []).map((r) => [String(r['bucket']), r]));
  const by_length = LENGTH_BUCKETS.flatMap(({ label }) => {
    const r = lengthRows.get(label);
    if (!r) return [];
    const n = num(r['evaluated']);
    return [{ bucket: label, requests: num(r['requests']), evaluated: n, over_rate: ratio(num(r['over_routed']), n), under_rate: ratio(num(r['under_routed']), n) }];
  });

  const retries = {
    count: num(t['retries']),
    linked: num(t['retries_linked']),
    detected: num(t['retries']) - num(t['retries_linked']),
    cost_usd: num(t['retry_cost']),
    without_cost: num(t['retry_without_cost']),
    window_minutes: inputs.retryWindowMs / 60_000,
  };
  const excessUnpriced = num(t['excess_unpriced']);
  // A labelled sample's excess stands for all routed traffic in proportion (a random sample's estimate).
  const scale = (routedN: number, evaluatedN_: number): number => (evaluatedN_ > 0 ? routedN / evaluatedN_ : 0);
  const estimate = evaluatedN > 0 && evaluatedN < routed;
  const sampleExcess = overN === 0 ? 0 : excessUnpriced === overN ? null : num(t['excess']);
  const excess = sampleExcess === null ? null : sampleExcess * (estimate ? scale(routed, evaluatedN) : 1);
  const lastScale = estimate ? scale(num(t['routed_last']), num(t['evaluated_last'])) : 1;
  const basisDays = numOrNull(t['basis_days']);
  const monthly =
    basisDays !== null && basisDays >= 1
      ? {
          excess_cost_usd: num(t['excess_last_unpriced']) > 0 && t['excess_last'] === null ? null : ((num(t['excess_last']) * lastScale) / basisDays) * MONTH_DAYS,
          retry_cost_usd: (num(t['retry_cost_last']) / basisDays) * MONTH_DAYS,
          basis_days: round(basisDays, 2),
        }
      : null;

  const result: Deviation = {
    available: evaluatedN > 0,
    source,
    sources,
    tiers: inputs.tiers,
    tiers_source: inputs.tiersSource,
    routed,
    evaluated: evaluatedN,
    estimate,
    over_routed: overN,
    under_routed: underN,
    rate: ratio(overN + underN, evaluatedN),
    ci95: evaluatedN > 0 ? wilson(overN + underN, evaluatedN) : null,
    over_rate: ratio(overN, evaluatedN),
    under_rate: ratio(underN, evaluatedN),
    over_ci95: evaluatedN > 0 ? wilson(overN, evaluatedN) : null,
    under_ci95: evaluatedN > 0 ? wilson(underN, evaluatedN) : null,
    by_week: (rows['weeks'] ?? []).map((r) => {
      const n = num(r['evaluated']);
      return {
        week: dayLabel(r['week']),
        // The section marks the weeks that overlap the window (weekOverlaps, the one rule for that).
        in_window: true,
        evaluated: n,
        rate: ratio(num(r['over_routed']) + num(r['under_routed']), n),
        // Each week's 95% interval from its own sample: wide when few requests have an ideal route (a label sample).
        ci95: n > 0 ? wilson(num(r['over_routed']) + num(r['under_routed']), n) : null,
        over_rate: ratio(num(r['over_routed']), n),
        under_rate: ratio(num(r['under_routed']), n),
        // Unknown (null) when nothing was evaluated or every over-routed request of the week is unpriced, never $0.
        excess_cost_usd:
          n === 0 || (num(r['over_routed']) > 0 && num(r['excess_unpriced']) === num(r['over_routed']))
            ? null
            : num(r['excess']) * (estimate ? scale(num(r['routed']), n) : 1),
        retries: num(r['retries']),
        retry_cost_usd: num(r['retry_cost']),
      };
    }),
    by_length,
    by_model: (rows['models'] ?? []).map((r) => ({
      model: String(r['model'] ?? '(none)'),
      evaluated: num(r['evaluated']),
      over_rate: ratio(num(r['over_routed']), num(r['evaluated'])),
      under_rate: ratio(num(r['under_routed']), num(r['evaluated'])),
    })),
    confusion: (rows['confusion'] ?? []).map((r) => ({ actual_tier: tierName(r['actual_rank']), ideal_tier: tierName(r['ideal_rank']), count: num(r['n']) })),
    retries,
    excess_cost_usd: excess,
    excess_scope: estimate ? 'estimate' : 'evaluated',
    excess_sample_usd: estimate ? sampleExcess : null,
    excess_unpriced: excessUnpriced,
    retry_cost_usd: retries.cost_usd,
    monthly_projection: monthly,
    pricing: {
      method: 'log',
      note:
        "excess = cost × (ideal tier's price ÷ served tier's price) for the request's own input and output tokens; " +
        "each tier's per-token prices are fitted to its calls' costs in the same week (median cost per token where a fit is not possible); " +
        'a cost is the logged one, else list price × tokens, as in spend',
      tiers: (rows['prices'] ?? []).map((r) => ({
        tier: tierName(r['rank']),
        input_per_mtok: round(num(r['usd_in']) * 1e6, 4),
        output_per_mtok: round(num(r['usd_out']) * 1e6, 4),
        method: r['method'] === 'fit' ? 'fit' : 'median',
        calls: num(r['n']),
      })),
    },
    unmapped_models: (rows['unmapped_models'] ?? []).map((r) => ({ model: String(r['model']), requests: num(r['n']) })),
    unmapped_ideals: (rows['unmapped_ideals'] ?? []).map((r) => ({ label: String(r['label']), requests: num(r['n']) })),
    short,
    examples: (rows['examples'] ?? []).map((r) => toExample(r, tierName)),
    findings: [],
    note: '',
    labels: null,
    replay_available: false,
  };
  if (!result.available) {
    result.reason =
      inputs.tiers.length === 0
        ? 'no routing tiers: add "tiers" to the config (cheap → expensive, with their models)'
        : 'no ideal route for any request: records carry no `ideal`, and neither --labels FILE nor a classifier replay (--classifier) gave one';
  }
  result.findings = deviationFindings(result, restEvaluated, inputs);
  result.note = deviationNote(result);
  return result;
}

const SOURCE_TEXT: Record<IdealSourceName | 'mixed', string> = {
  record: "the records' own ideal route (`ideal` / `should_be`)",
  labels: 'the --labels file',
  replay: 'the classifier replay',
  mixed: 'several sources (records, then --labels, then the replay)',
};

function deviationNote(d: Deviation): string {
  if (!d.available || d.source === null || d.rate === null || d.ci95 === null) return d.reason ?? '';
  const p = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const n = d.evaluated.toLocaleString('en-US');
  if (d.estimate) {
    return (
      `ideal routes from ${SOURCE_TEXT[d.source]} cover ${n} of ${d.routed.toLocaleString('en-US')} routed requests ` +
      `(${p(d.evaluated / d.routed)}): the rate is an estimate for all traffic, ${p(d.rate)} (95% CI ${p(d.ci95[0])}–${p(d.ci95[1])})`
    );
  }
  return `ideal routes from ${SOURCE_TEXT[d.source]} for all ${n} routed requests`;
}


function toExample(r: Row, tierName: (rank: unknown) => string): DeviationExample {
  const actual = num(r['actual_rank']);
  const ideal = num(r['ideal_rank']);
  const e: Omit<DeviationExample, 'line'> = {
    ts: iso(r['ts']),
    request_id: r['request_id'] === null ? null : String(r['request_id']),
    input: r['input'] === null ? null : String(r['input']),
    route: r['route'] === null ? null : String(r['route']),
    score: numOrNull(r['score']),
    model: r['model'] === null ? null : String(r['model']),
    should_be: r['ideal_label'] === null ? null : String(r['ideal_label']),
    actual_tier: tierName(actual),
    ideal_tier: tierName(ideal),
    direction: ideal < actual ? 'over' : 'under',
    cost_usd: numOrNull(r['cost']),
    excess_cost_usd: numOrNull(r['excess']),
  };
  return { ...e, line: seedLogLine(e) };
}

/** `2025-01-15 14:23:07 | user_input: "OK, got it, thanks" | classifier_output: medium_complexity (confidence: 0.78) | routed_to: … | should_be: …` */
export function seedLogLine(e: Pick<DeviationExample, 'ts' | 'input' | 'route' | 'score' | 'model' | 'should_be' | 'actual_tier' | 'ideal_tier'>): string {
  const ts = e.ts ? e.ts.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '-';
  const output = `${e.route ?? e.actual_tier}${e.score !== null ? ` (confidence: ${e.score})` : ''}`;
  return [
    ts,
    `user_input: ${JSON.stringify(e.input ?? '')}`,
    `classifier_output: ${output}`,
    `routed_to: ${e.model ?? e.actual_tier}`,
    `should_be: ${e.should_be ?? e.ideal_tier}`,
  ].join(' | ');
}

function deviationFindings(d: Deviation, restEvaluated: number, inputs: DeviationInputs): Finding[] {
  const out: Finding[] = [];
  const p = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  if (d.available && d.rate !== null && d.rate > DEVIATION_TARGET) {
    out.push({
      id: 'deviation_above_target',
      severity: 'warning',
      message:
        `${p(d.rate)} of requests were routed off their ideal tier (${p(d.over_rate)} over, ${p(d.under_rate)} under)` +
        `${d.estimate && d.ci95 ? `, 95% CI ${p(d.ci95[0])}–${p(d.ci95[1])}` : ''}; the target is under 5% (good routers run 3–8%)`,
    });
  }
  const s = d.short;
  if (
    s.over_rate !== null && s.rest_over_rate !== null && s.evaluated >= BREVITY_MIN_REQUESTS && restEvaluated >= BREVITY_MIN_REQUESTS &&
    s.over_rate > 0 && s.over_rate >= BREVITY_RATIO * s.rest_over_rate
  ) {
    const times = s.rest_over_rate > 0 ? `${(s.over_rate / s.rest_over_rate).toFixed(1)}× as often as` : 'while never';
    out.push({
      id: 'brevity_shortcut',
      severity: 'warning',
      message:
        `inputs under ${s.max_chars} characters are over-routed ${times} the rest (${p(s.over_rate)} vs ${p(s.rest_over_rate)}): ` +
        `the classifier treats brevity as complexity; a trivial rule (under ${s.max_chars} chars → ${inputs.trivialTier ?? 'the cheapest tier'}) skips it`,
    });
  }
  if (d.retries.count > 0) {
    out.push({
      id: 'under_routing_retries',
      severity: 'warning',
      message:
        `${plural(d.retries.count, 'retry', 'retries')} on a dearer tier (${d.retries.linked.toLocaleString('en-US')} with retry_of, ` +
        `${d.retries.detected.toLocaleString('en-US')} found as re-sends within ${d.retries.window_minutes} min) cost $${d.retries.cost_usd.toFixed(2)}: ` +
        'under-routed requests answered badly and sent again',
    });
  }
  if (inputs.tiersSource === 'log' && d.tiers.length > 0) {
    out.push({
      id: 'tiers_from_log',
      severity: 'info',
      message:
        `no "tiers" in the config: tiers were read from the log's models by cost per token, cheapest first (${d.tiers.join(' < ')}); ` +
        '`routecheck init` writes them into a config to check and edit',
    });
  }
  const unmapped = d.unmapped_models.reduce((sum, m) => sum + m.requests, 0);
  if (unmapped > 0 && d.tiers.length > 0) {
    out.push({
      id: 'unmapped_models',
      severity: 'info',
      message: `${plural(unmapped, 'request')} ran on models no tier claims (${d.unmapped_models.map((m) => m.model).slice(0, 3).join(', ')}): they are not evaluated; add them to "tiers" if the router sends traffic there`,
    });
  }
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
