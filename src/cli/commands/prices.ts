import type { Command } from 'commander';
import type { Io } from '../io.js';
import { addOptions, normalizeOptions, type CommonOptions, type RawOptions } from '../options.js';
import { UsageError } from '../../errors.js';
import type { PeriodJson, PriceCheck, PriceShow } from '../../prices/views.js';
import type { PricePeriod } from '../../prices/catalog.js';

/** `prices show`'s own flags. */
export interface ShowFlags {
  at?: string;
  provider?: string;
  prices?: string;
}

/**
 * Declares `routecheck prices show` and `prices check` under the `prices` command (`prices watch` is
 * registered by prices-watch.ts). Only commander and the option table load here; DuckDB and the catalog load
 * when a command runs.
 */
export function registerPrices(prices: Command, io: Io, result: { code: number }): void {
  addOptions(
    prices
      .command('show')
      .description('the price in force for a model and where it comes from (price file or the bundled genai-prices catalog)')
      .argument('<model>', 'a model as logged, e.g. claude-3-5-haiku-20241022 or bedrock/anthropic.claude-3-haiku-20240307-v1:0'),
    ['config', 'prices', 'format', 'out', 'quiet', 'debug', 'color'],
  )
    .option('--at <date>', 'the date to price at: 2025-03-17 or 2025-03-17T12:00:00Z (default: now)')
    .option('--provider <name>', 'the provider as your logs name it (openai, anthropic, bedrock, azure, …)')
    // main() overrides exits on top-level commands only; a nested command must not call process.exit.
    .exitOverride()
    .action(async (model: string, raw: RawOptions & ShowFlags) => {
      result.code = await pricesShowCommand(model, normalizeOptions(raw, io.env, io.isTTY), raw, io);
    });

  addOptions(
    prices
      .command('check')
      .description('unpriced models and logged-vs-list price gaps in logs (exit 0 all priced, 1 something to fix, 2 error)')
      .argument('[inputs...]', 'log files, directories, glob patterns, or - for stdin'),
    ['db', 'config', 'prices', 'since', 'until', 'format', 'out', 'inputFormat', 'map', 'memoryLimit', 'wait', 'quiet', 'debug', 'color'],
  )
    .exitOverride()
    .action(async (inputs: string[], raw: RawOptions & { prices?: string }) => {
      result.code = await pricesCheckCommand(inputs, normalizeOptions(raw, io.env, io.isTTY), raw, io);
    });
}

function periodJson(p: PricePeriod): PeriodJson {
  return { ...p, from: p.from?.toISOString() ?? null, to: p.to?.toISOString() ?? null };
}

/** `--at`: a date (UTC midnight) or a time with zone; durations make no sense for a price lookup. */
export function parseAt(text: string | undefined, now: Date): Date {
  if (text === undefined) return now;
  const s = text.trim();
  const d = /^\d{4}-\d\d-\d\d$/.test(s) ? new Date(`${s}T00:00:00Z`) : /^\d{4}-\d\d-\d\dT/.test(s) ? new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`) : null;
  if (!d || Number.isNaN(d.getTime())) throw new UsageError(`--at "${text}" is not a date (2025-03-17) or a time (2025-03-17T12:00:00Z)`);
  return d;
}

/**
 * `routecheck prices show MODEL [--at DATE]`: exit 0 when a price is in force, 1 when the model is unpriced
 * at that date (so scripts can check a model before routing to it).
 */
export async function pricesShowCommand(model: string, options: CommonOptions, flags: ShowFlags, io: Io): Promise<number> {
  const { catalogFor } = await import('../../prices/catalog.js');
  const { catalogStatus } = await import('../../prices/catalog-data.js');
  const { parseModel } = await import('../../prices/identity.js');
  const { normalizePricingSettings } = await import('../../prices/settings.js');
  const { renderPriceShow } = await import('../../render/prices-cli.js');
  const { writeOutput } = await import('../output.js');
  if (model.trim() === '') throw new UsageError('prices show needs a model name');
  const at = parseAt(flags.at, new Date());
  const settings = normalizePricingSettings(options.config, flags as Record<string, unknown>, io.env);
  const catalog = catalogFor(settings);
  const provider = flags.provider?.trim() || null;
  const periods = catalog.periods(model.trim(), provider);
  const price = catalog.priceAt(model.trim(), provider, at);
  const show: PriceShow = {
    model: model.trim(),
    provider,
    identity: parseModel(model, provider),
    at: at.toISOString(),
    price: price ? periodJson(price) : null,
    periods: periods.map(periodJson),
    catalog: catalogStatus(catalog.info, io.now ? io.now() : new Date()),
    price_file: settings.priceFile ?? (settings.inlineRows ? `${settings.configFile} "prices"` : null),
  };
  const text = options.format === 'json' ? (await import('../../render/json.js')).renderJson(show) : renderPriceShow(show, { color: options.color, width: Math.min(io.columns, 100) });
  writeOutput(text, options, io);
  return price ? 0 : 1;
}

/**
 * `routecheck prices check FILES…`: which models in the logs have no price (and no logged cost), and which
 * logged costs disagree with the list price. Exit 0 when everything is priced and consistent, 1 otherwise.
 */
export async function pricesCheckCommand(inputs: string[], options: CommonOptions, flags: { prices?: string }, io: Io): Promise<number> {
  const { withRunDatabase } = await import('../database.js');
  const { loadInputs } = await import('../load-inputs.js');
  const { resolveWindow } = await import('../../window.js');
  const { loadCostFacts } = await import('../../prices/costs.js');
  const { normalizePricingSettings } = await import('../../prices/settings.js');
  const { catalogStatus } = await import('../../prices/catalog-data.js');
  const { toDiscrepancies, toNoTokenCounts, toUnpriced } = await import('../../analyses/efficiency.js');
  const { num } = await import('../../analyses/runner.js');
  const { renderPriceCheck } = await import('../../render/prices-cli.js');
  const { writeOutput } = await import('../output.js');
  if (inputs.length === 0 && !options.db) {
    throw new UsageError('prices check needs log files (routecheck prices check logs/) or a database (--db FILE)');
  }
  const settings = normalizePricingSettings(options.config, flags as Record<string, unknown>, io.env);
  return withRunDatabase(options, io, { path: options.db ?? ':memory:', appends: inputs.length > 0 }, async (db) => {
    await loadInputs(db, inputs, options, io);
    const end = await db.one<{ last: Date | null }>('SELECT max(ts) AS last FROM requests');
    const window = resolveWindow(options.since, options.until, end?.last ?? null);
    const params = { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null };
    const facts = await loadCostFacts(db, params, settings);
    const total = num(facts.rows.totals[0]?.['requests']);
    const unpriced = toUnpriced(facts.rows.unpriced, total);
    const lastTs = facts.rows.totals[0]?.['last_ts'];
    const t = window.to?.getTime() ?? (lastTs instanceof Date ? lastTs.getTime() : Date.now());
    const check: PriceCheck = {
      window: params,
      requests: total,
      models: facts.pricing.models
        .filter((m) => m.model !== '')
        .map((m) => {
          const p = m.periods.find((x) => (x.from === null || x.from.getTime() <= t) && (x.to === null || t < x.to.getTime())) ?? null;
          const u = unpriced.models.find((x) => x.model === m.model && x.provider === m.provider);
          return { model: m.model, provider: m.provider, requests: m.requests, unpriced: u?.requests ?? 0, source: p?.source ?? null, origin: p?.origin ?? null };
        }),
      unpriced,
      // Not a price problem (a price applies; the log lacks token counts): listed, but exit 1 is for prices to fix.
      no_token_counts: toNoTokenCounts(facts.rows.unpriced, total),
      discrepancies: toDiscrepancies(facts.rows.discrepancyDays, settings.discrepancy),
      price_file: settings.priceFile ?? (settings.inlineRows ? `${settings.configFile} "prices"` : null),
      catalog: catalogStatus(facts.pricing.catalog.info, io.now ? io.now() : new Date()),
    };
    const text = options.format === 'json' ? (await import('../../render/json.js')).renderJson(check) : renderPriceCheck(check, { color: options.color, width: Math.min(io.columns, 100) });
    writeOutput(text, options, io);
    return unpriced.requests > 0 || check.discrepancies.length > 0 ? 1 : 0;
  });
}
