/**
 * The statistics every section shares: one definition each, so the JSON, the tables and the charts agree.
 */

/** Days in the month that "$/month" figures scale to: a window's cost per day × 30. */
export const MONTH_DAYS = 30;

/** A window's dollars as dollars per month, or null when the window's length is unknown. */
export function perMonth(windowUsd: number | null, windowDays: number | null): number | null {
  return windowUsd === null || windowDays === null || windowDays <= 0 ? null : (windowUsd / windowDays) * MONTH_DAYS;
}

/**
 * Wilson score interval for k successes in n trials (95% by default): stays inside [0, 1] and behaves at
 * small n and near 0 or 1, where the normal approximation does not.
 */
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denom = 1 + z2 / n;
  return [Math.max(0, (centre - spread) / denom), Math.min(1, (centre + spread) / denom)];
}

/** `now` over `before` − 1 (−0.15: fell 15%); null when either is unknown or there is nothing before to compare with. */
export function relativeChange(now: number | null, before: number | null | undefined): number | null {
  return now !== null && before !== null && before !== undefined && before > 0 ? now / before - 1 : null;
}
