import { normalizeConfig } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import { sectionContext } from '../src/report/report.js';
import type { RunEffects, SectionContext } from '../src/sections/section.js';
import { normalizeRunSettings, type RunSettings } from '../src/settings.js';
import { trendRange } from '../src/window.js';

/** Effects that print nothing and stand the clock still: tests assert on results, not on stderr. */
export const quietEffects: RunEffects = {
  log: () => {},
  progress: () => ({ update: () => {}, done: () => {} }),
  now: () => new Date('2025-03-24T00:00:00Z'),
};

/** Settings from raw flags (commander's names) and a raw config object, validated the way the CLI does. */
export function testSettings(flags: Record<string, unknown> = {}, config: Record<string, unknown> = {}, configFile?: string): RunSettings {
  return normalizeRunSettings(flags, normalizeConfig(config, configFile), { env: {}, isTTY: false });
}

/**
 * A section context over `db` for a window (ISO text, `to` exclusive; open bounds by default), built by the
 * report's own sectionContext(): the trend range comes from the settings as in a report run.
 */
export function testContext(
  db: Database,
  o: { window?: { from: string | null; to: string | null }; flags?: Record<string, unknown>; config?: Record<string, unknown>; configFile?: string } = {},
): SectionContext {
  const settings = testSettings(o.flags, o.config, o.configFile);
  const window = { from: o.window?.from ? new Date(o.window.from) : null, to: o.window?.to ? new Date(o.window.to) : null };
  const trend = trendRange(window, null, settings.trendWeeks, settings.pricing.weekStart, null);
  return sectionContext(db, { window, previous: null, trend: { from: trend.from, to: trend.to } }, settings, quietEffects);
}
