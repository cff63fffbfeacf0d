import type { Cache } from '../analyses/cache.js';
import type { ClassifierResult } from '../analyses/classifier.js';
import type { Deviation } from '../analyses/deviation.js';
import type { Efficiency } from '../analyses/efficiency.js';
import type { Finding } from '../analyses/findings.js';
import type { Gate } from '../analyses/gates.js';
import type { Headline } from '../analyses/headline.js';
import type { Quality } from '../analyses/quality.js';
import type { RouterRoi } from '../analyses/roi.js';
import { runAnalysis } from '../analyses/runner.js';
import { costFactsOver, preparePricing, type CostFacts, type Pricing } from '../prices/costs.js';
import { buildTierCosts } from '../routing/counterfactual.js';
import { prepareRouting, type RoutingRun } from '../routing/prepare.js';
import type { Spend } from '../analyses/spend.js';
import { summary, type Summary } from '../analyses/summary.js';
import type { Versions } from '../analyses/versions.js';
import type { ReplayResult } from '../classify/replay.js';
import type { Database } from '../db/database.js';
import type { FileSummary } from '../load/ingest.js';
import { SECTIONS } from '../sections/index.js';
import type { RunEffects, SectionContext, WindowBounds, WindowParams } from '../sections/section.js';
import type { RunSettings } from '../settings.js';
import { resolveReportWindow, trendRange, type ReportWindow } from '../window.js';
import type { Trends } from './history.js';
import { redactReport } from './redact.js';

/**
 * The report object every renderer draws from, and the JSON output. `schema_version` changes only when a key is
 * renamed or removed. Each optional key belongs to one section (sections/index.ts lists them in report order).
 */
export interface Report {
  schema_version: 1;
  window: { from: string | null; to: string | null };
  /** The window the headline compares with (the week before, by default); null when there is none. */
  previous_window: { from: string; to: string } | null;
  /** How the window was chosen (window.ts), and its ISO week (`2025-W12`) when it is one. */
  window_basis: ReportWindow['basis'];
  window_label: string | null;
  /** The weeks trend sections cover: the `trend_weeks` weeks that end with the window's last week. */
  trend_window: { from: string | null; to: string | null; weeks: number | null };
  requests: Summary['requests'];
  /** Files loaded by this run, one line each (empty when reporting from a database only). */
  inputs: FileSummary[];
  rejects: Summary['rejects'];
  /** Present when --classifier was given: how the window's inputs were replayed through it. */
  replay?: ReplayResult;
  deviation?: Deviation;
  efficiency?: Efficiency;
  versions?: Versions;
  spend?: Spend;
  cache?: Cache;
  classifier?: ClassifierResult;
  /** Router ROI: the routed traffic, net of classifier calls and retries, against single-tier and ideal routing. */
  roi?: RouterRoi;
  quality?: Quality;
  headline?: Headline;
  gates?: Gate[];
  findings?: Finding[];
  /** With a persistent database: the headline numbers of the last reports of this window length. */
  trends?: Trends;
}

export interface ReportInputs {
  /** Files loaded by this run (empty when reporting from a database only). */
  inputs: FileSummary[];
  settings: RunSettings;
  effects: RunEffects;
}

const iso = (d: Date | null | undefined): string | null => d?.toISOString() ?? null;
const paramsOf = (w: WindowBounds): WindowParams => ({ from: iso(w.from), to: iso(w.to) });

export async function buildReport(db: Database, options: ReportInputs): Promise<Report> {
  const { settings } = options;
  const end = await db.one<{ first: Date | null; last: Date | null }>('SELECT min(ts) AS first, max(ts) AS last FROM requests');
  const span = { first: end?.first ?? null, last: end?.last ?? null };
  const resolved = resolveReportWindow(settings.window, span);
  const { window, previous } = resolved;
  const trend = trendRange(window, previous, settings.trendWeeks, settings.pricing.weekStart, span.last);
  const params = paramsOf(window);
  const ctx = sectionContext(db, { window, previous, trend }, settings, options.effects);
  // The summary's spend is the one price chain's (rc_costed), as every section's.
  await ctx.shared.pricing();
  const s = await runAnalysis(db, summary, { ...params });
  let report: Report = {
    schema_version: 1,
    window: {
      from: params.from ?? s.first_request,
      to: params.to ?? s.last_request,
    },
    previous_window: previous && previous.from && previous.to ? { from: previous.from.toISOString(), to: previous.to.toISOString() } : null,
    window_basis: resolved.basis,
    window_label: resolved.label,
    trend_window: { from: iso(trend.from), to: iso(trend.to), weeks: trend.weeks },
    requests: s.requests,
    inputs: options.inputs,
    rejects: s.rejects,
  };
  // Sections run in order and each sees the report so far (the verdict, last, reads all the others).
  for (const section of SECTIONS) {
    const started = performance.now();
    report = { ...report, ...(await section.build(ctx, report)) };
    options.effects.timing?.(section.name, (performance.now() - started) / 1000);
  }
  // The one place quoted log text (prompts, raw records) is redacted, for every format (--redact; redact.ts).
  return redactReport(report, settings.redact);
}

/**
 * The context every section is built with: the window, the comparison window and the trend range as dates and
 * bound parameters, the settings, the effects, and the run's shared preparation (each made once, on first use).
 */
export function sectionContext(
  db: Database,
  ranges: { window: WindowBounds; previous: WindowBounds | null; trend: WindowBounds },
  settings: RunSettings,
  effects: RunEffects,
): SectionContext {
  const { window, previous, trend } = ranges;
  const params = paramsOf(window);
  const trendParams = paramsOf(trend);
  // The trend's cost facts reach one week further back, so the first trend week has a week-over-week change too.
  const trendFactParams = paramsOf({ from: trend.from ? new Date(trend.from.getTime() - 7 * 86_400_000) : null, to: trend.to });
  const previousParams = previous ? paramsOf(previous) : null;
  const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let made: Promise<T> | null = null;
    return () => (made ??= make());
  };
  // Prices are prepared once, over every request a section reads (the window, the trend weeks with the week before
  // them, the comparison window), so that every section reads one rc_costed: the same cost for the same request.
  const pricing = once<Pricing>(() => preparePricing(db, cover([params, trendParams, trendFactParams, previousParams]), settings.pricing));
  const routing = once<RoutingRun>(async () => {
    await pricing();
    return prepareRouting(db, params, { routing: settings.routing, weekStart: settings.pricing.weekStart }, trendParams);
  });
  const factsOf = (p: WindowParams) => once<CostFacts | null>(async () => costFactsOver(db, await pricing(), p));
  const windowCosts = factsOf(params);
  const sameRange = trendFactParams.from === params.from && trendFactParams.to === params.to;
  const costs = {
    window: windowCosts,
    // --all: the trend is the whole data, as the window is; its facts are read once.
    trend: sameRange ? windowCosts : factsOf(trendFactParams),
    previous: previousParams ? factsOf(previousParams) : () => Promise.resolve(null),
  };
  // Every routed request's cost on each tier: reads the routing tables and rc_costed (prepared by routing()).
  const tierCosts = once<void>(async () => {
    const run = await routing();
    await buildTierCosts(db, run.policy.tiers.length, params);
  });
  return {
    db,
    window,
    params,
    previous,
    previousParams,
    trend: { from: trend.from, to: trend.to },
    trendParams,
    settings,
    effects,
    shared: { pricing, routing, costs: (range) => costs[range](), tierCosts },
  };
}

/** The smallest range holding all of `ranges` (null bounds are open; ISO texts of one format compare as times). */
function cover(ranges: (WindowParams | null)[]): WindowParams {
  const rs = ranges.filter((r): r is WindowParams => r !== null);
  const froms = rs.map((r) => r.from);
  const tos = rs.map((r) => r.to);
  return {
    from: froms.includes(null) ? null : (froms as string[]).reduce((a, b) => (b < a ? b : a)),
    to: tos.includes(null) ? null : (tos as string[]).reduce((a, b) => (b > a ? b : a)),
  };
}
