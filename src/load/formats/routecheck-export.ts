import type { LogFormat, Sample } from './types.js';

/** Columns only routecheck's own export writes side by side (export/enriched.ts EXPORT_COLUMNS). */
const SIGNATURE = ['cost_basis', 'price_origin', 'ideal_source', 'list_cost_usd'];

/**
 * routecheck's own `export` (Parquet, CSV, Arrow; one file, or a folder of `week=YYYY-MM-DD/…` partitions from
 * `export --partition week`), read back as the requests it came from, so that a report over an export equals the
 * report over the logs (test/export.partition.test.ts). Each canonical field is read from its own column, never from
 * a derived one with an alias's name (`tier`, `cost`):
 * - `ideal` only where the record itself carried it (`ideal_source = record`): a --labels or replay ideal stays the
 *   labels' or the replay's;
 * - `cost_usd` where the original was used as a price (`cost_basis` logged or cache_hit); a logged 0 that pricing
 *   set aside (a gateway's default 0) or a logged cost on an unpriced call comes back as not logged, so the same
 *   price chain prices it again.
 */
export const routecheckExport: LogFormat = {
  name: 'routecheck-export',
  description: "routecheck's own export (export --out, export --partition week)",
  framings: ['parquet', 'csv', 'arrow', 'jsonl'],
  detect(sample: Sample): number {
    const first = sample.objects[0];
    return first && SIGNATURE.every((k) => k in first) ? 0.95 : 0;
  },
  fields: {
    ts: '{$.ts}',
    request_id: '{$.request_id}',
    session_id: '{$.session_id}',
    user_id: '{$.user_id}',
    input: '{$.input}',
    model: '{$.model}',
    requested_model: '{$.requested_model}',
    route: '{$.route}',
    score: '{$.score}',
    ideal: `CASE WHEN {$.ideal_source} = 'record' THEN {$.ideal} END`,
    input_tokens: '{$.input_tokens}',
    output_tokens: '{$.output_tokens}',
    cached_tokens: '{$.cached_tokens}',
    cache_write_tokens: '{$.cache_write_tokens}',
    service_tier: '{$.service_tier}',
    cost_usd: `CASE WHEN {$.cost_basis} IN ('logged', 'cache_hit') THEN {$.cost_usd} END`,
    cache_key: '{$.cache_key}',
    cache_hit: '{$.cache_hit}',
    retry_of: '{$.retry_of}',
    status: '{$.status}',
    latency_ms: '{$.latency_ms}',
    provider: '{$.provider}',
  },
};
