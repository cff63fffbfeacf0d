import type { Database } from '../db/database.js';
import { inferThresholds, inferTiers } from './infer.js';
import { MEDIAN_COST_PER_TOKEN } from './prepare.js';
import { DEFAULT_CLASSIFIER_COST_USD, DEFAULT_RETRY_WINDOW_MS, DEFAULT_TRIVIAL_MAX_CHARS } from './policy.js';
import { tierOfModel } from './tier-match.js';

/**
 * `routecheck init`: a starting routing policy from the models a log shows. Tiers are the model families ordered by
 * their cost per token (cheapest first; rc_costed's costs: logged, else list price × tokens, as the report ranks them); a tier's threshold sits in the gap between the scores of adjacent
 * tiers when they do not overlap; its route is the router label its requests carry (when one label dominates).
 * A starting point to check and edit, not a verdict: the log cannot say which tier a request *should* have used.
 */
export interface ModelStats {
  model: string;
  requests: number;
  /** Median USD per token of the model's paid calls (logged cost, else list price); null when none is priced. */
  usdPerToken: number | null;
  minScore: number | null;
  maxScore: number | null;
  routes: { route: string; requests: number }[];
}

/** A route must label this share of a tier's routed requests to be written as the tier's route. */
const ROUTE_SHARE = 0.9;

/** Pure: model statistics → the config object to write (only routing keys). */
export function starterConfig(models: readonly ModelStats[]): Record<string, unknown> {
  const inferred = inferTiers(models.map((m) => ({ model: m.model, requests: m.requests, usdPerToken: m.usdPerToken })));
  const members = inferred.map((t) => models.filter((m) => tierOfModel({ tiers: inferred }, m.model)?.rank === t.rank));
  const ranges = members.flatMap((ms, rank) => {
    const scored = ms.filter((m) => m.minScore !== null && m.maxScore !== null);
    return scored.length === 0 ? [] : [{ rank, lo: Math.min(...scored.map((m) => m.minScore!)), hi: Math.max(...scored.map((m) => m.maxScore!)) }];
  });
  const thresholds = inferThresholds(ranges, inferred.length);
  const tiers = inferred.map((t, i) => {
    const tier: Record<string, unknown> = { name: t.aliases?.[0] ?? t.name, models: t.models };
    const routes = new Map<string, number>();
    for (const m of members[i]!) for (const r of m.routes) routes.set(r.route, (routes.get(r.route) ?? 0) + r.requests);
    const total = [...routes.values()].reduce((s, n) => s + n, 0);
    const top = [...routes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    if (top && top[1] >= ROUTE_SHARE * total) tier['route'] = top[0];
    if (thresholds[i] !== undefined) tier['below_score'] = thresholds[i];
    return tier;
  });
  const config: Record<string, unknown> = { tiers };
  if (tiers.length > 0) config['trivial'] = { max_chars: DEFAULT_TRIVIAL_MAX_CHARS, tier: tiers[0]!['name'] };
  config['classifier'] = { cost_per_call_usd: DEFAULT_CLASSIFIER_COST_USD };
  config['retries'] = { window_minutes: DEFAULT_RETRY_WINDOW_MS / 60_000 };
  return config;
}

/**
 * The per-model statistics starterConfig needs, aggregated by DuckDB over every loaded request. Reads rc_costed: prices
 * must be prepared over all requests first (prices/costs.ts preparePricing).
 */
export async function observeModels(db: Database): Promise<ModelStats[]> {
  const rows = await db.all<{ model: string; n: bigint; per_token: number | null; lo: number | null; hi: number | null }>(
    `SELECT model, count(*) AS n, ${MEDIAN_COST_PER_TOKEN} AS per_token, min(score) AS lo, max(score) AS hi
     FROM (SELECT r.model, r.score, c.cost, c.input_tokens, c.output_tokens
           FROM requests r JOIN rc_costed c ON c.record_key = r.record_key WHERE r.model IS NOT NULL)
     GROUP BY model ORDER BY model`,
  );
  const routes = await db.all<{ model: string; route: string; n: bigint }>(
    `SELECT model, route, count(*) AS n FROM requests WHERE model IS NOT NULL AND route IS NOT NULL GROUP BY ALL`,
  );
  return rows.map((r) => ({
    model: r.model,
    requests: Number(r.n),
    usdPerToken: r.per_token === null ? null : Number(r.per_token),
    minScore: r.lo === null ? null : Number(r.lo),
    maxScore: r.hi === null ? null : Number(r.hi),
    routes: routes.filter((x) => x.model === r.model).map((x) => ({ route: x.route, requests: Number(x.n) })),
  }));
}
