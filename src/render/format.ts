/** Number formatting for people. Pure; JSON output never goes through these. */

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function usd(n: number): string {
  const abs = Math.abs(n);
  const digits = abs === 0 ? 2 : abs < 0.01 ? 6 : abs < 1 ? 4 : 2;
  const text = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (n < 0 ? '-$' : '$') + text;
}

export function pct(fraction: number, digits = 1): string {
  return (fraction * 100).toFixed(digits) + '%';
}

/** A date-time as `2025-03-17 09:00 UTC`. */
export function when(isoText: string | null): string {
  if (!isoText) return '—';
  return isoText.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}
