import type { Database } from '../db/database.js';
import type { FileSummary } from '../load/ingest.js';
import { runAnalysis } from '../analyses/runner.js';
import { summary, type Summary } from '../analyses/summary.js';
import type { Config } from '../config.js';
import type { Bound, ReportWindow, WindowSpec } from '../window.js';
import { resolveReportWindow } from '../window.js';
import { SECTIONS } from './sections.js';

/**
 * The report object every renderer draws from. `schema_version` changes only when a key is renamed or
 * removed; later sections add top-level keys.
 */
export interface Report {
  schema_version: 1;
  window: { from: string | null; to: string | null };
  /** The window the headline compares with (the week before, by default); null when there is none. */
  previous_window: { from: string; to: string } | null;
  /** How the window was chosen (window.ts), and its ISO week (`2025-W12`) when it is one. */
  window_basis: ReportWindow['basis'];
  window_label: string | null;
  requests: Summary['requests'];
  /** Files loaded by this run, one line each (empty when reporting from a database only). */
  inputs: FileSummary[];
  rejects: Summary['rejects'];
}

export interface ReportOptions {
  /** The window asked for; without it, --since/--until when given, else the default (the last complete week). */
  window?: WindowSpec;
  since?: Bound;
  until?: Bound;
  inputs: FileSummary[];
  config: Config;
  /** Section options by section name (e.g. embedder choice), validated by each section. */
  sectionOptions?: Record<string, unknown>;
  log?: (message: string) => void;
}

export async function buildReport(db: Database, options: ReportOptions): Promise<Report> {
  const end = await db.one<{ first: Date | null; last: Date | null }>('SELECT min(ts) AS first, max(ts) AS last FROM requests');
  const spec: WindowSpec =
    options.window ?? (options.since || options.until ? { kind: 'range', since: options.since, until: options.until } : { kind: 'default' });
  const resolved = resolveReportWindow(spec, { first: end?.first ?? null, last: end?.last ?? null });
  const { window, previous } = resolved;
  const params = { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null };
  const s = await runAnalysis(db, summary, params);
  let report: Report = {
    schema_version: 1,
    window: {
      from: params.from ?? s.first_request,
      to: params.to ?? s.last_request,
    },
    previous_window: previous && previous.from && previous.to ? { from: previous.from.toISOString(), to: previous.to.toISOString() } : null,
    window_basis: resolved.basis,
    window_label: resolved.label,
    requests: s.requests,
    inputs: options.inputs,
    rejects: s.rejects,
  };
  const previousParams = previous ? { from: previous.from?.toISOString() ?? null, to: previous.to?.toISOString() ?? null } : null;
  const ctx = {
    db, window, params, previous, previousParams, config: options.config, options: options.sectionOptions ?? {}, log: options.log ?? (() => {}),
  };
  // Sections run in order and each sees the report so far (the findings section, last, reads all the others).
  // ROUTECHECK_TIMINGS=1 prints each section's build time on stderr (the benchmark's per-stage figures).
  const timings = process.env['ROUTECHECK_TIMINGS'] === '1';
  for (const section of SECTIONS) {
    const started = performance.now();
    report = { ...report, ...(await section.build(ctx, report)) };
    if (timings) process.stderr.write(`timing ${section.name} ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
  }
  return report;
}
