import type { Report } from '../report/report.js';

/**
 * Data quality: what the numbers above could not use. Rejected records (summary), requests whose cost is unknown
 * (no logged cost and no price: efficiency), models no tier claims and ideal labels that name no tier (deviation).
 * Pure: it reads the other sections' results. A part whose section did not run is null, not empty.
 */
export interface Quality {
  rejected: number;
  /** Requests with no logged cost (priced from the price file or catalog when possible). */
  without_logged_cost: number;
  unpriced: { requests: number; share: number; models: { model: string; provider: string | null; requests: number; catalog_priced: boolean }[] } | null;
  unmapped_models: { model: string; requests: number }[] | null;
  unmapped_ideals: { label: string; requests: number }[] | null;
}

export function toQuality(report: Report): Quality {
  const e = report.efficiency;
  const d = report.deviation;
  return {
    rejected: report.rejects.total,
    without_logged_cost: report.requests.without_cost,
    unpriced: e
      ? { requests: e.unpriced.requests, share: e.unpriced.share, models: e.unpriced.models.map((m) => ({ model: m.model, provider: m.provider, requests: m.requests, catalog_priced: m.catalog_priced })) }
      : null,
    unmapped_models: d ? d.unmapped_models : null,
    unmapped_ideals: d ? d.unmapped_ideals : null,
  };
}
