import type { Database, Row } from '../db/database.js';
import { IN_WINDOW, num, paramsUsedBy } from '../analyses/runner.js';
import { WEEK_OF_TS, weekShift } from '../analyses/weeks.js';
import { catalogFor, type PriceCatalog, type PricePeriod } from './catalog.js';
import { parseModel, type ModelIdentity } from './identity.js';
import { tierOf, type PricingSettings } from './settings.js';

/**
 * The cost of each request, in DuckDB. JS prices only the distinct (model, provider) pairs of the window
 * (a handful) into two small tables; one view joins every request to the price in force at its time:
 *
 *   rc_model_info(model_key, provider_key, family, version, tier)      identity and config tier per pair
 *   rc_price_periods(model_key, provider_key, valid_from, valid_to,     the user file over the catalog, as
 *                    above_input, upto_input, input/output/cached       non-overlapping periods (so each
 *                    per_mtok, source, origin)                          request joins at most one)
 *   rc_costed                                                           requests + family, tier, list price,
 *                                                                       list_cost, cost, cost_basis
 *
 * cost: 0 for a cache hit (no provider call); else the logged cost_usd (what was paid); else the list price
 * × tokens, cached input at its own rate; else NULL (unpriced: never $0). `model_key`/`provider_key` are the
 * logged strings with NULL as '' so that the joins are plain equality joins.
 *
 * The tables are TEMP: a persistent --db never keeps prices that a later run with another price file would
 * then mistake for its own.
 */
export interface PricedModel {
  model: string;
  provider: string | null;
  requests: number;
  identity: ModelIdentity;
  tier: string | null;
  periods: PricePeriod[];
}

export interface Pricing {
  settings: PricingSettings;
  catalog: PriceCatalog;
  models: PricedModel[];
}

export interface WindowParams {
  from: string | null;
  to: string | null;
}

/** Builds the price tables and the rc_costed view for the requests in the window. */
export async function preparePricing(db: Database, params: WindowParams, settings: PricingSettings, catalog?: PriceCatalog): Promise<Pricing> {
  const cat = catalog ?? catalogFor(settings);
  const pairs = await db.all(
    `SELECT coalesce(model, '') AS model_key, coalesce(provider, '') AS provider_key, count(*) AS n
     FROM requests WHERE ${IN_WINDOW} GROUP BY ALL ORDER BY n DESC, model_key, provider_key`,
    { from: params.from, to: params.to },
  );
  const models: PricedModel[] = pairs.map((r) => {
    const model = String(r['model_key']);
    const provider = String(r['provider_key']) || null;
    const identity = parseModel(model);
    return {
      model,
      provider,
      requests: num(r['n']),
      identity,
      tier: model === '' ? null : tierOf(settings.tiers, [model, identity.name]),
      periods: model === '' ? [] : cat.periods(model, provider),
    };
  });

  await db.run(`
    CREATE OR REPLACE TEMP TABLE rc_model_info (
      model_key VARCHAR NOT NULL, provider_key VARCHAR NOT NULL, family VARCHAR, version VARCHAR, tier VARCHAR);
    CREATE OR REPLACE TEMP TABLE rc_price_periods (
      model_key VARCHAR NOT NULL, provider_key VARCHAR NOT NULL, valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ,
      above_input BIGINT, upto_input BIGINT, input_per_mtok DOUBLE NOT NULL, output_per_mtok DOUBLE NOT NULL,
      cached_input_per_mtok DOUBLE, source VARCHAR NOT NULL, origin VARCHAR NOT NULL);`);
  await insertRows(db, 'rc_model_info', ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
    models.map((m) => [m.model, m.provider ?? '', m.identity.family || null, m.identity.version, m.tier]));
  await insertRows(db, 'rc_price_periods',
    ['VARCHAR', 'VARCHAR', 'TIMESTAMPTZ', 'TIMESTAMPTZ', 'BIGINT', 'BIGINT', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'VARCHAR', 'VARCHAR'],
    models.flatMap((m) =>
      m.periods.map((p) => [
        m.model, m.provider ?? '', p.from?.toISOString() ?? null, p.to?.toISOString() ?? null, p.above_input_tokens, p.upto_input_tokens,
        p.input_per_mtok, p.output_per_mtok, p.cached_input_per_mtok, p.source, p.origin,
      ])));
  await db.run(COSTED_VIEW);
  return { settings, catalog: cat, models };
}

/** Multi-row INSERT with bound values (the rows are few: one per model, or per model × price period). */
async function insertRows(db: Database, table: string, types: string[], rows: (string | number | null)[][]): Promise<void> {
  const CHUNK = 200;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const values = chunk.map((_, r) => `(${types.map((t, c) => `CAST($${r * types.length + c + 1} AS ${t})`).join(', ')})`).join(',\n');
    await db.run(`INSERT INTO ${table} VALUES ${values}`, chunk.flat());
  }
}

const COSTED_VIEW = `
CREATE OR REPLACE TEMP VIEW rc_costed AS
WITH r AS (
  SELECT record_key, ts, coalesce(model, '') AS model_key, coalesce(provider, '') AS provider_key, route,
    input_tokens, output_tokens, cost_usd,
    coalesce(cache_hit, false) AS cache_hit,
    -- cached_tokens is a subset of input_tokens; never more than it
    least(coalesce(cached_tokens, 0), coalesce(input_tokens, 0)) AS cached_in,
    coalesce(input_tokens, 0) - least(coalesce(cached_tokens, 0), coalesce(input_tokens, 0)) AS uncached_in
  FROM requests
), priced AS (
  SELECT r.*, mi.family, mi.version,
    -- the config's tier for the model when it has tiers, else the router's own label
    coalesce(mi.tier, r.route) AS tier,
    p.input_per_mtok, p.output_per_mtok, coalesce(p.cached_input_per_mtok, p.input_per_mtok) AS cached_per_mtok,
    p.source AS price_source, p.origin AS price_origin,
    CASE WHEN p.input_per_mtok IS NOT NULL AND (r.input_tokens IS NOT NULL OR r.output_tokens IS NOT NULL) THEN
      (r.uncached_in * p.input_per_mtok + r.cached_in * coalesce(p.cached_input_per_mtok, p.input_per_mtok)
        + coalesce(r.output_tokens, 0) * p.output_per_mtok) / 1e6 END AS list_cost
  FROM r
  LEFT JOIN rc_model_info mi ON mi.model_key = r.model_key AND mi.provider_key = r.provider_key
  LEFT JOIN rc_price_periods p ON p.model_key = r.model_key AND p.provider_key = r.provider_key
    AND (p.valid_from IS NULL OR r.ts >= p.valid_from) AND (p.valid_to IS NULL OR r.ts < p.valid_to)
    AND (p.above_input IS NULL OR coalesce(r.input_tokens, 0) > p.above_input)
    AND (p.upto_input IS NULL OR coalesce(r.input_tokens, 0) <= p.upto_input)
)
SELECT *,
  CASE WHEN cache_hit THEN 0.0 WHEN cost_usd IS NOT NULL THEN cost_usd ELSE list_cost END AS cost,
  CASE WHEN cache_hit THEN 'cache_hit' WHEN cost_usd IS NOT NULL THEN 'logged' WHEN list_cost IS NOT NULL THEN 'price' END AS cost_basis
FROM priced`;

/**
 * The aggregates every price-aware section draws from, computed once per run. Rows are small: weeks × models
 * × tiers, models, model-days with both a logged and a list cost.
 *
 * `tpd` marks the requests tokens-per-dollar is measured on: provider calls (not cache hits) whose cost is
 * known and whose tokens were logged. `listed` marks those that also have a list price, whose list cost and
 * price × token sums give each model's effective unit prices (see attribution.ts).
 */
export const FACT_QUERIES = {
  modelWeeks: `
    WITH c AS (
      SELECT *, ${WEEK_OF_TS} AS week,
        NOT cache_hit AND cost IS NOT NULL AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) AS tpd,
        list_cost IS NOT NULL AS listed
      FROM rc_costed WHERE ${IN_WINDOW})
    SELECT week, model_key AS model, family, version, tier,
      count(*) AS requests,
      count(*) FILTER (WHERE cache_hit) AS cache_hits,
      count(*) FILTER (WHERE cost IS NULL) AS unpriced,
      coalesce(sum(cost), 0) AS spend,
      count(*) FILTER (WHERE tpd) AS calls,
      coalesce(sum(uncached_in) FILTER (WHERE tpd), 0) AS uncached_in,
      coalesce(sum(cached_in) FILTER (WHERE tpd), 0) AS cached_in,
      coalesce(sum(output_tokens) FILTER (WHERE tpd), 0) AS output_tokens,
      coalesce(sum(cost) FILTER (WHERE tpd), 0) AS cost,
      count(*) FILTER (WHERE tpd AND listed) AS l_calls,
      coalesce(sum(cost) FILTER (WHERE tpd AND listed), 0) AS l_cost,
      coalesce(sum(list_cost) FILTER (WHERE tpd AND listed), 0) AS l_list_cost,
      coalesce(sum(uncached_in) FILTER (WHERE tpd AND listed), 0) AS l_uncached_in,
      coalesce(sum(cached_in) FILTER (WHERE tpd AND listed), 0) AS l_cached_in,
      coalesce(sum(output_tokens) FILTER (WHERE tpd AND listed), 0) AS l_output,
      coalesce(sum(uncached_in * input_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_in_value,
      coalesce(sum(cached_in * cached_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_cached_value,
      coalesce(sum(coalesce(output_tokens, 0) * output_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_out_value,
      coalesce(sum(input_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_in_price_sum,
      coalesce(sum(cached_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_cached_price_sum,
      coalesce(sum(output_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_out_price_sum
    FROM c GROUP BY ALL ORDER BY week, model, tier NULLS LAST`,
  models: `
    SELECT model_key AS model, family, version, min(ts) AS first_seen, max(ts) AS last_seen, count(*) AS requests
    FROM rc_costed WHERE ${IN_WINDOW} GROUP BY ALL ORDER BY first_seen, model`,
  unpriced: `
    SELECT model_key AS model, provider_key AS provider, count(*) AS requests,
      -- a price was in force, yet no cost: the request has no token counts to multiply it by
      bool_or(input_per_mtok IS NOT NULL) AS catalog_priced
    FROM rc_costed WHERE ${IN_WINDOW} AND cost IS NULL GROUP BY ALL ORDER BY requests DESC, model`,
  discrepancyDays: `
    SELECT model_key AS model, CAST(ts AS DATE) AS day, ${WEEK_OF_TS} AS week, sum(cost_usd) AS logged, sum(list_cost) AS list,
      count(*) AS requests, min(price_origin) AS origin
    FROM rc_costed WHERE ${IN_WINDOW} AND NOT cache_hit AND cost_usd IS NOT NULL AND list_cost > 0
    GROUP BY ALL ORDER BY model, day`,
  totals: `SELECT count(*) AS requests, min(ts) AS first_ts, max(ts) AS last_ts FROM requests WHERE ${IN_WINDOW}`,
} as const;

export type FactRows = Record<keyof typeof FACT_QUERIES, Row[]>;

export interface CostFacts {
  pricing: Pricing;
  rows: FactRows;
  params: WindowParams;
}

/** Prepares pricing and runs the fact queries. */
export async function loadCostFacts(db: Database, params: WindowParams, settings: PricingSettings, catalog?: PriceCatalog): Promise<CostFacts> {
  const pricing = await preparePricing(db, params, settings, catalog);
  const bound = { ...params, week_shift: weekShift(settings.weekStart) };
  const rows = {} as FactRows;
  for (const [name, sql] of Object.entries(FACT_QUERIES) as [keyof typeof FACT_QUERIES, string][]) {
    rows[name] = await db.all(sql, paramsUsedBy(sql, bound));
  }
  return { pricing, rows, params };
}
