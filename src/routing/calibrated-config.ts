import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { PolicyTier } from './tiers.js';

/**
 * `routecheck calibrate --write-config FILE`: the config the run read, with the recommended policy in it. Pure.
 *
 * - "tiers": the policy's tiers (the config's, or the ones inferred from the log) with each tier's `below_score` set to
 *   the recommended threshold above it (none on the most expensive tier); "classifier.thresholds" is left out, since
 *   it would repeat (and could contradict) the tiers' scores;
 * - "trivial": {"max_chars": the recommended limit (0: no trivial rule), "tier": the trivial tier};
 * - every other key as it was; paths the config holds relative to its own folder ("prices", "price_catalog",
 *   "embedder.model_dir") are rewritten relative to the new file's folder, so they still name the same files.
 */
export function calibratedConfig(
  raw: Record<string, unknown>,
  files: { from: string | undefined; to: string },
  tiers: readonly PolicyTier[],
  recommended: { thresholds: readonly number[]; trivialChars: number; trivialTier: string },
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  out['tiers'] = tiers.map((t, i) => {
    const tier: Record<string, unknown> = { name: t.name, models: t.models };
    if (t.route !== null) tier['route'] = t.route;
    if (i < tiers.length - 1 && recommended.thresholds[i] !== undefined) tier['below_score'] = recommended.thresholds[i];
    return tier;
  });
  out['trivial'] = { max_chars: recommended.trivialChars, tier: recommended.trivialTier };
  const classifier = raw['classifier'];
  if (classifier !== null && typeof classifier === 'object' && !Array.isArray(classifier)) {
    const { thresholds: _dropped, ...rest } = classifier as Record<string, unknown>;
    out['classifier'] = rest;
  }
  const from = files.from === undefined ? process.cwd() : dirname(resolve(files.from));
  const to = dirname(resolve(files.to));
  const rebase = (path: unknown): unknown => {
    if (typeof path !== 'string' || path.trim() === '' || path === 'bundled' || isAbsolute(path)) return path;
    const moved = relative(to, resolve(from, path));
    return moved === '' ? '.' : moved;
  };
  if (out['prices'] !== undefined) out['prices'] = rebase(out['prices']);
  if (out['price_catalog'] !== undefined) out['price_catalog'] = rebase(out['price_catalog']);
  const embedder = raw['embedder'];
  if (embedder !== null && typeof embedder === 'object' && !Array.isArray(embedder) && (embedder as Record<string, unknown>)['model_dir'] !== undefined) {
    out['embedder'] = { ...(embedder as Record<string, unknown>), model_dir: rebase((embedder as Record<string, unknown>)['model_dir']) };
  }
  return out;
}
