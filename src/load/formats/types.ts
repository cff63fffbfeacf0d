import type { CanonicalName } from '../canonical.js';

/**
 * How a file's bytes become records, each a JSON object text with a line number:
 * - `jsonl`: one record per non-blank line (DuckDB read_csv with one VARCHAR column);
 * - `json`: one or more JSON documents (a top-level array is split into its elements);
 * - `csv`: a delimited file with a header; each row becomes a JSON object of its columns;
 * - `parquet` / `arrow`: columnar files; each row becomes a JSON object of its columns;
 * - `text`: plain lines, grouped into records by the format's `explode` SQL.
 */
export type Framing = 'jsonl' | 'json' | 'csv' | 'parquet' | 'arrow' | 'text';

/** What detection sees: the first records of a file, already split by its framing. */
export interface Sample {
  framing: Framing;
  /** Parsed JSON objects of the first records (for csv/parquet/arrow: the row objects). */
  objects: Record<string, unknown>[];
  /** The first non-blank lines, as text. */
  lines: string[];
}

/**
 * SQL templates over a record: `{$.json.path}` stands for the VARCHAR value at that path
 * (objects and arrays come back as JSON text). Macros from db/schema.ts may be used, and `$file_time`: the
 * file's modification time (ISO text), for formats whose records carry no time of their own.
 */
export type FieldTemplate = string;

export interface LogFormat {
  /** The name users pass to --input-format and see in summaries. */
  name: string;
  description: string;
  /** The framings this format comes in (e.g. LiteLLM spend logs as JSONL or CSV). */
  framings: readonly Framing[];
  /**
   * How sure this format is that the sample is its own: 0 (not mine) to 1. Pure.
   * The highest score wins; the native format answers low for anything JSON so specific formats win.
   */
  detect(sample: Sample): number;
  /**
   * Optional SQL that turns the framed records (a relation `rc_framed(line, raw)`) into LLM-call
   * records `(line, raw)`, e.g. flattening OTLP spans out of an export request.
   */
  explode?: string;
  /** Optional predicate template: records for which it is false are skipped (not LLM calls), not rejected. */
  keep?: FieldTemplate;
  /** How each canonical field is read from a record. Fields left out are NULL. */
  fields: Partial<Record<CanonicalName, FieldTemplate>>;
  /**
   * Optional: the fields for one file, given every top-level key that occurs in its records.
   * Lets a format with many alternative spellings (native) parse only the paths the file uses.
   */
  fieldsFor?(keys: ReadonlySet<string>): Partial<Record<CanonicalName, FieldTemplate>>;
  /**
   * Set when the format's cost column defaults to 0, so that a logged 0 may only mean "the gateway could not price
   * this call" (LiteLLM's `spend`): the reason, for people. A 0 on a call with tokens is then priced like a missing
   * cost (prices/costs.ts, cost_basis `logged_zero_repriced`), or unpriced; elsewhere a logged 0 is kept.
   */
  zeroCostIsDefault?: string;
  /** Multipliers applied to a numeric field after conversion (e.g. US cents → USD: 0.01). */
  scale?: Partial<Record<CanonicalName, number>>;
}
