import { UsageError } from './errors.js';
import { WEEK_DAYS, type WeekStart } from './prices/settings.js';

/** A bound as the user wrote it: an instant, or a duration back from the end of the data. */
export type Bound = { kind: 'instant'; at: Date } | { kind: 'ago'; ms: number };

const DURATION = /^(\d+)\s*([hdw])$/i;
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * The longest window or look-back a flag may name: 100 years. Past it the window's dates would leave the range
 * a date can hold (`--last 99999999w`), and no log spans that long.
 */
export const MAX_DURATION_MS = 100 * 365.25 * 86_400_000;
const MAX_DURATION_TEXT = `100 years (${Math.floor(MAX_DURATION_MS / (7 * 86_400_000))}w)`;

/** The written year, month and day name a day of the calendar (2025-02-29 does not; Date would make it 03-01). */
function realDay(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

/** `2025-03-17`, `2025-03-17T12:00:00Z`, or `7d` / `4w` / `12h`. Pure. */
export function parseBound(text: string, flag: string): Bound {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) return { kind: 'ago', ms: durationMs(trimmed, duration, flag) };
  if (/^\d{4}-\d\d-\d\d([T ]|$)/.test(trimmed) && !realDay(trimmed)) {
    throw new UsageError(`${flag} "${text}": ${trimmed.slice(0, 10)} is not a day of the calendar`);
  }
  if (/^\d{4}-\d\d-\d\d$/.test(trimmed)) {
    const at = new Date(trimmed + 'T00:00:00Z');
    if (!Number.isNaN(at.getTime())) return { kind: 'instant', at };
  } else if (/^\d{4}-\d\d-\d\d[T ]/.test(trimmed)) {
    const iso = trimmed.replace(' ', 'T');
    const at = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + 'Z');
    if (!Number.isNaN(at.getTime())) return { kind: 'instant', at };
  }
  throw new UsageError(`${flag} "${text}" is not a date (2025-03-17, 2025-03-17T12:00:00Z) or a duration (7d, 4w, 12h)`);
}

/** A matched duration in milliseconds, at most MAX_DURATION_MS. */
function durationMs(text: string, match: RegExpExecArray, flag: string): number {
  const ms = Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]!;
  if (!(ms <= MAX_DURATION_MS)) throw new UsageError(`${flag} "${text}" is too long: at most ${MAX_DURATION_TEXT}`);
  return ms;
}

export interface Window {
  /** Inclusive. */
  from: Date | null;
  /** Exclusive. */
  to: Date | null;
}

/**
 * Resolves --since/--until against the data: durations count back from the latest timestamp,
 * so `--since 7d` means the last 7 days of the logs, whether they are live or a year old.
 */
export function resolveWindow(since: Bound | undefined, until: Bound | undefined, dataEnd: Date | null): Window {
  const resolve = (b: Bound | undefined): Date | null => {
    if (!b) return null;
    if (b.kind === 'instant') return b.at;
    return dataEnd ? new Date(dataEnd.getTime() - b.ms) : null;
  };
  const from = resolve(since);
  const to = resolve(until);
  if (from && to && from >= to) throw new UsageError(`--since must be before --until`);
  return { from, to };
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** How the report window was chosen; `--week`, `--last`, `--since/--until`, `--all`, or the default. */
export type WindowSpec =
  | { kind: 'default' }
  | { kind: 'all' }
  | { kind: 'week'; from: Date; label: string }
  | { kind: 'last'; ms: number; text: string }
  | { kind: 'range'; since?: Bound; until?: Bound };

export interface ReportWindow {
  window: Window;
  /** The window just before, of the same length, that the headline compares with; null when there is none. */
  previous: Window | null;
  /**
   * `last_complete_week` (the default), `week` (--week), `last` (--last), `range` (--since/--until), or `all`:
   * the whole data (--all, or the default when the data holds no complete week).
   */
  basis: 'last_complete_week' | 'week' | 'last' | 'range' | 'all';
  /** `2025-W12` for week windows, else null. */
  label: string | null;
}

/** Monday 00:00 UTC of the ISO week holding `d`. */
export function isoWeekStart(d: Date): Date {
  const day = Math.floor(d.getTime() / DAY_MS) * DAY_MS;
  const dow = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - dow * DAY_MS);
}

/** `2025-W12` for any instant of that ISO week (the ISO year is the year of the week's Thursday). */
export function isoWeekLabel(d: Date): string {
  const thursday = new Date(isoWeekStart(d).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week1 = isoWeekStart(new Date(Date.UTC(year, 0, 4)));
  const week = Math.round((thursday.getTime() - 3 * DAY_MS - week1.getTime()) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** `2025-W12` (also `2025w12`) → the Monday it starts on. Pure; a week that does not exist is a UsageError. */
export function parseIsoWeek(text: string, flag = '--week'): { from: Date; label: string } {
  const m = /^(\d{4})-?[wW](\d{1,2})$/.exec(text.trim());
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    // Week 1 is the week with 4 January in it.
    const from = new Date(isoWeekStart(new Date(Date.UTC(year, 0, 4))).getTime() + (week - 1) * WEEK_MS);
    const label = `${year}-W${String(week).padStart(2, '0')}`;
    if (week >= 1 && isoWeekLabel(from) === label) return { from, label };
    throw new UsageError(`${flag} "${text}": ${year} has no ISO week ${week}`);
  }
  throw new UsageError(`${flag} "${text}" is not an ISO week (2025-W12)`);
}

/** The unit of a duration as written (`h`, `d` or `w`); null when `text` is not a duration. */
function durationUnit(text: string): 'h' | 'd' | 'w' | null {
  return (DURATION.exec(text.trim())?.[2]?.toLowerCase() as 'h' | 'd' | 'w' | undefined) ?? null;
}

/** `7d`, `4w`, `12h` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const b = DURATION.exec(text.trim());
  if (!b) throw new UsageError(`${flag} "${text}" is not a duration (7d, 4w, 12h)`);
  const ms = durationMs(text.trim(), b, flag);
  if (ms <= 0) throw new UsageError(`${flag} "${text}" must be longer than zero`);
  return ms;
}

/**
 * The report window and the window it is compared with. Pure.
 *
 * Default: the last complete ISO week (UTC, Monday to Monday) in the data, compared with the week before. A week
 * is complete when the data reaches both its first day and its last day (a Friday cron run on logs loaded up to
 * Thursday reports the week before; a log that starts on a Wednesday has no complete first week). When the data
 * holds no complete week, the report covers all of it and compares with nothing.
 *
 * `--last 7d` (or `4w`) is the 7 whole UTC days ending at the midnight after the latest request, compared with the
 * 7 days before; `--last 12h` is exactly the 12 hours up to the latest request. `--since/--until` compare with the
 * same length just before `--since` (when both ends are known).
 */
/**
 * A window's length in days: its bounds when both are set, else the span of its requests (first and last request
 * time, each standing in for a missing bound); null when it is empty. Monthly figures are window dollars × 30 ÷ this.
 */
export function windowLengthDays(window: { from: Date | null; to: Date | null }, span: { first: Date | null; last: Date | null }): number | null {
  if (window.from && window.to) return (window.to.getTime() - window.from.getTime()) / DAY_MS;
  if (!span.first || !span.last) return null;
  const days = ((window.to ?? span.last).getTime() - (window.from ?? span.first).getTime()) / DAY_MS;
  return days > 0 ? days : null;
}

export function resolveReportWindow(spec: WindowSpec, data: { first: Date | null; last: Date | null }): ReportWindow {
  switch (spec.kind) {
    case 'all':
      return { window: { from: null, to: null }, previous: null, basis: 'all', label: null };
    case 'week':
      return weekWindow(spec.from, 'week');
    case 'last': {
      if (!data.last) return { window: { from: null, to: null }, previous: null, basis: 'last', label: null };
      if (durationUnit(spec.text) === 'h') {
        // Hours are exact: back from the latest request, which the open end includes.
        const from = new Date(data.last.getTime() - spec.ms);
        return { window: { from, to: null }, previous: { from: new Date(from.getTime() - spec.ms), to: from }, basis: 'last', label: null };
      }
      // Days and weeks are whole UTC days, up to the end of the latest request's day: `--last 6w` on logs that end
      // at 23:59 is 42 days from midnight to midnight, not 23:59 to 23:59 (which splits a day at each end).
      const to = new Date(Math.floor(data.last.getTime() / DAY_MS) * DAY_MS + DAY_MS);
      const from = new Date(to.getTime() - spec.ms);
      return { window: { from, to }, previous: { from: new Date(from.getTime() - spec.ms), to: from }, basis: 'last', label: null };
    }
    case 'range': {
      const window = resolveWindow(spec.since, spec.until, data.last);
      const end = window.to ?? (data.last ? new Date(data.last.getTime() + 1) : null);
      const previous =
        window.from && end && end > window.from
          ? { from: new Date(window.from.getTime() - (end.getTime() - window.from.getTime())), to: window.from }
          : null;
      return { window, previous, basis: 'range', label: null };
    }
    case 'default': {
      const week = lastCompleteWeek(data.first, data.last);
      if (!week) return { window: { from: null, to: null }, previous: null, basis: 'all', label: null };
      return weekWindow(week, 'last_complete_week');
    }
  }
}

/** The Monday of the last complete ISO week in [first, last], or null. */
export function lastCompleteWeek(first: Date | null, last: Date | null): Date | null {
  if (!first || !last) return null;
  let start = isoWeekStart(last);
  // The data must reach the week's last day (Sunday) …
  if (last.getTime() < start.getTime() + 6 * DAY_MS) start = new Date(start.getTime() - WEEK_MS);
  // … and its first day (Monday).
  return first.getTime() < start.getTime() + DAY_MS ? start : null;
}

function weekWindow(from: Date, basis: 'week' | 'last_complete_week'): ReportWindow {
  const to = new Date(from.getTime() + WEEK_MS);
  return { window: { from, to }, previous: { from: new Date(from.getTime() - WEEK_MS), to: from }, basis, label: isoWeekLabel(from) };
}

const DAY = 86_400_000;

/** The start (UTC midnight) of the report week holding `d`, for weeks that start on `weekStart`. */
export function weekFloor(d: Date, weekStart: WeekStart = 'monday'): Date {
  const midnight = Math.floor(d.getTime() / DAY) * DAY;
  const monday0 = (new Date(midnight).getUTCDay() + 6) % 7;
  const offset = (monday0 - WEEK_DAYS.indexOf(weekStart) + 7) % 7;
  return new Date(midnight - offset * DAY);
}

/**
 * The weeks trend sections cover: `weeks` whole report weeks that end with the window's last week, reaching back
 * at least to the week the comparison window starts in (so a long window keeps its week before). Open (nulls)
 * for --all. `dataLast` stands in for an open window end (--last, --since without --until).
 */
export function trendRange(
  window: { from: Date | null; to: Date | null },
  previous: { from: Date | null; to: Date | null } | null,
  weeks: number,
  weekStart: WeekStart,
  dataLast: Date | null,
): { from: Date | null; to: Date | null; weeks: number | null } {
  const end = window.to ?? (dataLast ? new Date(dataLast.getTime() + 1) : null);
  if (end === null || (window.from === null && window.to === null)) return { from: null, to: null, weeks: null };
  const lastWeek = weekFloor(new Date(end.getTime() - 1), weekStart);
  const to = new Date(lastWeek.getTime() + 7 * DAY);
  let from = new Date(lastWeek.getTime() - (weeks - 1) * 7 * DAY);
  const earliest = previous?.from ?? window.from;
  if (earliest && earliest < from) from = weekFloor(earliest, weekStart);
  return { from, to, weeks: Math.round((to.getTime() - from.getTime()) / (7 * DAY)) };
}
