import type { Database } from '../db/database.js';
import type { ProgressLine } from '../embed/progress.js';
import type { CostFacts, Pricing } from '../prices/costs.js';
import type { Block } from '../render/blocks.js';
import type { Report } from '../report/report.js';
import type { RoutingRun } from '../routing/prepare.js';
import type { RunSettings } from '../settings.js';

/** The side effects a section may have: handed down from the command's Io, never reached directly. */
export interface RunEffects {
  /** A note for stderr (silenced by --quiet). */
  log(message: string): void;
  /** A one-line progress indicator (drawn only on a terminal and without --quiet). */
  progress(label: string, options?: { minTotal?: number }): ProgressLine;
  /** The clock (history rows are stamped with it). */
  now(): Date;
  /** Called with each section's build time when ROUTECHECK_TIMINGS=1 (the benchmark's per-stage figures). */
  timing?(section: string, seconds: number): void;
}

/** A window as dates and as bound parameters (`$from` inclusive, `$to` exclusive, ISO text or null). */
export interface WindowBounds {
  from: Date | null;
  to: Date | null;
}

export interface WindowParams {
  from: string | null;
  to: string | null;
}

/**
 * Preparation several sections share, done once per report run on first use (no hidden cache keyed on options):
 * the price tables, the routing tables of the window, the cost facts of the window, the trend weeks and the comparison
 * window, and the requests' counterfactual tier costs.
 */
export interface RunShared {
  /** The price tables and rc_costed (prices/costs.ts) over every request the report reads. */
  pricing(): Promise<Pricing>;
  /** The routing tables (they read rc_costed: pricing comes first). */
  routing(): Promise<RoutingRun>;
  costs(range: 'window' | 'trend' | 'previous'): Promise<CostFacts | null>;
  /** Every routed request's cost on each tier of the window (routing/counterfactual.ts rc_tier_cost), built once. */
  tierCosts(): Promise<void>;
}

/** What every section's analyses get: the database, the resolved window, the run's settings and its effects. */
export interface SectionContext {
  db: Database;
  window: WindowBounds;
  params: WindowParams;
  /** The window the report compares with (the week before, by default), and its parameters; null when none. */
  previous: WindowBounds | null;
  previousParams: WindowParams | null;
  /**
   * The trend range: the `settings.trendWeeks` report weeks that end with the window's last week (whole weeks,
   * `to` exclusive). Trend sections (tokens per dollar, versions, spend, deviation and dilution by week) compute
   * their weekly series over it, so the week before the window is always there to compare with.
   */
  trend: WindowBounds;
  trendParams: WindowParams;
  settings: RunSettings;
  effects: RunEffects;
  shared: RunShared;
}

/**
 * A report section ties one analysis to the report: build() runs it and returns the top-level report keys it
 * owns; blocks() describes those keys as format-neutral blocks (render/blocks.ts) that every renderer draws.
 * A section whose inputs are missing says so in its keys instead of printing zeros.
 */
export interface Section {
  name: string;
  /** `report` holds the summary and the keys of the sections before this one. */
  build(ctx: SectionContext, report: Report): Promise<Partial<Report>>;
  /** What this section says, as blocks; empty when the report has nothing of this section. */
  blocks(report: Report): Block[];
  /** Rendered first, right under the window line (the headline), instead of in section order. */
  top?: boolean;
}
