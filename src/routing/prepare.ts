import type { Database } from '../db/database.js';
import { IN_WINDOW } from '../analyses/runner.js';
import { weekOf, weekShift } from '../analyses/weeks.js';
import type { WeekStart } from '../prices/settings.js';
import { REPLAY_RUN_TABLE } from '../classify/types.js';
import { loadLabels, normalizedLowerSql, type LabelsLoad } from './labels.js';
import type { RoutingFlags } from './flags.js';
import { inferTiers } from './infer.js';
import type { RoutingPolicy } from './policy.js';
import { tierOfLabel, tierOfModel } from './tier-match.js';

/**
 * The per-request routing table both routing sections (deviation, classifier) read, built once per report run:
 *
 *   rc_route_tier(kind, label, rank)   'model' → tier of a served model; 'label' → tier an ideal/route/answer names
 *   rc_labels(…)                       the --labels rows (labels.ts)
 *   rc_routed_all(…)                   one row per request of the trend weeks: actual and ideal tier ranks, where the
 *                                      ideal came from, the normalized-input key, the retry flags (is_retry; says_retry: it
 *                                      named the call it retries, retry_of), in_window
 *   rc_routed                          a view: the rows of rc_routed_all in the window (what the sections read)
 *   rc_tier_price(week, rank, …)       each tier's per-token input and output price as the log's costs show it,
 *                                      per trend week and over the window (week NULL)
 *
 * A request's `cost` is rc_costed's (prices/costs.ts, which must be prepared first): the logged cost, else list price
 * × tokens, a gateway's default $0 repriced, NULL when unknown. So the deviation's and the classifier's dollars
 * are the same dollars as spend and tokens per dollar.
 *
 * JS maps only the distinct model and label strings to tiers (the policy's matching rules live in one place,
 * policy.ts); every per-request step is SQL.
 */
export interface RoutingRun {
  policy: RoutingPolicy & RoutingFlags;
  labels: LabelsLoad | null;
  /** Whether the classifier replay's temp table was there to read. */
  replayAvailable: boolean;
}

/** The range (trend weeks), reaching back one retry window before its start so that a retry's original is seen. */
const LOOKBACK_RANGE = `(CAST($range_from AS TIMESTAMPTZ) IS NULL OR ts >= CAST($range_from AS TIMESTAMPTZ) - to_milliseconds(CAST($window_ms AS BIGINT)))
  AND (CAST($range_to AS TIMESTAMPTZ) IS NULL OR ts < CAST($range_to AS TIMESTAMPTZ))`;
const IN = (from: string, to: string): string =>
  `(CAST(${from} AS TIMESTAMPTZ) IS NULL OR r.ts >= CAST(${from} AS TIMESTAMPTZ)) AND (CAST(${to} AS TIMESTAMPTZ) IS NULL OR r.ts < CAST(${to} AS TIMESTAMPTZ))`;


export interface RoutingSettings {
  /** The config's policy with the routing flags applied (settings.ts). */
  routing: RoutingPolicy & RoutingFlags;
  weekStart: WeekStart;
}

type Range = { from: string | null; to: string | null };

/**
 * Builds the routing tables for the window and, for the deviation's weekly series, the trend weeks around it
 * (`range`, which contains the window; the window itself when not given). The report builds them once per run and
 * hands the same promise to both routing sections (report.ts); a second call rebuilds them.
 */
export async function prepareRouting(db: Database, window: Range, settings: RoutingSettings, range: Range = window): Promise<RoutingRun> {
  const ctx = { db, params: window };
  let policy = settings.routing;
  if (policy.tiers.length === 0) {
    const inferred = inferTiers(await observedModels(db, ctx.params));
    if (inferred.length > 0) {
      policy = { ...policy, tiers: inferred, tiersSource: 'log', trivial: { ...policy.trivial, tier: policy.trivial.tier ?? inferred[0]!.name } };
    }
  }

  await db.run(`DROP TABLE IF EXISTS rc_route_tier; CREATE TEMP TABLE rc_route_tier (kind VARCHAR, label VARCHAR, rank INTEGER)`);
  const mapped = new Set<string>();
  const addLabels = async (kind: 'model' | 'label', values: string[]): Promise<void> => {
    const rows: [string, string, number][] = [];
    for (const v of values) {
      if (mapped.has(kind + '\u0000' + v)) continue;
      mapped.add(kind + '\u0000' + v);
      const tier = kind === 'model' ? tierOfModel(policy, v) : tierOfLabel(policy, v);
      if (tier) rows.push([kind, v, tier.rank]);
    }
    await insertRows(db, 'rc_route_tier', rows);
  };
  await addLabels('model', await distinct(db, `SELECT DISTINCT model AS v FROM requests WHERE model IS NOT NULL`));
  await addLabels('label', await distinct(db, `SELECT DISTINCT v FROM (SELECT route AS v FROM requests UNION SELECT ideal FROM requests) WHERE v IS NOT NULL`));

  const labelsFile = policy.labels;
  const labels = labelsFile ? await loadLabels(db, labelsFile, (values) => addLabels('label', values)) : null;
  if (!labels) await db.run(`DROP TABLE IF EXISTS rc_labels; CREATE TEMP TABLE rc_labels (line BIGINT, request_id VARCHAR, norm_key UBIGINT, ideal VARCHAR)`);

  const replayAvailable = (await db.one(`SELECT 1 AS x FROM duckdb_tables() WHERE table_name = $name`, { name: REPLAY_RUN_TABLE })) !== undefined;
  if (replayAvailable) {
    await addLabels('label', await distinct(db, `SELECT DISTINCT tier AS v FROM ${REPLAY_RUN_TABLE} WHERE tier IS NOT NULL`));
  }
  const replay = replayAvailable
    ? `(SELECT input, any_value(tier) AS tier FROM ${REPLAY_RUN_TABLE} WHERE tier IS NOT NULL GROUP BY input)`
    : `(SELECT NULL::VARCHAR AS input, NULL::VARCHAR AS tier WHERE false)`;

  const windowMs = Math.round(policy.retries.windowMs);
  const lookback = { range_from: range.from, range_to: range.to, window_ms: windowMs };
  const params = { ...lookback, from: ctx.params.from, to: ctx.params.to, week_shift: weekShift(settings.weekStart) };
  await db.run(`DROP VIEW IF EXISTS rc_routed; DROP TABLE IF EXISTS rc_routed_base; DROP TABLE IF EXISTS rc_routed_all; DROP TABLE IF EXISTS rc_input_key; DROP TABLE IF EXISTS rc_resent`);
  // Inputs repeat (greetings, popular questions): normalize each distinct text once.
  await db.run(
    `CREATE TEMP TABLE rc_input_key AS
     SELECT input, hash(${normalizedLowerSql('t')}) AS norm_key
     FROM (SELECT input, lower(input) AS t FROM (SELECT DISTINCT input FROM requests WHERE input IS NOT NULL AND ${LOOKBACK_RANGE}))`,
    lookback,
  );
  await db.run(
    `CREATE TEMP TABLE rc_routed_base AS
     SELECT r.record_key, r.ts, ${weekOf('r.ts')} AS week, ${IN('$from', '$to')} AS in_window, ${IN('$range_from', '$range_to')} AS in_range,
       k.norm_key, CASE WHEN r.session_id IS NOT NULL AND k.norm_key IS NOT NULL THEN hash(r.session_id, k.norm_key) END AS resend_key,
       length(r.input) AS chars, r.model, r.route, r.score, c.cost, r.input_tokens, r.output_tokens,
       -- The ids (request, session, retry_of) serve this statement only: flags and keys stay, not the strings, so
       -- that the table (11M rows over two weeks of the seed's traffic) is narrower to write and to spill.
       r.retry_of IS NOT NULL AS says_retry, r.retry_of IS NOT NULL AS is_retry,
       -- The served model says where a request went; the router's label only when no model is logged.
       coalesce(mt.rank, CASE WHEN r.model IS NULL THEN rt.rank END) AS actual_rank,
       coalesce(it.rank, lid.rank, lin.rank, rpt.rank) AS ideal_rank,
       CASE WHEN it.rank IS NOT NULL THEN 'record' WHEN lid.rank IS NOT NULL OR lin.rank IS NOT NULL THEN 'labels'
            WHEN rpt.rank IS NOT NULL THEN 'replay' END AS ideal_source,
       CASE WHEN it.rank IS NOT NULL THEN r.ideal WHEN lid.rank IS NOT NULL THEN lid.ideal WHEN lin.rank IS NOT NULL THEN lin.ideal
            WHEN rpt.rank IS NOT NULL THEN rp.tier ELSE r.ideal END AS ideal_label
     FROM (SELECT * FROM requests WHERE ${LOOKBACK_RANGE}) r
     LEFT JOIN (SELECT record_key, cost FROM rc_costed WHERE ${LOOKBACK_RANGE}) c ON c.record_key = r.record_key
     LEFT JOIN rc_input_key k ON k.input = r.input
     LEFT JOIN rc_route_tier mt ON mt.kind = 'model' AND mt.label = r.model
     LEFT JOIN rc_route_tier rt ON rt.kind = 'label' AND rt.label = r.route
     LEFT JOIN rc_route_tier it ON it.kind = 'label' AND it.label = r.ideal
     LEFT JOIN (SELECT l.*, t.rank FROM rc_labels l JOIN rc_route_tier t ON t.kind = 'label' AND t.label = l.ideal
                WHERE l.request_id IS NOT NULL) lid ON lid.request_id = r.request_id
     LEFT JOIN (SELECT l.*, t.rank FROM rc_labels l JOIN rc_route_tier t ON t.kind = 'label' AND t.label = l.ideal
                WHERE l.request_id IS NULL) lin ON lin.norm_key = k.norm_key
     LEFT JOIN ${replay} rp ON rp.input = r.input
     LEFT JOIN rc_route_tier rpt ON rpt.kind = 'label' AND rpt.label = rp.tier`,
    params,
  );
  // A retry: it says so (retry_of), or the same session sent the same normalized input within the window
  // before, on a cheaper tier (the cheap answer was not good enough). Marked in place: copying the base table
  // into a new one with the flag cost 10 s over two weeks of 5.6M requests, finding the retries 2 s.
  await db.run(
    `CREATE TEMP TABLE rc_resent AS
     SELECT DISTINCT b.record_key FROM rc_routed_base b JOIN rc_routed_base p ON p.resend_key = b.resend_key
     WHERE b.in_range AND NOT b.says_retry AND p.ts < b.ts AND b.ts <= p.ts + to_milliseconds(CAST($window_ms AS BIGINT))
       AND b.actual_rank > p.actual_rank`,
    { window_ms: windowMs },
  );
  await db.run(`UPDATE rc_routed_base SET is_retry = true WHERE record_key IN (SELECT record_key FROM rc_resent)`);
  // The lookback before the range served only to find retries.
  await db.run(`DELETE FROM rc_routed_base WHERE NOT in_range`);
  await db.run(`ALTER TABLE rc_routed_base RENAME TO rc_routed_all`);
  await db.run(`DROP TABLE rc_resent; DROP TABLE rc_input_key`);
  await db.run(`CREATE TEMP VIEW rc_routed AS SELECT * EXCLUDE (in_window, in_range, resend_key) FROM rc_routed_all WHERE in_window`);
  await buildTierPrices(db);
  return { policy, labels, replayAvailable };
}

/**
 * Each tier's unit prices as the log's costs show them, per trend week and over the window (week NULL): USD per input
 * and per output token fitted by least squares (no intercept) to the costs of the tier's paid calls (cost > 0: cache
 * hits left out). The costs are rc_costed's, logged where logged and list price × tokens where not, so a tier whose
 * gateway logged $0 (LiteLLM's default) or nothing is fitted to what its calls cost, as spend counts them. Exact when
 * the costs are tokens × list price; where the fit is degenerate (too few calls, every call with the same
 * input/output mix, a negative price) the tier's median cost per token stands for both.
 */
async function buildTierPrices(db: Database): Promise<void> {
  await db.run(`DROP TABLE IF EXISTS rc_tier_price`);
  await db.run(`CREATE TEMP TABLE rc_tier_price AS
    WITH calls AS (
      SELECT week, in_window, actual_rank AS rank, CAST(input_tokens AS DOUBLE) AS x, CAST(output_tokens AS DOUBLE) AS y, cost AS c
      FROM rc_routed_all
      WHERE cost > 0 AND actual_rank IS NOT NULL AND input_tokens IS NOT NULL AND output_tokens IS NOT NULL
        AND input_tokens + output_tokens > 0
    ), grouped AS (
      SELECT week, rank, x, y, c FROM calls
      UNION ALL
      SELECT NULL AS week, rank, x, y, c FROM calls WHERE in_window
    ), sums AS (
      SELECT week, rank, count(*) AS n, sum(x * x) AS sxx, sum(x * y) AS sxy, sum(y * y) AS syy, sum(x * c) AS sxc,
        sum(y * c) AS syc, median(c / (x + y)) AS per_token
      FROM grouped GROUP BY week, rank
    ), fit AS (
      SELECT *, sxx * syy - sxy * sxy AS det FROM sums
    ), solved AS (
      SELECT *, CASE WHEN det > 1e-9 * sxx * syy THEN (sxc * syy - syc * sxy) / det END AS fin,
        CASE WHEN det > 1e-9 * sxx * syy THEN (syc * sxx - sxc * sxy) / det END AS fout
      FROM fit
    )
    SELECT week, rank, n,
      CASE WHEN n >= 10 AND fin >= 0 AND fout > 0 THEN 'fit' ELSE 'median' END AS method,
      CASE WHEN n >= 10 AND fin >= 0 AND fout > 0 THEN fin ELSE per_token END AS usd_in,
      CASE WHEN n >= 10 AND fin >= 0 AND fout > 0 THEN fout ELSE per_token END AS usd_out
    FROM solved`);
}

/**
 * A request's cost re-priced at another tier, for rc_routed rows aliased `r` (`SELECT … FROM rc_routed r <joins>`):
 * its cost (rc_costed's) times the ratio of the two tiers' prices for this request's own tokens (the week's prices,
 * else the window's). NULL when the cost or a price is unknown; 0 for a free (cached) call.
 */
export function repriced(targetRank: string): { expr: string; joins: string } {
  const unit = (alias: string): string => `(r.input_tokens * ${alias}.usd_in + r.output_tokens * ${alias}.usd_out)`;
  const price = (alias: string, rank: string): string =>
    `LEFT JOIN rc_tier_price ${alias}w ON ${alias}w.week = r.week AND ${alias}w.rank = ${rank}
     LEFT JOIN rc_tier_price ${alias}a ON ${alias}a.week IS NULL AND ${alias}a.rank = ${rank}`;
  return {
    expr: `CASE WHEN r.cost = 0 THEN 0.0
      ELSE r.cost * coalesce(${unit('tw')}, ${unit('ta')}) / nullif(coalesce(${unit('aw')}, ${unit('aa')}), 0) END`,
    joins: `${price('t', targetRank)} ${price('a', 'r.actual_rank')}`,
  };
}

/** The window's models with their median cost per token (rc_costed's costs), to rank tiers by when the config has none. */
async function observedModels(db: Database, params: { from: string | null; to: string | null }) {
  const rows = await db.all<{ model: string; n: bigint; per_token: number | null }>(
    `SELECT model_key AS model, count(*) AS n, ${MEDIAN_COST_PER_TOKEN} AS per_token
     FROM rc_costed WHERE model_key <> '' AND ${IN_WINDOW} GROUP BY model_key`,
    params,
  );
  return rows.map((r) => ({ model: r.model, requests: Number(r.n), usdPerToken: r.per_token === null ? null : Number(r.per_token) }));
}

/** Median USD per token (input + output) of paid calls with tokens, over rc_costed rows: how init and the report rank tiers. */
export const MEDIAN_COST_PER_TOKEN =
  `median(cost / (input_tokens + output_tokens)) FILTER (WHERE cost > 0 AND input_tokens + output_tokens > 0)`;

async function distinct(db: Database, sql: string): Promise<string[]> {
  return (await db.all<{ v: string }>(sql)).map((r) => r.v);
}

async function insertRows(db: Database, table: string, rows: [string, string, number][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 300) {
    const chunk = rows.slice(i, i + 300);
    const params: Record<string, string | number> = {};
    const values = chunk.map((row, j) => {
      params[`k${j}`] = row[0];
      params[`l${j}`] = row[1];
      params[`r${j}`] = row[2];
      return `($k${j}, $l${j}, CAST($r${j} AS INTEGER))`;
    });
    await db.run(`INSERT INTO ${table} VALUES ${values.join(', ')}`, params);
  }
}

