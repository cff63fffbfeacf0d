import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { UsageError } from '../errors.js';

/**
 * The user price file: negotiated prices, fine-tunes, Azure deployment names, self-hosted models, and dated
 * versions no catalog knows yet. It overrides the bundled catalog wherever a row matches.
 *
 * One row per (model pattern, provider, period). CSV with a header, or JSON (an array of rows, or
 * `{"prices": [...]}`). Columns:
 *   model                 exact id (`gpt-4o-2024-08-06`), a pattern with `*` (`claude-3-5-haiku*`: any run of
 *                         characters) or a regular expression between slashes (`/^ft:gpt-4o-mini/i`)
 *   provider              optional: the row applies only to requests logged with this provider
 *   effective_from        optional, inclusive: `2025-03-17` (UTC midnight) or an ISO time with zone
 *   effective_to          optional, exclusive
 *   input_per_mtok        USD per million input tokens
 *   output_per_mtok       USD per million output tokens
 *   cached_input_per_mtok optional: USD per million cached input tokens (default: the input price)
 *   cache_write_per_mtok  optional: USD per million prompt-cache write tokens (default: the input price)
 * Matching is case-insensitive except for regular expressions (which take their own flags); a pattern is
 * tried against the model as logged and without its gateway prefix (`openai/gpt-4o` → `gpt-4o`).
 */
export interface UserPriceRow {
  /** Where the row was written, for messages and `prices show`: `prices.csv line 2`. */
  where: string;
  /** The model column as written. */
  pattern: string;
  match: PriceMatch;
  provider: string | null;
  /** Inclusive; null = since always. */
  from: Date | null;
  /** Exclusive; null = until further notice. */
  to: Date | null;
  input_per_mtok: number;
  output_per_mtok: number;
  cached_input_per_mtok: number | null;
  cache_write_per_mtok: number | null;
}

export type PriceMatch =
  | { kind: 'exact'; value: string }
  | { kind: 'pattern'; re: RegExp; literalChars: number }
  | { kind: 'regex'; re: RegExp };

const COLUMNS = ['model', 'provider', 'effective_from', 'effective_to', 'input_per_mtok', 'output_per_mtok', 'cached_input_per_mtok', 'cache_write_per_mtok'];

/** Reads and validates a price file (CSV by default; JSON when it ends in .json or starts with `[`/`{`). */
export function loadUserPrices(file: string): UserPriceRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read price file ${file}`);
  }
  return parseUserPrices(text, file);
}

/** Pure: the file's text → validated rows, or a UsageError naming the file and the row. */
export function parseUserPrices(text: string, file: string): UserPriceRow[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (file.toLowerCase().endsWith('.json') || trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`price file ${file} is not valid JSON: ${(error as Error).message}`);
    }
    const rows = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.['prices'];
    if (!Array.isArray(rows)) throw new UsageError(`price file ${file}: expected an array of rows or {"prices": [...]}`);
    return normalizeUserPriceRows(rows, (i) => `${file} row ${i + 1}`);
  }
  const parsed = Papa.parse<Record<string, string>>(trimmed, { header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim() });
  const fatal = parsed.errors.find((e) => e.type !== 'FieldMismatch' || e.code === 'TooManyFields');
  if (fatal) throw new UsageError(`price file ${file} line ${(fatal.row ?? 0) + 2}: ${fatal.message}`);
  const unknown = (parsed.meta.fields ?? []).filter((f) => !COLUMNS.includes(f));
  if (unknown.length > 0) {
    throw new UsageError(`price file ${file}: unknown column "${unknown[0]}" (columns: ${COLUMNS.join(', ')})`);
  }
  // Line numbers as an editor shows them: the header is line 1 (rows spanning lines are rare in a price file).
  return normalizeUserPriceRows(parsed.data, (i) => `${file} line ${i + 2}`);
}

/** Pure: raw rows (from CSV, JSON or the config) → validated rows. `where(i)` names row i in messages. */
export function normalizeUserPriceRows(rows: unknown[], where: (index: number) => string): UserPriceRow[] {
  return rows.map((raw, i) => normalizeRow(raw, where(i)));
}

function normalizeRow(raw: unknown, where: string): UserPriceRow {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${where}: must be an object`);
  const row = raw as Record<string, unknown>;
  const unknown = Object.keys(row).find((k) => !COLUMNS.includes(k));
  if (unknown !== undefined) throw new UsageError(`${where}: unknown field "${unknown}" (fields: ${COLUMNS.join(', ')})`);
  const pattern = text(row['model']);
  if (pattern === null) throw new UsageError(`${where}: "model" is required`);
  const from = date(row['effective_from'], where, 'effective_from');
  const to = date(row['effective_to'], where, 'effective_to');
  if (from && to && from >= to) throw new UsageError(`${where}: effective_from must be before effective_to`);
  const input = price(row['input_per_mtok'], where, 'input_per_mtok');
  const output = price(row['output_per_mtok'], where, 'output_per_mtok');
  if (input === null) throw new UsageError(`${where}: "input_per_mtok" is required`);
  if (output === null) throw new UsageError(`${where}: "output_per_mtok" is required`);
  return {
    where,
    pattern,
    match: compileMatch(pattern, where),
    provider: text(row['provider'])?.toLowerCase() ?? null,
    from,
    to,
    input_per_mtok: input,
    output_per_mtok: output,
    cached_input_per_mtok: price(row['cached_input_per_mtok'], where, 'cached_input_per_mtok'),
    cache_write_per_mtok: price(row['cache_write_per_mtok'], where, 'cache_write_per_mtok'),
  };
}

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

function price(value: unknown, where: string, field: string): number | null {
  const s = text(value);
  if (s === null) return null;
  const n = typeof value === 'number' ? value : Number(s);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${where}: ${field} "${s}" is not a price (a number ≥ 0, USD per million tokens)`);
  return n;
}

function date(value: unknown, where: string, field: string): Date | null {
  const s = text(value);
  if (s === null) return null;
  let d: Date | null = null;
  if (/^\d{4}-\d\d-\d\d$/.test(s)) d = new Date(`${s}T00:00:00Z`);
  else if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(s)) d = new Date(s);
  if (!d || Number.isNaN(d.getTime()) || (s.length === 10 && d.toISOString().slice(0, 10) !== s)) {
    throw new UsageError(`${where}: ${field} "${s}" is not a date (2025-03-17) or a time with zone (2025-03-17T12:00:00Z)`);
  }
  return d;
}

/** `/re/flags` → regex; a `*` anywhere → pattern (`*` = any run of characters); else exact. */
export function compileMatch(pattern: string, where: string): PriceMatch {
  const re = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (re) {
    try {
      return { kind: 'regex', re: new RegExp(re[1]!, re[2]!.replace(/[gy]/g, '')) };
    } catch (error) {
      throw new UsageError(`${where}: model ${pattern} is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (pattern.includes('*')) return { kind: 'pattern', re: globRegExp(pattern), literalChars: pattern.replaceAll('*', '').length };
  return { kind: 'exact', value: pattern.toLowerCase() };
}

/**
 * The one model-pattern rule (price rows and config tiers): `*` = any run of characters, `/` included; everything
 * else literal; the whole string; case-insensitive. Deliberately not a file glob: model names hold `/`, `.`, `:`
 * and `@` (`openai/gpt-4o`, `claude-3-5-haiku@20241022`), and `?` or `[` in a name are meant literally.
 */
export function globRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i');
}

export function matches(m: PriceMatch, candidates: readonly string[]): boolean {
  switch (m.kind) {
    case 'exact':
      return candidates.some((c) => c.toLowerCase() === m.value);
    case 'pattern':
    case 'regex':
      return candidates.some((c) => m.re.test(c));
  }
}

/** Higher wins when several rows cover the same request: exact, then the longest pattern, then regexes. */
export function specificity(m: PriceMatch): number {
  switch (m.kind) {
    case 'exact':
      return 1_000_000;
    case 'pattern':
      return 1_000 + m.literalChars;
    case 'regex':
      return 0;
  }
}
