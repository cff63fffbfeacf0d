import { band, characters, fieldFailure, nonNegative, object, positive, score, type Fail } from './fields.js';
import { normalizeTiers, type PolicyTier } from './tiers.js';

// Moved to their own modules; re-exported so that imports of routing/policy.js keep working.
export { applyRoutingFlags, parseWindow, type RoutingFlags } from './flags.js';
export { inferThresholds, inferTiers, type ObservedModel } from './infer.js';
export { tierOfLabel, tierOfModel } from './tier-match.js';
export { globRegExp } from '../prices/userPrices.js';
export type { PolicyTier };

/**
 * The routing policy: what the router is meant to do, from routecheck.config.json, validated once by
 * normalizeRoutingPolicy() into a typed object. Messages name the file and the field.
 *
 * Config keys read here (every one optional; the deviation and classifier sections say what is missing):
 *   "tiers"      parsed by routing/tiers.ts (names, models, below_score, route), ordered cheap → expensive
 *   "trivial": {"max_chars": 10, "tier": "simple"}   inputs shorter than max_chars skip the classifier (0: no rule)
 *   "classifier": {"cost_per_call_usd": 0.003, "thresholds": {"medium": 0.80, "hard": 0.92}, "jitter_band": 0.03}
 *   "retries": {"window_minutes": 10}
 *
 * Invariants of the result: those of the tiers (routing/tiers.ts); thresholds rise with the tiers; the trivial
 * tier names a tier when there are tiers.
 */
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
  const fail = fieldFailure(file);
  const tiers = normalizeTiers(raw['tiers'], file);

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
    const maxChars = t['max_chars'] === undefined ? DEFAULT_TRIVIAL_MAX_CHARS : characters(t['max_chars'], 'trivial.max_chars', fail);
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
