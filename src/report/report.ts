import type { Database } from '../db/database.js';
import type { FileSummary } from '../load/ingest.js';
import { runAnalysis } from '../analyses/runner.js';
import { summary, type ModelLine, type RejectExample, type RejectReason } from '../analyses/summary.js';
import type { Config } from '../config.js';
import type { Bound } from '../window.js';
import { resolveWindow } from '../window.js';
import { SECTIONS } from './sections.js';

/**
 * The report object every renderer draws from. `schema_version` changes only when a key is renamed or
 * removed; later sections add top-level keys.
 */
export interface Report {
  schema_version: 1;
  window: { from: string | null; to: string | null };
  requests: {
    total: number;
    rejected: number;
    by_format: Record<string, number>;
    models: ModelLine[];
    spend_usd: number;
    without_cost: number;
    input_tokens: number;
    output_tokens: number;
    cache_hits: number;
  };
  /** Files loaded by this run, one line each (empty when reporting from a database only). */
  inputs: FileSummary[];
  rejects: { total: number; by_reason: RejectReason[]; examples: RejectExample[] };
}

export interface ReportOptions {
  since?: Bound;
  until?: Bound;
  inputs: FileSummary[];
  config: Config;
  /** Section options by section name (e.g. embedder choice), validated by each section. */
  sectionOptions?: Record<string, unknown>;
  log?: (message: string) => void;
}

export async function buildReport(db: Database, options: ReportOptions): Promise<Report> {
  const end = await db.one<{ last: Date | null }>('SELECT max(ts) AS last FROM requests');
  const window = resolveWindow(options.since, options.until, end?.last ?? null);
  const params = { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null };
  const s = await runAnalysis(db, summary, params);
  let report: Report = {
    schema_version: 1,
    window: {
      from: params.from ?? s.first_request,
      to: params.to ?? s.last_request,
    },
    requests: s.requests,
    inputs: options.inputs,
    rejects: s.rejects,
  };
  const ctx = { db, window, params, config: options.config, options: options.sectionOptions ?? {}, log: options.log ?? (() => {}) };
  for (const section of SECTIONS) {
    report = { ...report, ...(await section.build(ctx)) };
  }
  return report;
}
