import { calibrate, calibrationInputs, type Calibration } from '../analyses/calibration.js';
import { IN_WINDOW } from '../analyses/runner.js';
import type { Database } from '../db/database.js';
import { InputError } from '../errors.js';
import { preparePricing } from '../prices/costs.js';
import { buildTierCosts } from '../routing/counterfactual.js';
import { prepareRouting, type RoutingRun } from '../routing/prepare.js';
import { replayWindow } from '../sections/replay.js';
import type { RunEffects } from '../sections/section.js';
import type { RunSettings } from '../settings.js';
import { resolveReportWindow, windowLengthDays, type ReportWindow } from '../window.js';

/** What `routecheck calibrate` prints (the JSON document): the window and the calibration. */
export interface CalibrationOutput {
  window: { from: string | null; to: string | null };
  window_basis: ReportWindow['basis'];
  window_label: string | null;
  calibration: Calibration;
}


/**
 * `routecheck calibrate`: the window as the report picks it, its routing tables (and a --classifier replay for ideal
 * routes), every routed request's cost on each tier, then the sweep (analyses/calibration.ts). Throws an InputError
 * (exit 2) when no request logs a score, or none has an ideal route.
 */
export async function buildCalibration(db: Database, settings: RunSettings, effects: RunEffects): Promise<{ output: CalibrationOutput; run: RoutingRun }> {
  const span = await db.one<{ first: Date | null; last: Date | null }>('SELECT min(ts) AS first, max(ts) AS last FROM requests');
  const resolved = resolveReportWindow(settings.window, { first: span?.first ?? null, last: span?.last ?? null });
  const params = { from: resolved.window.from?.toISOString() ?? null, to: resolved.window.to?.toISOString() ?? null };
  await replayWindow(db, params, settings, effects);
  // The routing tables read rc_costed: prices first.
  await preparePricing(db, params, settings.pricing);
  const run = await prepareRouting(db, params, { routing: settings.routing, weekStart: settings.pricing.weekStart });
  const check = await calibrationInputs(db, run.policy, { ...settings.calibration, windowDays: await windowDays(db, resolved.window, params) });
  if ('reason' in check) throw new InputError(check.reason);
  await buildTierCosts(db, run.policy.tiers.length, params);
  return {
    output: { window: params, window_basis: resolved.basis, window_label: resolved.label, calibration: await calibrate(db, check.inputs) },
    run,
  };
}

/** The window's length in days, the span from its first and last request (window.ts windowLengthDays). */
async function windowDays(db: Database, window: { from: Date | null; to: Date | null }, params: { from: string | null; to: string | null }): Promise<number | null> {
  const r = await db.one<{ first: Date | null; last: Date | null }>(`SELECT min(ts) AS first, max(ts) AS last FROM requests WHERE ${IN_WINDOW}`, params);
  return windowLengthDays(window, { first: r?.first ?? null, last: r?.last ?? null });
}
