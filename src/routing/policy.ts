import { UsageError } from '../errors.js';
import { parseModel } from '../prices/identity.js';
import { globRegExp } from '../prices/userPrices.js';

/**
 * The routing policy: what the router is meant to do, from routecheck.config.json, validated once by
 * normalizeRoutingPolicy() into a typed object. Messages name the file and the field.
 *
 * Config keys read here (every one optional; the deviation and classifier sections say what is missing):
 *   "tiers": [{"name": "simple", "models": ["gpt-4o-mini*"], "below_score": 0.80, "route": "simple_complexity"}, …]
 *            ordered cheap → expensive. Also accepted: an object of tiers in the same order,
 *            {"simple": {"model": "gpt-4o-mini-2024-07-18", "route": "simple_complexity"}, …}.
 *   "trivial": {"max_chars": 10, "tier": "simple"}   inputs shorter than max_chars skip the classifier
 *   "classifier": {"cost_per_call_usd": 0.003, "thresholds": {"medium": 0.80, "hard": 0.92}, "jitter_band": 0.03}
 *   "retries": {"window_minutes": 10}
 *
 * Invariants of the result: tier names are unique (case-insensitive) and rank = position (0 = cheapest);
 * thresholds rise with the tiers; the trivial tier names a tier when there are tiers.
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

export interface RoutingPolicy {
  /** Where the policy came from, for messages and the report. */
  file: string;
  /** Cheap → expensive. Empty when the config has no "tiers". */
  tiers: PolicyTier[];
  /** Where the tiers came from: the config, or inferred from the log's own prices (see inferTiers). */
  tiersSource: 'config' | 'log' | 'none';
  trivial: { maxChars: number; tier: string | null; configured: boolean };
  classifier: {
    costPerCallUsd: number;
    /** `config` when the config gives the price, `default` for the post-mortem's $0.003. */
    costSource: 'config' | 'default';
    /** Score thresholds between adjacent tiers, rising; empty when none are configured. */
    thresholds: number[];
  };
  retries: { windowMs: number };
  jitter: { band: number };
}

/** The post-mortem's fix: inputs under 10 characters skip the classifier. */
export const DEFAULT_TRIVIAL_MAX_CHARS = 10;
/** The post-mortem's distilled BERT: roughly $0.003 per inference. */
export const DEFAULT_CLASSIFIER_COST_USD = 0.003;
export const DEFAULT_RETRY_WINDOW_MS = 10 * 60_000;
/** The post-mortem: the complexity score wobbles by about ±0.03. */
export const DEFAULT_JITTER_BAND = 0.03;

/** Pure: the parsed config file → the routing policy, or a UsageError naming the field. */
export function normalizeRoutingPolicy(raw: Record<string, unknown>, file: string | undefined): RoutingPolicy {
  const where = file ?? 'config';
  const fail = (field: string, message: string): never => {
    throw new UsageError(`${where}: "${field}" ${message}`);
  };

  const tiers = normalizeTiers(raw['tiers'], fail);

  const classifierRaw = raw['classifier'];
  let costPerCallUsd = DEFAULT_CLASSIFIER_COST_USD;
  let costSource: 'config' | 'default' = 'default';
  let jitterBand = DEFAULT_JITTER_BAND;
  if (classifierRaw !== undefined) {
    const c = object(classifierRaw, 'classifier', fail);
    if (c['cost_per_call_usd'] !== undefined) {
      costPerCallUsd = nonNegative(c['cost_per_call_usd'], 'classifier.cost_per_call_usd', fail);
      costSource = 'config';
    }
    if (c['jitter_band'] !== undefined) jitterBand = band(c['jitter_band'], 'classifier.jitter_band', fail);
    if (c['thresholds'] !== undefined) applyThresholds(tiers, c['thresholds'], fail);
  }
  const thresholds = tiers.slice(0, -1).map((t) => t.belowScore);
  for (let i = 1; i < tiers.length - 1; i++) {
    const lo = tiers[i - 1]!.belowScore;
    const hi = tiers[i]!.belowScore;
    if (lo !== null && hi !== null && !(hi > lo)) {
      fail('tiers', `score thresholds must rise from cheap to expensive tiers: ${tiers[i - 1]!.name} < ${lo}, ${tiers[i]!.name} < ${hi}`);
    }
  }
  if (tiers.length > 0 && tiers[tiers.length - 1]!.belowScore !== null) {
    fail(`tiers[${tiers.length - 1}].below_score`, 'must be left out on the most expensive tier (every score above the last threshold goes there)');
  }

  let trivial: RoutingPolicy['trivial'] = { maxChars: DEFAULT_TRIVIAL_MAX_CHARS, tier: tiers[0]?.name ?? null, configured: false };
  const trivialRaw = raw['trivial'];
  if (trivialRaw !== undefined) {
    const t = object(trivialRaw, 'trivial', fail);
    const maxChars = t['max_chars'] === undefined ? DEFAULT_TRIVIAL_MAX_CHARS : wholeNumber(t['max_chars'], 'trivial.max_chars', fail);
    let tier = tiers[0]?.name ?? null;
    if (t['tier'] !== undefined) {
      if (typeof t['tier'] !== 'string' || t['tier'] === '') fail('trivial.tier', 'must be a tier name');
      const found = tiers.find((x) => x.name.toLowerCase() === String(t['tier']).toLowerCase());
      if (!found) fail('trivial.tier', `"${String(t['tier'])}" is not one of the tiers (${tiers.map((x) => x.name).join(', ') || 'none configured'})`);
      tier = found!.name;
    }
    trivial = { maxChars, tier, configured: true };
  }

  let windowMs = DEFAULT_RETRY_WINDOW_MS;
  if (raw['retries'] !== undefined) {
    const r = object(raw['retries'], 'retries', fail);
    if (r['window_minutes'] !== undefined) windowMs = positive(r['window_minutes'], 'retries.window_minutes', fail) * 60_000;
  }

  return {
    file: where,
    tiers,
    tiersSource: tiers.length > 0 ? 'config' : 'none',
    trivial,
    classifier: { costPerCallUsd, costSource, thresholds: thresholds.filter((x): x is number => x !== null) },
    retries: { windowMs },
    jitter: { band: jitterBand },
  };
}

type Fail = (field: string, message: string) => never;

function normalizeTiers(raw: unknown, fail: Fail): PolicyTier[] {
  if (raw === undefined) return [];
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

/**
 * "thresholds": {"medium": 0.80, "hard": 0.92} names the score from which a tier is used (the demo's older
 * form), or [0.80, 0.92] lists them in tier order. Either becomes the below_score of the tier before.
 */
function applyThresholds(tiers: PolicyTier[], raw: unknown, fail: Fail): void {
  if (tiers.length < 2) fail('classifier.thresholds', 'needs at least two "tiers" to sit between');
  if (Array.isArray(raw)) {
    if (raw.length !== tiers.length - 1) fail('classifier.thresholds', `must list ${tiers.length - 1} scores, one between each pair of adjacent tiers`);
    raw.forEach((v, i) => setBelow(tiers[i]!, score(v, `classifier.thresholds[${i}]`, fail), `classifier.thresholds[${i}]`, fail));
    return;
  }
  const obj = object(raw, 'classifier.thresholds', fail);
  for (const [name, value] of Object.entries(obj)) {
    const tier = tiers.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!tier) fail(`classifier.thresholds.${name}`, `is not one of the tiers (${tiers.map((t) => t.name).join(', ')})`);
    if (tier!.rank === 0) fail(`classifier.thresholds.${name}`, 'cannot be set on the cheapest tier (it takes every score below the next threshold)');
    setBelow(tiers[tier!.rank - 1]!, score(value, `classifier.thresholds.${name}`, fail), `classifier.thresholds.${name}`, fail);
  }
}

function setBelow(tier: PolicyTier, value: number, field: string, fail: Fail): void {
  if (tier.belowScore !== null && tier.belowScore !== value) fail(field, `disagrees with ${tier.name}'s below_score ${tier.belowScore}`);
  tier.belowScore = value;
}

function object(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'must be an object');
  return value as Record<string, unknown>;
}

function score(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'must be a number (a classifier score, e.g. 0.80)');
  return value as number;
}

function nonNegative(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(field, 'must be a number ≥ 0 (USD)');
  return value as number;
}

function positive(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) fail(field, 'must be a number above 0');
  return value as number;
}

function wholeNumber(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(field, 'must be a whole number ≥ 1 (characters)');
  return value as number;
}

function band(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !(value > 0) || !(value <= 0.5)) fail(field, 'must be a number above 0 and at most 0.5 (e.g. 0.03)');
  return value as number;
}

// ---------------------------------------------------------------------------------------------------------
// Tier of a model, of a label

// The model-pattern rule is the price file's (prices/userPrices.ts), so a tier and a price row read `*` alike.
export { globRegExp };

/**
 * The tier that serves a logged model string. Exact names win over everything (across tiers); then, in tier order
 * (cheap first), the first tier with a `*` pattern matching the logged string or its name without a gateway prefix,
 * or with an entry of the same family, so that `claude-3-5-haiku-20241022` in the config still maps the new
 * `claude-3-5-haiku-20250317` (and `openai/gpt-4o-2024-08-06`) to its tier. Null when no tier claims the model.
 */
export function tierOfModel(policy: Pick<RoutingPolicy, 'tiers'>, model: string | null | undefined): PolicyTier | null {
  if (!model || model.trim() === '') return null;
  const logged = model.trim();
  const identity = parseModel(logged);
  const candidates = [logged.toLowerCase(), identity.name.toLowerCase()];
  for (const tier of policy.tiers) {
    if (tier.models.some((m) => !m.includes('*') && candidates.includes(m.toLowerCase()))) return tier;
  }
  for (const tier of policy.tiers) {
    for (const entry of tier.models) {
      if (entry.includes('*')) {
        const re = globRegExp(entry);
        if (candidates.some((c) => re.test(c))) return tier;
      } else if (identity.family !== '' && parseModel(entry).family === identity.family) {
        return tier;
      }
    }
  }
  return null;
}

/**
 * The tier a label names: an ideal route (`should_be`), a router decision, or a classifier's answer. In order:
 * a tier name (`medium`), a tier's configured route (`medium_complexity`), a model (through tierOfModel), or a
 * label that starts with a tier name followed by a separator (`medium_complexity`, `hard-tier`): the longest
 * such tier name wins. Case-insensitive. Null when nothing matches.
 */
export function tierOfLabel(policy: Pick<RoutingPolicy, 'tiers'>, label: string | null | undefined): PolicyTier | null {
  if (!label || label.trim() === '') return null;
  const text = label.trim().toLowerCase();
  const names = (t: PolicyTier): string[] => [t.name.toLowerCase(), ...(t.aliases ?? []).map((a) => a.toLowerCase())];
  const byName = policy.tiers.find((t) => names(t).includes(text));
  if (byName) return byName;
  const byRoute = policy.tiers.find((t) => t.route !== null && t.route.toLowerCase() === text);
  if (byRoute) return byRoute;
  const byModel = tierOfModel(policy, label);
  if (byModel) return byModel;
  let best: PolicyTier | null = null;
  let bestLength = 0;
  for (const t of policy.tiers) {
    for (const name of names(t)) {
      if (text.startsWith(name) && /^[^a-z0-9]/.test(text.slice(name.length)) && name.length > bestLength) {
        best = t;
        bestLength = name.length;
      }
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// Command-line flags

export interface RoutingFlags {
  /** --labels FILE. */
  labels: string | null;
}

/**
 * Pure: the report command's raw options (`labels`, `retryWindow`, `jitterBand`) applied over the policy.
 * Throws a UsageError naming the flag.
 */
export function applyRoutingFlags(policy: RoutingPolicy, options: Record<string, unknown>): RoutingPolicy & RoutingFlags {
  let labels: string | null = null;
  if (options['labels'] !== undefined) {
    if (typeof options['labels'] !== 'string' || options['labels'].trim() === '') throw new UsageError('--labels needs a file (CSV or JSONL)');
    labels = options['labels'];
  }
  let retries = policy.retries;
  if (options['retryWindow'] !== undefined) retries = { windowMs: parseWindow(String(options['retryWindow']), '--retry-window') };
  let jitter = policy.jitter;
  if (options['jitterBand'] !== undefined) {
    const text = String(options['jitterBand']).trim();
    const value = /^\d*\.?\d+$/.test(text) ? Number(text) : NaN;
    if (!(value > 0) || !(value <= 0.5)) throw new UsageError(`--jitter-band "${options['jitterBand']}" must be a score distance above 0 and at most 0.5, e.g. 0.03`);
    jitter = { band: value };
  }
  return { ...policy, retries, jitter, labels };
}

const WINDOW_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `10m`, `90s`, `1h`, `1.5m`; a bare number is minutes. */
export function parseWindow(text: string, flag: string): number {
  const m = /^(\d*\.?\d+)\s*([smh]?)$/i.exec(text.trim());
  const ms = m ? Number(m[1]) * WINDOW_UNIT_MS[(m[2] || 'm').toLowerCase()]! : NaN;
  if (!(ms > 0)) throw new UsageError(`${flag} "${text}" must be a duration like 10m, 90s or 1h`);
  return ms;
}

// ---------------------------------------------------------------------------------------------------------
// Tiers and thresholds from the log itself (no "tiers" in the config; also what `routecheck init` writes)

/**
 * Thresholds the log itself shows: between two adjacent tiers whose score ranges do not overlap, the midpoint
 * of the gap (rounded to the scores' precision). Pure; empty when any pair overlaps or a tier has no scores.
 */
export function inferThresholds(ranges: { rank: number; lo: number; hi: number }[], tiers: number): number[] {
  if (tiers < 2 || ranges.length !== tiers) return [];
  const out: number[] = [];
  for (let i = 0; i + 1 < ranges.length; i++) {
    const a = ranges[i]!;
    const b = ranges[i + 1]!;
    if (a.rank !== i || b.rank !== i + 1 || !(a.hi < b.lo)) return [];
    out.push(Math.round(((a.hi + b.lo) / 2) * 1000) / 1000);
  }
  return out;
}

export interface ObservedModel {
  model: string;
  requests: number;
  /** Median logged USD per token (input + output) of the model's priced calls, null when none is priced. */
  usdPerToken: number | null;
}

/** What labels call the tiers when a log has two or three of them (the post-mortem's words, and the classifiers'). */
const INFERRED_ALIASES: Record<number, string[]> = { 2: ['simple', 'hard'], 3: ['simple', 'medium', 'hard'] };

/**
 * Pure: one tier per model family that carries at least `minShare` of the priced traffic, ordered by the family's
 * median cost per token (cheapest first). Families without a logged price are left out (they cannot be ranked).
 * Tier names are the families; each tier's model entry is the family, which maps every dated version. With two or
 * three tiers, they also answer to simple(/medium)/hard, so labels and classifier answers in those words map.
 */
export function inferTiers(models: readonly ObservedModel[], minShare = 0.01): PolicyTier[] {
  const families = new Map<string, { requests: number; weighted: number; priced: number }>();
  for (const m of models) {
    if (m.usdPerToken === null || !(m.usdPerToken > 0)) continue;
    const family = parseModel(m.model).family;
    if (family === '') continue;
    const f = families.get(family) ?? { requests: 0, weighted: 0, priced: 0 };
    f.requests += m.requests;
    f.weighted += m.usdPerToken * m.requests;
    f.priced += m.requests;
    families.set(family, f);
  }
  const total = [...families.values()].reduce((s, f) => s + f.requests, 0);
  return [...families.entries()]
    .filter(([, f]) => total > 0 && f.requests / total >= minShare)
    .map(([family, f]) => ({ family, price: f.weighted / f.priced }))
    .sort((a, b) => a.price - b.price || a.family.localeCompare(b.family))
    .map((f, rank, all) => {
      const alias = INFERRED_ALIASES[all.length]?.[rank];
      return { name: f.family, rank, models: [f.family], route: null, belowScore: null, ...(alias ? { aliases: [alias] } : {}) };
    });
}
