import { parseModel } from '../prices/identity.js';
import { globRegExp } from '../prices/userPrices.js';
import type { PolicyTier } from './tiers.js';

// Which tier a logged model or a label belongs to, given the policy's tiers.

/**
 * The tier that serves a logged model string. Exact names win over everything (across tiers); then, in tier order
 * (cheap first), the first tier with a `*` pattern matching the logged string or its name without a gateway prefix,
 * or with an entry of the same family, so that `claude-3-5-haiku-20241022` in the config still maps the new
 * `claude-3-5-haiku-20250317` (and `openai/gpt-4o-2024-08-06`) to its tier. Null when no tier claims the model.
 */
export function tierOfModel(policy: { tiers: readonly PolicyTier[] }, model: string | null | undefined): PolicyTier | null {
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
export function tierOfLabel(policy: { tiers: readonly PolicyTier[] }, label: string | null | undefined): PolicyTier | null {
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
