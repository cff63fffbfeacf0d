import type { Database, Row } from '../db/database.js';
import { IN_WINDOW, num, paramsUsedBy } from '../analyses/runner.js';
import { dateOf, WEEK_OF_TS, weekShift } from '../analyses/weeks.js';
import { catalogFor, type PriceCatalog, type PricePeriod } from './catalog.js';
import { zeroDefaultCostFormats } from '../load/formats/index.js';
import { quoteLiteral } from '../db/sql.js';
import { parseModel, type ModelIdentity } from './identity.js';
import { SERVICE_TIERS, type OtherTier } from './serviceTiers.js';
import { loadPriceRows, tierOf, type PricingSettings } from './settings.js';

/**
 * The cost of each request, in DuckDB. JS prices only the distinct (model, provider) pairs of the window
 * (a handful) into two small tables; one view joins every request to the price in force at its time:
 *
 *   rc_model_info(model_key, provider_key, family, version, tier)      identity and config tier per pair
 *   rc_price_periods(model_key, provider_key, service_tier,           the user file over the catalog, as
 *                    valid_from, valid_to, day_from_s, day_to_s,       non-overlapping periods (so each
 *                    above_input, upto_input, rates per token kind,    request joins at most one): by date,
 *                    multiplier, source, origin)                       UTC time of day, input tokens, tier
 *   rc_costed                                                           requests + family, tier, token kinds,
 *                                                                       rates, list_cost, cost, cost_basis
 *
 * Token kinds: input_tokens is the whole prompt; cache reads (cached_tokens) and cache writes (cache_write_tokens)
 * are parts of it, each at its own rate, and the rest is plain input. A service tier other than `default` joins
 * the rows of its own tier (the list rates × the provider's documented multiplier, serviceTiers.ts); a tier with no
 * rate finds none and the request is unpriced.
 *
 * cost, in order of precedence (cost_basis in brackets; COST_BASES lists them):
 *   1. a gateway cache hit: 0 (no provider call) [cache_hit];
 *   2. the logged cost_usd, what was paid [logged] — except a 0 logged by a format whose cost column defaults to 0
 *      (formats/costs.ts) on a call with tokens: that is a gateway that could not price the call, not a free call.
 *      It is priced like an unlogged cost [logged_zero_repriced]; a 0 list cost keeps it [logged];
 *   3. the list price × tokens: [price_file] or [catalog], with `_batch`/`_flex`/`_priority` for another tier;
 *   4. NULL, never $0: a price applies but the request has no token counts [no_tokens] (streaming spans: not a
 *      missing price, and not the unpriced gate's), else no price applies [unpriced].
 * `model_key`/`provider_key` are the logged strings with NULL as '' so that the joins are plain equality joins.
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

/**
 * Builds the price tables and the rc_costed view for the requests in `params` (the report prices once, over every
 * request any of its sections reads: report.ts). rc_costed is a view over every request, but only the (model,
 * provider) pairs seen in `params` have prices: a request outside it reads as unpriced.
 */
export async function preparePricing(db: Database, params: WindowParams, settings: PricingSettings, catalog?: PriceCatalog): Promise<Pricing> {
  const cat = catalog ?? catalogFor(settings);
  const models = (await windowPairs(db, params)).map((p) => pricedModel(p, settings, cat));

  await db.run(`
    CREATE OR REPLACE TEMP TABLE rc_model_info (
      model_key VARCHAR NOT NULL, provider_key VARCHAR NOT NULL, family VARCHAR, version VARCHAR, tier VARCHAR);
    CREATE OR REPLACE TEMP TABLE rc_price_periods (
      model_key VARCHAR NOT NULL, provider_key VARCHAR NOT NULL, service_tier VARCHAR NOT NULL,
      valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ, day_from_s DOUBLE, day_to_s DOUBLE, above_input BIGINT, upto_input BIGINT,
      input_per_mtok DOUBLE NOT NULL, output_per_mtok DOUBLE NOT NULL, cached_input_per_mtok DOUBLE NOT NULL,
      cache_write_per_mtok DOUBLE NOT NULL, multiplier DOUBLE NOT NULL, source VARCHAR NOT NULL, origin VARCHAR NOT NULL);`);
  await insertRows(db, 'rc_model_info', ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR'],
    models.map((m) => [m.model, m.provider ?? '', m.identity.family || null, m.identity.version, m.tier]));
  await insertRows(db, 'rc_price_periods',
    ['VARCHAR', 'VARCHAR', 'VARCHAR', 'TIMESTAMPTZ', 'TIMESTAMPTZ', 'DOUBLE', 'DOUBLE', 'BIGINT', 'BIGINT', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'VARCHAR', 'VARCHAR'],
    models.flatMap((m) => m.periods.flatMap((p) => tierRows(p).map(({ tier, k }) => [
      m.model, m.provider ?? '', tier, p.from?.toISOString() ?? null, p.to?.toISOString() ?? null, p.day_from_s, p.day_to_s,
      p.above_input_tokens, p.upto_input_tokens, p.input_per_mtok * k, p.output_per_mtok * k,
      (p.cached_input_per_mtok ?? p.input_per_mtok) * k, (p.cache_write_per_mtok ?? p.input_per_mtok) * k, k, p.source, p.origin,
    ]))));
  await db.run(COSTED_VIEW);
  return { settings, catalog: cat, models };
}

interface Pair {
  model: string;
  provider: string | null;
  requests: number;
}

/** The (model, provider) pairs of the requests in `params`, most requests first. */
async function windowPairs(db: Database, params: WindowParams): Promise<Pair[]> {
  const rows = await db.all(
    `SELECT coalesce(model, '') AS model_key, coalesce(provider, '') AS provider_key, count(*) AS n
     FROM requests WHERE ${IN_WINDOW} GROUP BY ALL ORDER BY n DESC, model_key, provider_key`,
    { from: params.from, to: params.to },
  );
  return rows.map((r) => ({ model: String(r['model_key']), provider: String(r['provider_key']) || null, requests: num(r['n']) }));
}

function pricedModel(p: Pair, settings: PricingSettings, cat: PriceCatalog): PricedModel {
  const identity = parseModel(p.model);
  return {
    ...p,
    identity,
    tier: p.model === '' ? null : tierOf(settings.tiers, [p.model, identity.name]),
    periods: p.model === '' ? [] : cat.periods(p.model, p.provider),
  };
}

/** A period's rows in rc_price_periods: the list rates (`default`), and each other tier the provider documents. */
function tierRows(p: PricePeriod): { tier: string; k: number }[] {
  return SERVICE_TIERS.flatMap((tier) => {
    const k = tier === 'default' ? 1 : p.service_tiers[tier as OtherTier];
    return k === undefined ? [] : [{ tier, k }];
  });
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

/** The cost_basis values of rc_costed and `export` (see the module comment). */
export const COST_BASES = [
  'cache_hit', 'logged', 'logged_zero_repriced',
  'catalog', 'catalog_batch', 'catalog_flex', 'catalog_priority',
  'price_file', 'price_file_batch', 'price_file_flex', 'price_file_priority',
  'no_tokens', 'unpriced',
] as const;

/**
 * The join of a request row `r` (rc_costed's columns: ts, service_tier, day_s, input_tokens) to the price period in
 * force for it of the model `model`/`provider` (SQL expressions of model_key/provider_key): the request's own model
 * in rc_costed, another model for a counterfactual (routing/counterfactual.ts). At most one period matches.
 */
export function pricePeriodJoin(p: string, r: string, model: string, provider: string): string {
  return `LEFT JOIN rc_price_periods ${p} ON ${p}.model_key = ${model} AND ${p}.provider_key = ${provider}
    AND ${p}.service_tier = ${r}.service_tier
    AND (${p}.valid_from IS NULL OR ${r}.ts >= ${p}.valid_from) AND (${p}.valid_to IS NULL OR ${r}.ts < ${p}.valid_to)
    AND (${p}.day_from_s IS NULL OR (${r}.day_s >= ${p}.day_from_s AND ${r}.day_s < ${p}.day_to_s))
    AND (${p}.above_input IS NULL OR coalesce(${r}.input_tokens, 0) > ${p}.above_input)
    AND (${p}.upto_input IS NULL OR coalesce(${r}.input_tokens, 0) <= ${p}.upto_input)`;
}

/** A request's tokens (`r`: plain_in, cached_in, cache_write_in, output_tokens) at the rates of period `p`; NULL without one. */
export function listCostSql(p: string, r: string): string {
  return `CASE WHEN ${p}.input_per_mtok IS NOT NULL AND (${r}.input_tokens IS NOT NULL OR ${r}.output_tokens IS NOT NULL) THEN
      (${r}.plain_in * ${p}.input_per_mtok + ${r}.cached_in * ${p}.cached_input_per_mtok + ${r}.cache_write_in * ${p}.cache_write_per_mtok
        + coalesce(${r}.output_tokens, 0) * ${p}.output_per_mtok) / 1e6 END`;
}

const ZERO_DEFAULT = [...zeroDefaultCostFormats(), ''].map(quoteLiteral).join(', ');

const COSTED_VIEW = `
CREATE OR REPLACE TEMP VIEW rc_costed AS
WITH r AS (
  SELECT record_key, ts, coalesce(model, '') AS model_key, coalesce(provider, '') AS provider_key, route, format,
    input_tokens, output_tokens, cached_tokens, cache_write_tokens, cost_usd,
    coalesce(service_tier, 'default') AS service_tier,
    coalesce(cache_hit, false) AS cache_hit,
    -- the UTC time of day in seconds, for time-of-day prices
    ((epoch(ts) % 86400) + 86400) % 86400 AS day_s,
    -- cache reads and writes are parts of input_tokens: clamped so that together they never exceed it
    least(coalesce(cached_tokens, 0), coalesce(input_tokens, 0)) AS cached_in,
    least(coalesce(cache_write_tokens, 0), coalesce(input_tokens, 0) - cached_in) AS cache_write_in,
    coalesce(input_tokens, 0) - cached_in - cache_write_in AS plain_in,
    -- input that is not a cache read (plain + cache writes): the "input" kind of tokens-per-dollar
    plain_in + cache_write_in AS uncached_in,
    -- a 0 written by a gateway whose cost column defaults to 0, on a call that used tokens: not a price
    cost_usd = 0 AND format IN (${ZERO_DEFAULT}) AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0 AS zero_default
  FROM requests
), priced AS (
  SELECT r.*, mi.family, mi.version,
    -- the config's tier for the model when it has tiers, else the router's own label
    coalesce(mi.tier, r.route) AS tier,
    p.input_per_mtok, p.output_per_mtok, p.cached_input_per_mtok AS cached_per_mtok, p.cache_write_per_mtok AS write_per_mtok,
    p.multiplier AS tier_multiplier, p.source AS price_source, p.origin AS price_origin,
    ${listCostSql('p', 'r')} AS list_cost
  FROM r
  LEFT JOIN rc_model_info mi ON mi.model_key = r.model_key AND mi.provider_key = r.provider_key
  ${pricePeriodJoin('p', 'r', 'r.model_key', 'r.provider_key')}
)
SELECT *,
  CASE WHEN cache_hit THEN 0.0
    WHEN cost_usd IS NOT NULL AND NOT (zero_default AND coalesce(list_cost, 1) > 0) THEN cost_usd
    ELSE list_cost END AS cost,
  CASE WHEN cache_hit THEN 'cache_hit'
    WHEN cost_usd IS NOT NULL AND NOT (zero_default AND coalesce(list_cost, 1) > 0) THEN 'logged'
    -- a price in force but nothing to multiply it by: no token counts (streaming spans), not a missing price
    WHEN list_cost IS NULL AND input_per_mtok IS NOT NULL THEN 'no_tokens'
    WHEN list_cost IS NULL THEN 'unpriced'
    WHEN zero_default THEN 'logged_zero_repriced'
    ELSE CASE price_source WHEN 'user' THEN 'price_file' ELSE 'catalog' END
      || CASE WHEN service_tier = 'default' THEN '' ELSE '_' || service_tier END
  END AS cost_basis
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
      -- cost unknown: no price applies (unpriced), or a price applies but the request has no token counts (no_tokens)
      count(*) FILTER (WHERE cost_basis = 'unpriced') AS unpriced,
      count(*) FILTER (WHERE cost_basis = 'no_tokens') AS no_tokens,
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
      coalesce(sum(plain_in * input_per_mtok + cache_write_in * write_per_mtok) FILTER (WHERE tpd AND listed), 0) AS l_in_value,
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
      -- a price was in force, yet no cost: the request has no token counts to multiply it by (not a missing price)
      count(*) FILTER (WHERE cost_basis = 'no_tokens') AS no_tokens,
      -- the model has a price (some tier, some time), though none applies to these requests
      EXISTS (SELECT 1 FROM rc_price_periods p WHERE p.model_key = c.model_key AND p.provider_key = c.provider_key) AS catalog_priced,
      -- a gateway logged $0 because it could not price the call either
      count(*) FILTER (WHERE zero_default) AS logged_zero,
      -- the model has a list price, but not for the request's service tier (batch, flex, priority)
      count(*) FILTER (WHERE service_tier <> 'default' AND EXISTS (SELECT 1 FROM rc_price_periods p
        WHERE p.model_key = c.model_key AND p.provider_key = c.provider_key AND p.service_tier = 'default')) AS no_tier_rate,
      list(DISTINCT service_tier ORDER BY service_tier) FILTER (WHERE service_tier <> 'default') AS service_tiers
    FROM rc_costed c WHERE ${IN_WINDOW} AND cost IS NULL GROUP BY ALL ORDER BY requests DESC, model`,
  loggedZeros: `
    SELECT model_key AS model, provider_key AS provider, format,
      count(*) FILTER (WHERE cost_basis = 'logged_zero_repriced') AS repriced,
      count(*) FILTER (WHERE cost_basis = 'logged' AND cost_usd = 0 AND list_cost > 0
        AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0) AS kept,
      coalesce(sum(cost) FILTER (WHERE cost_basis = 'logged_zero_repriced'), 0) AS repriced_usd,
      coalesce(sum(list_cost) FILTER (WHERE cost_basis = 'logged' AND cost_usd = 0 AND list_cost > 0
        AND coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0), 0) AS kept_list_usd
    FROM rc_costed WHERE ${IN_WINDOW} AND NOT cache_hit AND cost_usd = 0
    GROUP BY ALL HAVING repriced > 0 OR kept > 0 ORDER BY repriced + kept DESC, model, provider, format`,
  discrepancyDays: `
    SELECT model_key AS model, ${dateOf('ts')} AS day, ${WEEK_OF_TS} AS week, sum(cost_usd) AS logged, sum(list_cost) AS list,
      count(*) AS requests, min(price_origin) AS origin
    -- logged zeros on priced models are data quality's (loggedZeros), not a price gap
    FROM rc_costed WHERE ${IN_WINDOW} AND cost_basis = 'logged' AND cost_usd > 0 AND list_cost > 0
    GROUP BY ALL ORDER BY model, day`,
  totals: `SELECT count(*) AS requests, min(ts) AS first_ts, max(ts) AS last_ts FROM requests WHERE ${IN_WINDOW}`,
} as const;

export type FactRows = Record<keyof typeof FACT_QUERIES, Row[]>;

export interface CostFacts {
  pricing: Pricing;
  rows: FactRows;
  params: WindowParams;
}

/** Prepares pricing for `params` and runs the fact queries over it. */
export async function loadCostFacts(db: Database, params: WindowParams, settings: PricingSettings, catalog?: PriceCatalog): Promise<CostFacts> {
  return costFactsOver(db, await preparePricing(db, params, settings, catalog), params);
}

/**
 * The fact queries over `params`, with prices already prepared over a range that holds it (the report prepares them
 * once for all its ranges). `pricing.models` becomes the models of `params`, with their request counts there.
 */
export async function costFactsOver(db: Database, prepared: Pricing, params: WindowParams): Promise<CostFacts> {
  const byKey = new Map(prepared.models.map((m) => [`${m.model}\u0000${m.provider ?? ''}`, m]));
  const models = (await windowPairs(db, params)).map((p) => {
    const known = byKey.get(`${p.model}\u0000${p.provider ?? ''}`);
    // Outside the prepared range: no row in the price tables, so rc_costed leaves it unpriced; say so here too.
    return known ? { ...known, requests: p.requests } : { ...pricedModel(p, prepared.settings, prepared.catalog), periods: [] };
  });
  const pricing = { ...prepared, models };
  const bound = { ...params, week_shift: weekShift(prepared.settings.weekStart) };
  const rows = {} as FactRows;
  for (const [name, sql] of Object.entries(FACT_QUERIES) as [keyof typeof FACT_QUERIES, string][]) {
    rows[name] = await db.all(sql, paramsUsedBy(sql, bound));
  }
  return { pricing, rows, params };
}
