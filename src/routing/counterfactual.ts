import type { Database } from '../db/database.js';
import { IN_WINDOW } from '../analyses/runner.js';
import { listCostSql, pricePeriodJoin } from '../prices/costs.js';
import { repriced } from './prepare.js';

/**
 * What each routed request of the window would have cost on each tier: the counterfactual prices the router's ROI
 * (analyses/roi.ts) and `routecheck calibrate` (analyses/calibration.ts) read. Two temp tables:
 *
 *   rc_tier_model(week, rank, model_key, provider_key, requests)   the model that stands for a tier: the one that
 *                                                                   served most of the tier's requests in the week
 *                                                                   (a priced one first), and over the window (week
 *                                                                   NULL) for weeks the tier served nothing
 *   rc_tier_cost(record_key, rank, usd, basis)                      one row per routed request of the window and tier
 *
 * A request's cost on a tier is its own logged tokens (plain input, cache reads and writes, output) at the list price
 * the tier's model had at the request's time, through the one price chain (prices/costs.ts: the price file over the
 * catalog, service tier and time-of-day rates included) [basis `list`]; a gateway cache hit stays free [`cache_hit`];
 * where the tier's model has no list price, the request's cost scaled by the tiers' prices as the log's own costs imply
 * them (routing/prepare.ts rc_tier_price) [`log_fit`]; else NULL, unknown, never $0.
 *
 * Needs rc_routed and rc_tier_price (prepareRouting) and rc_costed with the window's price periods (preparePricing).
 * The assumption every reader states: the same tokens on another model (a model's answer length differs in truth).
 */
export async function buildTierCosts(db: Database, tierCount: number, window: { from: string | null; to: string | null }): Promise<void> {
  // rc_costed is a view over every stored request: joined to the window's routed requests by key alone, it priced
  // the whole database (33M requests after six weeks of the seed's traffic) to keep the window's. Bounded to the
  // window (rc_routed's own range), it reads those only.
  const costed = `(SELECT * FROM rc_costed WHERE ${IN_WINDOW})`;
  await db.run(`CREATE OR REPLACE TEMP TABLE rc_tier_model AS
    WITH served AS (
      SELECT r.week, r.actual_rank AS rank, c.model_key, c.provider_key, count(*) AS n,
        EXISTS (SELECT 1 FROM rc_price_periods p WHERE p.model_key = c.model_key AND p.provider_key = c.provider_key) AS priced
      FROM rc_routed r JOIN ${costed} c ON c.record_key = r.record_key
      WHERE r.actual_rank IS NOT NULL AND c.model_key <> ''
      GROUP BY ALL
    ), scoped AS (
      SELECT week, rank, model_key, provider_key, n, priced FROM served
      UNION ALL
      SELECT NULL AS week, rank, model_key, provider_key, sum(n) AS n, bool_or(priced) AS priced FROM served GROUP BY ALL
    )
    SELECT week, rank, model_key, provider_key, n AS requests FROM scoped
    QUALIFY row_number() OVER (PARTITION BY week, rank ORDER BY priced DESC, n DESC, model_key, provider_key) = 1`, window);
  // List prices first (every request × tier); the log-fit fallback only for the few rows a list price misses.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE rc_tier_cost AS
     WITH r AS (
       SELECT q.record_key, q.week, c.ts, c.service_tier, c.day_s, c.input_tokens, c.output_tokens, c.plain_in, c.cached_in,
         c.cache_write_in, c.cache_hit
       FROM rc_routed q JOIN ${costed} c ON c.record_key = q.record_key
       WHERE q.actual_rank IS NOT NULL
     ), k AS (SELECT CAST(unnest(range(CAST($tiers AS BIGINT))) AS INTEGER) AS rank), priced AS (
       SELECT r.record_key, k.rank, r.cache_hit, ${listCostSql('p', 'r')} AS list
       FROM r CROSS JOIN k
       LEFT JOIN rc_tier_model mw ON mw.week = r.week AND mw.rank = k.rank
       LEFT JOIN rc_tier_model ma ON ma.week IS NULL AND ma.rank = k.rank
       ${pricePeriodJoin('p', 'r', 'coalesce(mw.model_key, ma.model_key)', 'coalesce(mw.provider_key, ma.provider_key)')}
     )
     SELECT record_key, rank, CASE WHEN cache_hit THEN 0.0 ELSE list END AS usd,
       CASE WHEN cache_hit THEN 'cache_hit' WHEN list IS NOT NULL THEN 'list' END AS basis
     FROM priced`,
    { tiers: tierCount, ...window },
  );
  if ((await db.scalar(`SELECT count(*) FROM rc_tier_cost WHERE basis IS NULL`)) === 0) return;
  const fallback = repriced('t.rank');
  await db.run(`
    UPDATE rc_tier_cost SET usd = f.fit, basis = CASE WHEN f.fit IS NOT NULL THEN 'log_fit' END
    FROM (
      SELECT t.record_key, t.rank, ${fallback.expr} AS fit
      FROM rc_tier_cost t
      JOIN (SELECT q.record_key, q.week, q.actual_rank, q.input_tokens, q.output_tokens, q.cost FROM rc_routed q) r
        ON r.record_key = t.record_key
      ${fallback.joins}
      WHERE t.basis IS NULL
    ) f
    WHERE rc_tier_cost.record_key = f.record_key AND rc_tier_cost.rank = f.rank`);
}

/** The model that stands for each tier over the window (rank → model), for the report's wording. */
export async function tierModels(db: Database): Promise<Map<number, string>> {
  const rows = await db.all<{ rank: number; model_key: string }>(`SELECT rank, model_key FROM rc_tier_model WHERE week IS NULL ORDER BY rank`);
  return new Map(rows.map((r) => [Number(r.rank), String(r.model_key)]));
}
