import { parseModel } from '../prices/identity.js';
import type { PolicyTier } from './tiers.js';

// Tiers and thresholds from the log itself (no "tiers" in the config; also what `routecheck init` writes).

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
