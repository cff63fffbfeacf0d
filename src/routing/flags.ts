import { UsageError } from '../errors.js';
import type { RoutingPolicy } from './policy.js';

// The report command's routing flags (--labels, --retry-window, --jitter-band), applied over the config's policy.

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
