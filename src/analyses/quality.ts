import type { Row } from '../db/database.js';
import type { Report } from '../report/report.js';
import type { NoTokenCounts } from '../prices/views.js';
import { num } from './runner.js';

/**
 * Data quality: what the numbers above could not use. Rejected records (summary), requests whose cost is unknown
 * (no logged cost and no price; a price but no token counts: efficiency), models no tier claims and ideal labels that name no tier (deviation),
 * logged $0 costs on priced models (the window's cost facts). Pure: it reads the other sections' results and the
 * fact rows it is given. A part whose section did not run is null, not empty.
 */
export interface Quality {
  rejected: number;
  /** Requests with no logged cost (priced from the price file or catalog when possible). */
  without_logged_cost: number;
  /** Requests with no logged cost and no price (the unpriced gate's). */
  unpriced: { requests: number; share: number; models: { model: string; provider: string | null; requests: number; catalog_priced: boolean }[] } | null;
  /** Requests of priced models that carry no token counts: cost unknown, and not for want of a price. */
  no_token_counts: NoTokenCounts | null;
  unmapped_models: { model: string; requests: number }[] | null;
  unmapped_ideals: { label: string; requests: number }[] | null;
  /** Logged costs of $0 on calls with tokens of models the price list charges for; null when prices were not read. */
  logged_zeros: LoggedZeros | null;
}

/**
 * A logged $0 is evidence, not a price. From a gateway whose cost column defaults to 0 (LiteLLM's spend…) it means
 * "not priced by the gateway": such requests were priced from the price list (`repriced`, cost_basis
 * logged_zero_repriced) or, with no price, are unpriced. From other formats the $0 is kept as logged (`kept`), but
 * listed here: the list price says those calls were not free.
 */
export interface LoggedZeros {
  repriced: number;
  /** What the repriced requests cost at the list price (it is in the spend). */
  repriced_usd: number;
  kept: number;
  /** What the kept zeros would cost at the list price (it is NOT in the spend). */
  kept_list_usd: number;
  models: { model: string; provider: string | null; format: string; repriced: number; kept: number }[];
}

/** Pure mapper of the `loggedZeros` fact rows (prices/costs.ts). */
export function toLoggedZeros(rows: readonly Row[]): LoggedZeros {
  const models = rows.map((r) => ({
    model: String(r['model'] ?? ''),
    provider: r['provider'] ? String(r['provider']) : null,
    format: String(r['format']),
    repriced: num(r['repriced']),
    kept: num(r['kept']),
  }));
  return {
    repriced: models.reduce((s, m) => s + m.repriced, 0),
    repriced_usd: rows.reduce((s, r) => s + num(r['repriced_usd']), 0),
    kept: models.reduce((s, m) => s + m.kept, 0),
    kept_list_usd: rows.reduce((s, r) => s + num(r['kept_list_usd']), 0),
    models,
  };
}

export function toQuality(report: Report, loggedZeroRows: readonly Row[] | null = null): Quality {
  const e = report.efficiency;
  const d = report.deviation;
  return {
    rejected: report.rejects.total,
    without_logged_cost: report.requests.without_cost,
    unpriced: e
      ? { requests: e.unpriced.requests, share: e.unpriced.share, models: e.unpriced.models.map((m) => ({ model: m.model, provider: m.provider, requests: m.requests, catalog_priced: m.catalog_priced })) }
      : null,
    no_token_counts: e ? e.no_token_counts : null,
    unmapped_models: d ? d.unmapped_models : null,
    unmapped_ideals: d ? d.unmapped_ideals : null,
    logged_zeros: loggedZeroRows ? toLoggedZeros(loggedZeroRows) : null,
  };
}
