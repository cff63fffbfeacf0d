import { toEfficiency, type Efficiency, type EfficiencyAlert } from '../analyses/efficiency.js';
import { markWindowWeeks, weekOverlaps } from '../analyses/headline.js';
import { cell, fail, heading, info, warn, type Block, type Cell } from '../render/blocks.js';
import { compact, int, pct, shortOrigin, signedPct } from '../render/format.js';
import { catalogPhrase, staleCatalogWarning } from '../render/prices-cli.js';
import { catalogStatus } from '../prices/catalog-data.js';
import type { Section } from './section.js';
import { plural } from '../words.js';

/**
 * Tokens per dollar: the analysis (analyses/efficiency.ts) over the trend weeks, and its blocks.
 * Fractions from the JSON are shown as percentages; CSV cells keep the fractions.
 */
export const efficiencySection: Section = {
  name: 'efficiency',
  async build(ctx) {
    const settings = ctx.settings.pricing;
    const facts = (await ctx.shared.costs('window'))!;
    // Every report says which catalog its list prices come from, and how old it is.
    const catalog = catalogStatus(facts.pricing.catalog.info, ctx.effects.now());
    const inWindow = { ...toEfficiency(facts.rows, facts.pricing.models, settings, ctx.window.to), catalog };
    const u = inWindow.unpriced;
    if (u.requests > 0) {
      const names = u.models.map((m) => m.model || '(no model)').slice(0, 5).join(', ');
      ctx.effects.log(`warning: ${plural(u.requests, 'request')} (${(u.share * 100).toFixed(1)}%) ${u.requests === 1 ? 'has' : 'have'} no logged cost and no price: ${names} — ${unpricedAdvice(u.models)}`);
    }
    const nt = inWindow.no_token_counts;
    if (nt.requests > 0) {
      ctx.effects.log(`warning: ${plural(nt.requests, 'request')} (${(nt.share * 100).toFixed(1)}%) ${nt.requests === 1 ? 'has' : 'have'} no token counts: cost unknown — ${noTokenAdvice(nt.models)}`);
    }
    if (!inWindow.available) return { efficiency: inWindow };
    // The weekly series comes from the trend weeks (and the week before them, for the first one's change), so a
    // one-week window still shows its week-over-week change; alerts are those of the weeks inside the window.
    const trend = (await ctx.shared.costs('trend'))!;
    const overTrend = toEfficiency(trend.rows, trend.pricing.models, settings, ctx.window.to);
    if (!overTrend.available) return { efficiency: inWindow };
    const shown = overTrend.weeks.filter((w) => weekOverlaps(w.week, ctx.trend.from, ctx.trend.to));
    const efficiency: Efficiency = {
      ...inWindow,
      weeks: markWindowWeeks(shown, ctx.window),
      alerts: overTrend.alerts.filter((a) => weekOverlaps(a.week, ctx.window.from, ctx.window.to)),
      catalog,
    };
    return { efficiency };
  },
  blocks(report) {
    return report.efficiency ? efficiencyBlocks(report.efficiency) : [];
  },
};

/**
 * What to do about unpriced requests (no logged cost, no price), by their cause: a model nobody prices needs a price
 * file; a model priced for the default tier only needs its batch/flex/priority cost logged; a model with a price that
 * is not in force at the requests' time needs a price row that covers it.
 */
export function unpricedAdvice(
  models: readonly { model: string; catalog_priced?: boolean; no_tier_rate?: number; requests?: number; service_tiers?: string[] }[],
): string {
  const name = (m: { model: string }): string => m.model || '(no model)';
  const noTier = models.filter((m) => (m.no_tier_rate ?? 0) > 0 && m.no_tier_rate === m.requests);
  const notInForce = models.filter((m) => m.catalog_priced === true && !noTier.includes(m)).map(name);
  const needPrices = models.filter((m) => m.catalog_priced !== true && !noTier.includes(m)).map(name);
  const parts: string[] = [];
  if (needPrices.length > 0) parts.push(`add ${needPrices.slice(0, 3).join(', ')} to a price file (--prices)`);
  if (noTier.length > 0) {
    const tiers = [...new Set(noTier.flatMap((m) => m.service_tiers ?? []))].join('/');
    parts.push(`${noTier.slice(0, 3).map(name).join(', ')}: no rate is known for their ${tiers} service tier (log their cost)`);
  }
  if (notInForce.length > 0) parts.push(`${notInForce.slice(0, 3).join(', ')}: no price in force at their time (a price file row whose dates cover them)`);
  return parts.join('; ');
}

/** What to do about requests that have a price but no token counts: no price file helps; the log must carry usage. */
export function noTokenAdvice(models: readonly { model: string }[]): string {
  const names = models.slice(0, 3).map((m) => m.model || '(no model)');
  return `${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} a price but no token counts in the log (streaming spans often carry none):` +
    ' log usage, or map the token fields with --map input_tokens=…; a price file cannot help';
}

const CAUSE_TEXT: Record<string, string> = {
  price_change: 'price change',
  version_change: 'version change',
  model_mix: 'model mix',
  token_mix: 'token mix',
};

export function alertText(a: EfficiencyAlert): string {
  const where = a.scope === 'family' ? `family ${a.family}` : `tier ${a.tier}`;
  const why = a.causes.map((cause) => {
    const effect = signedPct(a.detail.effects[cause as keyof typeof a.detail.effects] as number);
    if (cause === 'version_change' || cause === 'model_mix') {
      const v = cause === 'version_change' ? a.detail.version_change : a.detail.model_mix;
      if (v) {
        return `${CAUSE_TEXT[cause]}: ${v.to} took ${pct(v.share, 0)} of the tokens` +
          (v.from ? ` from ${v.from}` : '') +
          (v.unit_price_change !== null ? ` at ${signedPct(v.unit_price_change)} unit price` : '') + ` (effect ${effect})`;
      }
    }
    if (cause === 'price_change') {
      const p = a.detail.price_change[0];
      if (p) return `price change: ${p.model} unit price ${signedPct(p.unit_price_change)} (effect ${effect})`;
    }
    if (cause === 'token_mix') {
      const t = a.detail.token_mix;
      const r = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
      return `token mix: output/input ${r(t.output_per_input_before)} → ${r(t.output_per_input_after)} (effect ${effect})`;
    }
    return `${CAUSE_TEXT[cause] ?? cause} (effect ${effect})`;
  });
  return `! ${a.week} ${where}: tokens per dollar ${signedPct(a.wow_change)}` +
    ` (${compact(a.detail.tokens_per_dollar_before)} → ${compact(a.detail.tokens_per_dollar_after)})` +
    (why.length > 0 ? ` — ${why.join('; ')}` : ' — no single cause: costs moved without a price, version or token-mix change');
}

/** A signed change as a cell: text `−14.8%`, value the fraction. */
const change = (fraction: number | null, tone?: 'warn' | 'fail'): Cell => cell(signedPct(fraction), fraction, tone);

export function efficiencyBlocks(e: Efficiency): Block[] {
  const out: Block[] = [heading('Tokens per dollar')];
  if (!e.available) {
    out.push(warn(`not available: ${e.reason}.`));
  } else {
    out.push(info(`input + output tokens per USD of provider calls, weeks from ${e.week_start} (UTC); cache hits, unpriced requests and requests without token counts left out.`));
    const weeks = e.weeks;
    // The family chart goes under both tables.
    let chart: Block | null = null;
    const matrix = (title: string, key: 'families' | 'tiers'): void => {
      // Groups never priced in these weeks (a self-hosted model) would be a row of dashes: the unpriced line covers them.
      const names = [...new Set(weeks.flatMap((w) =>
        key === 'families'
          ? w.families.filter((f) => f.tokens_per_dollar !== null).map((f) => f.family)
          : w.tiers.filter((t) => t.tokens_per_dollar !== null).map((t) => t.tier)))].sort();
      if (names.length === 0) return;
      const group = (w: (typeof weeks)[number], name: string) =>
        key === 'families' ? w.families.find((f) => f.family === name) : w.tiers.find((t) => t.tier === name);
      const rows = names.map((name): Cell[] => {
        const cells = weeks.map((w) => {
          const tpd = group(w, name)?.tokens_per_dollar ?? null;
          return cell(compact(tpd), tpd);
        });
        const wow = group(weeks[weeks.length - 1]!, name)?.wow_change ?? null;
        return [name, ...cells, change(wow, wow !== null && wow < -e.alert_drop ? 'fail' : undefined)];
      });
      out.push({
        kind: 'table',
        id: key === 'families' ? 'tpd-family' : 'tpd-tier',
        head: [title, ...weeks.map((w) => w.week.slice(5)), 'last WoW'],
        columns: [title, ...weeks.map((w) => w.week), 'last_wow_change'],
        rows,
        // On a narrow terminal the oldest weeks go first; the name column gives way last.
        fit: { drop: [1, 1 + weeks.length], flex: 0 },
      });
      if (key === 'families') {
        chart = {
          kind: 'chart',
          id: 'tpd-family',
          title: 'Tokens per dollar by model family, weekly',
          x: weeks.map((w) => w.week),
          series: names.map((name) => ({ name, values: weeks.map((w) => group(w, name)?.tokens_per_dollar ?? null) })),
          format: 'compact',
          scale: 'log',
          caption: `A drop of more than ${pct(e.alert_drop, 0)} week over week is worth a look: a new model version or a price change (log scale).`,
        };
      }
    };
    matrix('family', 'families');
    matrix('tier', 'tiers');
    if (chart) out.push(chart);
    if (e.alerts.length === 0) out.push(info(`no week-over-week drop above ${pct(e.alert_drop, 0)}.`));
    for (const a of e.alerts) out.push(fail(alertText(a).replace(/^! /, '')));
    for (const d of e.discrepancies) {
      out.push(warn(`logged cost vs list price: ${d.model} ${signedPct(d.logged_vs_catalog)} since ${d.since}` +
        ` (${plural(d.requests, 'request')}; list price from ${d.price ? shortOrigin(d.price) : 'the catalog'})`));
    }
  }
  const u = e.unpriced;
  if (u.requests > 0) {
    const models = u.models.map((m) => `${m.model || '(no model)'}${m.provider ? ` (${m.provider})` : ''} ${int(m.requests)}`).join(', ');
    out.push(warn(`${plural(u.requests, 'request')} (${pct(u.share)}) ${u.requests === 1 ? 'has' : 'have'} no logged cost and no price — their spend is unknown` +
      ` and in no total: ${models}. To fix: ${unpricedAdvice(u.models)}.`));
  }
  const nt = e.no_token_counts;
  if (nt.requests > 0) {
    const models = nt.models.map((m) => `${m.model || '(no model)'}${m.provider ? ` (${m.provider})` : ''} ${int(m.requests)}`).join(', ');
    out.push(warn(`${plural(nt.requests, 'request')} (${pct(nt.share)}) ${nt.requests === 1 ? 'has' : 'have'} no token counts — their cost is unknown` +
      ` and in no total (not unpriced: a price applies): ${models}. To fix: ${noTokenAdvice(nt.models)}.`));
  }
  const bySource = { user: 0, catalog: 0, none: 0 };
  for (const p of e.prices) bySource[p.source ?? 'none']++;
  const models = (n: number): string => `${n} model${n === 1 ? '' : 's'}`;
  out.push(info(`prices: ${models(bySource.user)} from the price file, ${models(bySource.catalog)} from genai-prices, ${models(bySource.none)} with none` +
    ` (routecheck prices check shows which)${e.catalog ? `; catalog: ${catalogPhrase(e.catalog)}` : ''}.`));
  const stale = e.catalog ? staleCatalogWarning(e.catalog) : null;
  if (stale) out.push(warn(stale));
  return out;
}

