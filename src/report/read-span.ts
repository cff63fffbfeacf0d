import type { RunSettings } from '../settings.js';
import { resolveReportWindow, trendRange } from '../window.js';

const DAY_MS = 86_400_000;
/** The cache section infers a TTL of at most 30 days, or the window's length when that is longer (inferTtl). */
const LONGEST_INFERRED_TTL_MS = 30 * DAY_MS;

/** Request times as a half-open span; null: unbounded on that side. */
export interface Span {
  from: Date | null;
  to: Date | null;
}

export const OPEN_SPAN: Span = { from: null, to: null };

/**
 * The request times a run can read, when they are known before any log is loaded: a source that can filter before
 * it reads (postgres://) reads only these. It covers everything the report reads (report.ts, sectionContext): the
 * window, the window it is compared with, the trend weeks and the week of cost facts before them, and before the
 * window the cache warm-up (one TTL) and the retry look-back. Pure.
 *
 * Known for --week and for --since/--until given as dates; a side is open (null) when it hangs on the data: the
 * default week and --last (the data's last week or day), a duration (7d back from the latest log), --since
 * without --until (the comparison window is as long as the data's end makes the window), and --all.
 */
export function readSpan(settings: Pick<RunSettings, 'window' | 'trendWeeks' | 'pricing' | 'cache' | 'routing'>): Span {
  const spec = settings.window;
  if (spec.kind === 'range') {
    if (spec.since?.kind === 'ago' || spec.until?.kind !== 'instant') return OPEN_SPAN;
  } else if (spec.kind !== 'week') {
    return OPEN_SPAN;
  }
  const { window, previous } = resolveReportWindow(spec, { first: null, last: null });
  const trend = trendRange(window, previous, settings.trendWeeks, settings.pricing.weekStart, null);
  const to = latest(window.to, trend.to);
  if (!window.from || !window.to) return { from: null, to };

  const length = window.to.getTime() - window.from.getTime();
  const ttl = settings.cache.ttl ? settings.cache.ttl.seconds * 1000 : Math.max(LONGEST_INFERRED_TTL_MS, Math.ceil(length / DAY_MS) * DAY_MS);
  const lookBack = Math.max(ttl, settings.routing.retries.windowMs);
  const candidates = [
    window.from.getTime() - lookBack,
    // The trend's cost facts reach one week before the first trend week (sectionContext's trendFactParams).
    trend.from ? trend.from.getTime() - 7 * DAY_MS : null,
    previous?.from?.getTime() ?? null,
  ].filter((t): t is number => t !== null);
  return { from: new Date(Math.min(...candidates)), to };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a > b ? a : b;
}
