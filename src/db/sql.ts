/**
 * Quoting helpers for the few places where SQL cannot take a bound parameter
 * (identifiers, and literals inside generated expressions such as JSON paths).
 * Values from users go through bound parameters wherever DuckDB accepts them.
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
