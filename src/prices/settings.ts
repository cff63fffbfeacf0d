import { dirname, resolve } from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { normalizeTiers } from '../routing/tiers.js';
import { defaultCatalogPath } from './catalog-data.js';
import { globRegExp, loadUserPrices, normalizeUserPriceRows, type UserPriceRow } from './userPrices.js';

/**
 * What the price, efficiency, version and spend analyses take from the config and the command line,
 * validated once. Messages name the file and the field (or the flag).
 *
 * Config keys read here:
 *   "prices": "prices.csv"            a price file, relative to the config file (or an array of price rows)
 *   "price_catalog": "prices.json"    where `prices update` writes the genai-prices data and runs read it, relative
 *                                     to the config file; "bundled" = always the bundled snapshot. Default:
 *                                     $XDG_CACHE_HOME/routecheck/prices.json (~/.cache/routecheck/prices.json)
 *   "week_start": "monday"            first day of a report week (UTC); --week-start overrides
 *   "efficiency": {"alert_drop": 0.10, "discrepancy": 0.05}
 *   "tiers": [{"name": "medium", "models": ["claude-3-5-haiku*"]}, …]   parsed by routing/tiers.ts; name and models used
 */
export type WeekStart = (typeof WEEK_DAYS)[number];
export const WEEK_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export interface TierRule {
  name: string;
  patterns: RegExp[];
}

export interface PricingSettings {
  /** The user price file: --prices FILE, else the config's "prices" path (resolved against the config's folder). */
  priceFile: string | null;
  /** The config's "prices" when given inline as an array of rows. */
  inlineRows: unknown[] | null;
  /** Where inline rows come from, for messages. */
  configFile: string;
  weekStart: WeekStart;
  /** Alert when tokens-per-dollar drops by more than this fraction week over week (0.10). */
  alertDrop: number;
  /** Report a price discrepancy when logged cost and catalog price differ by more than this over a week (0.05). */
  discrepancy: number;
  /** Config tiers in order: the first whose model patterns match names a model's tier. */
  tiers: TierRule[];
  /**
   * The downloaded genai-prices data runs price with when the file exists (`prices update` writes it); null: the
   * bundled snapshot only ("price_catalog": "bundled", or no cache folder in the environment).
   */
  catalogFile: string | null;
}

export const DEFAULT_ALERT_DROP = 0.1;
export const DEFAULT_DISCREPANCY = 0.05;

/**
 * Pure apart from path resolution. `options` are the raw command-line options (`prices`, `weekStart`); `env` gives
 * the default place of the downloaded catalog (XDG_CACHE_HOME, HOME).
 */
export function normalizePricingSettings(config: Config, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): PricingSettings {
  const where = config.file ?? 'config';
  const raw = config.raw;
  let priceFile: string | null = null;
  let inlineRows: unknown[] | null = null;
  const flag = options['prices'];
  if (flag !== undefined) {
    if (typeof flag !== 'string' || flag.trim() === '') throw new UsageError('--prices needs a file');
    priceFile = flag;
  } else if (raw['prices'] !== undefined) {
    const p = raw['prices'];
    if (typeof p === 'string' && p.trim() !== '') priceFile = config.file ? resolve(dirname(config.file), p) : p;
    else if (Array.isArray(p)) inlineRows = p;
    else throw new UsageError(`${where}: "prices" must be the path of a price file (CSV or JSON) or an array of price rows`);
  }

  const weekFlag = options['weekStart'];
  const weekStart =
    weekFlag !== undefined ? weekDay(weekFlag, '--week-start') : raw['week_start'] !== undefined ? weekDay(raw['week_start'], `${where}: "week_start"`) : 'monday';

  let alertDrop = DEFAULT_ALERT_DROP;
  let discrepancy = DEFAULT_DISCREPANCY;
  const eff = raw['efficiency'];
  if (eff !== undefined) {
    if (eff === null || typeof eff !== 'object' || Array.isArray(eff)) throw new UsageError(`${where}: "efficiency" must be an object`);
    const e = eff as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'alert_drop' && k !== 'discrepancy') throw new UsageError(`${where}: "efficiency.${k}" is not a known key (alert_drop, discrepancy)`);
    }
    if (e['alert_drop'] !== undefined) alertDrop = fraction(e['alert_drop'], `${where}: "efficiency.alert_drop"`);
    if (e['discrepancy'] !== undefined) discrepancy = fraction(e['discrepancy'], `${where}: "efficiency.discrepancy"`);
  }
  return {
    priceFile, inlineRows, configFile: where, weekStart, alertDrop, discrepancy, tiers: normalizeTierRules(raw['tiers'], where),
    catalogFile: catalogFile(config, env),
  };
}

/** The config's "price_catalog" (a path relative to the config, or "bundled"), else the cache default. */
export function catalogFile(config: Config, env: NodeJS.ProcessEnv): string | null {
  const value = config.raw['price_catalog'];
  if (value === undefined) return defaultCatalogPath(env);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`${config.file ?? 'config'}: "price_catalog" must be the path of the downloaded price catalog, or "bundled"`);
  }
  if (value.trim() === 'bundled') return null;
  return config.file ? resolve(dirname(config.file), value.trim()) : value.trim();
}

function weekDay(value: unknown, what: string): WeekStart {
  const s = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const day = WEEK_DAYS.find((d) => s.length >= 3 && d.startsWith(s));
  if (!day) throw new UsageError(`${what} "${String(value)}" is not a day of the week (monday … sunday)`);
  return day;
}

function fraction(value: unknown, what: string): number {
  if (typeof value !== 'number' || !(value > 0) || !(value < 1)) throw new UsageError(`${what} must be a fraction between 0 and 1 (0.10 for 10%)`);
  return value;
}

/**
 * Tier names and model patterns (`*` = any run of characters, case-insensitive), in order. The tiers are parsed by
 * routing/tiers.ts, the one parser of "tiers" (so both readers accept and refuse the same config, with the same
 * messages); only the names and models are used here.
 */
export function normalizeTierRules(raw: unknown, where: string): TierRule[] {
  return normalizeTiers(raw, where).map((t) => ({ name: t.name, patterns: t.models.map(globRegExp) }));
}

/** The tier of a model by the config's patterns (tried on the model as logged and without gateway prefix). */
export function tierOf(rules: readonly TierRule[], candidates: readonly string[]): string | null {
  for (const rule of rules) if (rule.patterns.some((re) => candidates.some((c) => re.test(c)))) return rule.name;
  return null;
}

/** The user price rows of these settings (file or inline), validated; none when neither is set. */
export function loadPriceRows(settings: PricingSettings): UserPriceRow[] {
  if (settings.priceFile) return loadUserPrices(settings.priceFile);
  if (settings.inlineRows) return normalizeUserPriceRows(settings.inlineRows, (i) => `${settings.configFile}: "prices[${i}]"`);
  return [];
}
