import type { Database, Params, Row } from '../db/database.js';

/**
 * An analysis is its SQL plus a pure mapper: the mapper never sees DuckDB, only rows,
 * so it is tested with literal rows and the SQL is tested on tiny in-memory databases.
 */
export interface Analysis<R> {
  name: string;
  /** Named queries; each runs with the same bound parameters. */
  queries: Record<string, string>;
  toResult(rows: Record<string, Row[]>): R;
}

export async function runAnalysis<R>(db: Database, analysis: Analysis<R>, params: Params): Promise<R> {
  const rows: Record<string, Row[]> = {};
  for (const [key, sql] of Object.entries(analysis.queries)) {
    rows[key] = await db.all(sql, paramsUsedBy(sql, params));
  }
  return analysis.toResult(rows);
}

/** DuckDB refuses named parameters a statement does not use, so each query gets only its own. */
export function paramsUsedBy(sql: string, params: Params): Params {
  if (Array.isArray(params)) return params;
  return Object.fromEntries(Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(sql)));
}

/** The report window as SQL over `ts`; binds $from (inclusive) and $to (exclusive), either may be NULL. */
export const IN_WINDOW = `(CAST($from AS TIMESTAMPTZ) IS NULL OR ts >= CAST($from AS TIMESTAMPTZ))
  AND (CAST($to AS TIMESTAMPTZ) IS NULL OR ts < CAST($to AS TIMESTAMPTZ))`;

/** BIGINT/HUGEINT/DECIMAL come back as bigint or objects; analyses want plain numbers. */
export function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : value === null || value === undefined ? null : String(value);
}
