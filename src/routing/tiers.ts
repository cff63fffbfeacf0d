import { fieldFailure, object, score } from './fields.js';

/**
 * The config's "tiers", parsed once for everyone who reads them: the routing policy (routing/policy.ts) and the
 * price analyses' tier of a model (prices/settings.ts).
 *
 *   "tiers": [{"name": "simple", "models": ["gpt-4o-mini*"], "below_score": 0.80, "route": "simple_complexity"}, …]
 *            ordered cheap → expensive. Also accepted: an object of tiers in the same order,
 *            {"simple": {"model": "gpt-4o-mini-2024-07-18", "route": "simple_complexity"}, …}.
 *
 * Invariants of the result: tier names are non-empty and unique (case-insensitive), rank = position
 * (0 = cheapest), model entries are non-empty trimmed strings.
 */
export interface PolicyTier {
  name: string;
  /** 0 = the cheapest tier; a higher rank is a more expensive tier. */
  rank: number;
  /** Model entries as written: exact names, families (`claude-3-5-haiku`) or `*` patterns. */
  models: string[];
  /** The router's own label for this tier, when the config names one (`medium_complexity`). */
  route: string | null;
  /** A score below this goes to this tier or a cheaper one; null on the last tier or when not configured. */
  belowScore: number | null;
  /** Other names a label may use for this tier (inferred tiers answer to simple/medium/hard as well). */
  aliases?: string[];
}

/** Pure: the config's "tiers" value → tiers cheap → expensive ([] when absent), or a UsageError naming the field. */
export function normalizeTiers(raw: unknown, file: string | undefined): PolicyTier[] {
  if (raw === undefined) return [];
  const fail = fieldFailure(file);
  let entries: { field: string; name: string; body: Record<string, unknown> }[];
  if (Array.isArray(raw)) {
    entries = raw.map((t, i) => {
      const body = object(t, `tiers[${i}]`, fail);
      const name = body['name'];
      if (typeof name !== 'string' || name.trim() === '') fail(`tiers[${i}].name`, 'must be a non-empty string');
      return { field: `tiers[${i}]`, name: String(name).trim(), body };
    });
  } else if (raw !== null && typeof raw === 'object') {
    // JSON objects keep their key order, so the object form is ordered too.
    entries = Object.entries(raw as Record<string, unknown>).map(([name, t]) => ({
      field: `tiers.${name}`,
      name: name.trim(),
      body: object(t, `tiers.${name}`, fail),
    }));
  } else {
    return fail('tiers', 'must be an array of {"name", "models"} ordered cheap → expensive (or an object of tiers)');
  }
  const seen = new Set<string>();
  return entries.map(({ field, name, body }, rank) => {
    if (name === '') fail(field, 'needs a non-empty name');
    if (seen.has(name.toLowerCase())) fail(field, `repeats the tier name "${name}"`);
    seen.add(name.toLowerCase());
    let models: unknown = body['models'];
    if (models === undefined && body['model'] !== undefined) models = [body['model']];
    if (models === undefined) models = [];
    if (typeof models === 'string') models = [models];
    if (!Array.isArray(models) || models.some((m) => typeof m !== 'string' || m.trim() === '')) {
      fail(`${field}.models`, 'must be an array of model names or patterns ("gpt-4o-mini*")');
    }
    let route: string | null = null;
    if (body['route'] !== undefined) {
      if (typeof body['route'] !== 'string' || body['route'].trim() === '') fail(`${field}.route`, 'must be a non-empty string');
      route = String(body['route']).trim();
    }
    const belowScore = body['below_score'] === undefined ? null : score(body['below_score'], `${field}.below_score`, fail);
    return { name, rank, models: (models as string[]).map((m) => m.trim()), route, belowScore };
  });
}
