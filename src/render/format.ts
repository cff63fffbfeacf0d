import { terminalLine } from './escape.js';

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

/** One terminal line of at most `max` characters: whitespace runs flattened, controls shown (escape.ts), cut with `…`. */
export function truncate(text: string, max: number): string {
  const flat = terminalLine(text.replace(/\s+/g, ' '));
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}

/** +18.0% / −15.3%: a change always carries its sign. */
export function signedPct(fraction: number | null, digits = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return '—';
  const text = pct(Math.abs(fraction), digits);
  return fraction > 0 ? `+${text}` : fraction < 0 ? `−${text}` : text;
}

/** Tokens per dollar, compact: 245.1k, 1.23M. */
export function compact(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

/** Greedy word wrap; continuation lines are indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 2): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = ' '.repeat(indent) + w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** A price file's row without its folder (`prices.csv line 2 (…)`): the full path is in the JSON. */
export function shortOrigin(origin: string): string {
  return origin.replace(/^.*[\\/]([^\\/]+ (line|row) \d+)/, '$1');
}

/** 86400 → 24h, 90 → 90s, 172800 → 2d. */
export function duration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 172800) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${Math.round(seconds)}s`;
}
