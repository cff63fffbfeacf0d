import type { ClassifierAnswer, ClassifierErrorKind } from './types.js';

/**
 * Pure: what an outside classifier (an HTTP service, a user's module) returned for `n` texts → one answer
 * per text. Accepted shapes (documented in the README):
 *   {"tiers": ["simple", "hard", …]}            {"tiers": [{"tier": "simple"}, …]}
 *   ["simple", "hard", …]                       [{"tier": "simple"}, …]
 * An element that is null, or has no string `tier`, is a `bad_response` for that text only; a list of the
 * wrong length (or any other shape) is a `bad_response` for every text, since answers cannot be matched to
 * inputs. Tier names are checked later, against the routing policy (replay.ts).
 */
export function answersFrom(value: unknown, n: number, source: string): ClassifierAnswer[] {
  let list: unknown = value;
  if (list !== null && typeof list === 'object' && !Array.isArray(list) && 'tiers' in list) list = (list as { tiers: unknown }).tiers;
  if (!Array.isArray(list)) {
    return failAll(n, 'bad_response', `${source} returned ${describe(value)}, expected {"tiers": [...]} or a list`);
  }
  if (list.length !== n) return failAll(n, 'bad_response', `${source} returned ${list.length} answers for ${n} inputs`);
  return list.map((item): ClassifierAnswer => {
    if (typeof item === 'string' && item.trim() !== '') return { tier: item.trim() };
    if (item !== null && typeof item === 'object' && typeof (item as { tier?: unknown }).tier === 'string') {
      const tier = ((item as { tier: string }).tier).trim();
      if (tier !== '') return { tier };
    }
    return { error: `${source} answered ${describe(item)} instead of a tier`, kind: 'bad_response' };
  });
}

export function failAll(n: number, kind: ClassifierErrorKind, error: string): ClassifierAnswer[] {
  return Array.from({ length: n }, () => ({ error, kind }));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 39) + '…' : text;
}
