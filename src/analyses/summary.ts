import type { Row } from '../db/database.js';
import { IN_WINDOW, iso, num, type Analysis } from './runner.js';

export interface ModelLine {
  model: string | null;
  requests: number;
  /** Logged costs only (as the gateway wrote them). */
  spend_usd: number;
  /** Requests of this model with no logged cost: never silently counted as $0. */
  without_cost: number;
  /** Known spend: rc_costed's cost (logged, else list price × tokens; cache hits 0), as the headline counts it; null when no request's cost is known. */
  cost_usd: number | null;
  /** Requests whose cost is unknown (no price, or no token counts): not in cost_usd. */
  unknown_cost: number;
}

export interface RejectReason {
  reason: string;
  count: number;
}

export interface RejectExample {
  file: string;
  line: number | null;
  reason: string;
  raw: string | null;
}

export interface Summary {
  first_request: string | null;
  last_request: string | null;
  requests: {
    total: number;
    rejected: number;
    by_format: Record<string, number>;
    models: ModelLine[];
    /** Logged spend: the costs the logs carry, as written (a gateway's default $0 included). */
    spend_usd: number;
    /** Requests whose cost was not logged; their spend is not in spend_usd. */
    without_cost: number;
    /** Known spend, the headline's: each request's cost by the one price chain (prices/costs.ts rc_costed). */
    cost_usd: number;
    /** Requests whose cost is unknown (no logged cost and no price, or a price but no token counts). */
    unknown_cost: number;
    input_tokens: number;
    output_tokens: number;
    cache_hits: number;
  };
  rejects: { total: number; by_reason: RejectReason[]; examples: RejectExample[] };
}

const SPEND_COLUMNS = `coalesce(sum(cost_usd), 0) AS spend_usd, count(*) FILTER (WHERE cost_usd IS NULL) AS without_cost,
  coalesce(sum(cost), 0) AS cost_usd, count(*) FILTER (WHERE cost IS NULL) AS unknown_cost`;

/**
 * The summary section: what was loaded, over the window; rejects over every loaded file. Reads rc_costed (prices
 * prepared over the window first), so its spend is the headline's; the logged spend is shown beside it.
 */
export const summary: Analysis<Summary> = {
  name: 'summary',
  queries: {
    totals: `
      SELECT count(*) AS total, min(ts) AS first_ts, max(ts) AS last_ts,
        ${SPEND_COLUMNS},
        coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
        count(*) FILTER (WHERE cache_hit) AS cache_hits
      FROM rc_costed WHERE ${IN_WINDOW}`,
    formats: `SELECT format, count(*) AS n FROM requests WHERE ${IN_WINDOW} GROUP BY format ORDER BY n DESC, format`,
    models: `
      SELECT nullif(model_key, '') AS model, count(*) AS requests, ${SPEND_COLUMNS}
      FROM rc_costed WHERE ${IN_WINDOW} GROUP BY model ORDER BY requests DESC, model NULLS LAST`,
    reasons: `
      SELECT regexp_replace(reason, ':.*$', '') AS reason, count(*) AS n
      FROM rejects GROUP BY 1 ORDER BY n DESC, reason`,
    examples: `
      SELECT source_file, source_line, reason, left(raw, 65536) AS raw
      FROM rejects ORDER BY source_file, source_line NULLS FIRST LIMIT 10`,
  },
  toResult(rows: Record<string, Row[]>): Summary {
    return toSummary(rows);
  },
};

/** Pure mapper from the query rows. */
export function toSummary(rows: Record<string, Row[]>): Summary {
  const t = rows['totals']?.[0] ?? {};
  const byFormat: Record<string, number> = {};
  for (const r of rows['formats'] ?? []) byFormat[String(r['format'])] = num(r['n']);
  const reasons = (rows['reasons'] ?? []).map((r) => ({ reason: String(r['reason']), count: num(r['n']) }));
  return {
    first_request: iso(t['first_ts']),
    last_request: iso(t['last_ts']),
    requests: {
      total: num(t['total']),
      rejected: reasons.reduce((s, r) => s + r.count, 0),
      by_format: byFormat,
      models: (rows['models'] ?? []).map((r) => ({
        model: r['model'] === null ? null : String(r['model']),
        requests: num(r['requests']),
        spend_usd: num(r['spend_usd']),
        without_cost: num(r['without_cost']),
        cost_usd: num(r['unknown_cost']) === num(r['requests']) ? null : num(r['cost_usd']),
        unknown_cost: num(r['unknown_cost']),
      })),
      spend_usd: num(t['spend_usd']),
      without_cost: num(t['without_cost']),
      cost_usd: num(t['cost_usd']),
      unknown_cost: num(t['unknown_cost']),
      input_tokens: num(t['input_tokens']),
      output_tokens: num(t['output_tokens']),
      cache_hits: num(t['cache_hits']),
    },
    rejects: {
      total: reasons.reduce((s, r) => s + r.count, 0),
      by_reason: reasons,
      examples: (rows['examples'] ?? []).map((r) => ({
        file: String(r['source_file']),
        line: r['source_line'] === null ? null : num(r['source_line']),
        reason: String(r['reason']),
        raw: r['raw'] === null ? null : String(r['raw']),
      })),
    },
  };
}
