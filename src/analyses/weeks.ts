import type { WeekStart } from '../prices/settings.js';
import { WEEK_DAYS } from '../prices/settings.js';

/**
 * Report weeks: UTC, starting on a configurable day (Monday = ISO weeks). A week is named by its first day,
 * `2025-03-17`. DuckDB's date_trunc('week') is ISO (Monday); other start days shift the timestamp forward so
 * that the chosen day lands on a Monday, truncate, and shift back. Binds $week_shift (days, 0–6).
 */
export function weekOf(column: string): string {
  return `CAST(date_trunc('week', ${column} + to_days(CAST($week_shift AS INTEGER))) - to_days(CAST($week_shift AS INTEGER)) AS DATE)`;
}

/** The report week of the `ts` column: the one week expression every SQL query uses. */
export const WEEK_OF_TS = weekOf('ts');

/** Days to add so that `start` falls on a Monday: monday 0, tuesday 6, …, sunday 1. */
export function weekShift(start: WeekStart): number {
  return (7 - WEEK_DAYS.indexOf(start)) % 7;
}

const DAY_MS = 86_400_000;

/** `2025-03-17` → the label `days` later. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A DATE value from DuckDB (Date, or text) as `YYYY-MM-DD`. */
export function dayLabel(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}
