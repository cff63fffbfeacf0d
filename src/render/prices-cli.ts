import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { CatalogStatus, PriceCheck, PriceShow, PriceUpdate } from '../prices/views.js';
import { guardLineStarts, terminalLine } from './escape.js';
import { int, pct, shortOrigin, signedPct, truncate, wrap } from './format.js';
import type { RenderOptions } from './options.js';
import { plural } from '../words.js';


/** Renderers of `routecheck prices show`, `prices check` and `prices update`. Pure. */

/** The catalog a run priced with, in one phrase: `genai-prices 0.1.8, bundled snapshot of 2026-09-23`. */
export function catalogPhrase(c: Pick<CatalogStatus, 'source' | 'version' | 'date' | 'file'>): string {
  if (c.source === 'bundled') return `genai-prices${c.version ? ` ${c.version}` : ''}, bundled snapshot of ${c.date ?? 'an unknown date'}`;
  return `genai-prices data downloaded ${c.date ?? 'on an unknown date'} to ${c.file ?? 'a local file'}`;
}

/**
 * The warning a report gives when the catalog is older than 60 days, or null. Without the day count, so that the
 * same report renders the same text tomorrow (the JSON has `age_days`).
 */
export function staleCatalogWarning(c: CatalogStatus): string | null {
  if (!c.stale) return null;
  return `the price catalog (${catalogPhrase(c)}) is more than ${c.stale_after_days} days old: newer models and price changes` +
    ` may be missing — run routecheck prices update for the current genai-prices data.`;
}

const money = (n: number | null): string => (n === null ? '= input' : `$${n.toFixed(n < 0.1 && n > 0 ? 4 : 3)}`);
const day = (iso: string | null): string => (iso === null ? '' : iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z'));

function span(from: string | null, to: string | null): string {
  if (from === null && to === null) return 'always';
  if (from === null) return `before ${day(to)}`;
  if (to === null) return `from ${day(from)}`;
  return `${day(from)} → ${day(to)}`;
}

const clock = (s: number): string => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;

/** When a period holds: its dates, and its daily UTC window for a time-of-day price. */
function inForce(p: { from: string | null; to: string | null; day_from_s: number | null; day_to_s: number | null }): string {
  const dates = span(p.from, p.to);
  if (p.day_from_s === null || p.day_to_s === null) return dates;
  return `${dates === 'always' ? 'daily' : dates + ','} ${clock(p.day_from_s)}–${p.day_to_s >= 86400 ? '24:00' : clock(p.day_to_s)} UTC`;
}

export function renderPriceShow(s: PriceShow, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const id = s.identity;
  const out = [
    c.bold(terminalLine(s.model)) + (s.provider ? ` (provider ${terminalLine(s.provider)})` : ''),
    terminalLine(`identity: provider ${id.provider ?? '—'}, family ${id.family || '—'}, version ${id.version ?? '—'}${id.alias ? `, alias ${id.alias}` : ''}`),
  ];
  if (s.price) {
    const p = s.price;
    const cached = p.cached_input_per_mtok === null ? 'cached input at the input price' : `${money(p.cached_input_per_mtok)} cached input`;
    const writes = p.cache_write_per_mtok === null ? '' : `, ${money(p.cache_write_per_mtok)} cache writes`;
    out.push(wrap(`at ${day(s.at)}: ${money(p.input_per_mtok)} input, ${money(p.output_per_mtok)} output, ${cached}${writes} per million tokens — from ${p.origin}`, options.width));
  } else {
    out.push(c.yellow(wrap(`at ${day(s.at)}: no price — requests of this model without a logged cost are unpriced. Add it to a price file (--prices FILE, or "prices" in the config).`, options.width)));
  }
  if (s.periods.length > 0) {
    // The input-token column only when a long-context tier exists.
    const tiered = s.periods.some((p) => p.above_input_tokens !== null || p.upto_input_tokens !== null);
    // The cache-write column only when a period prices cache writes apart from input.
    const writes = s.periods.some((p) => p.cache_write_per_mtok !== null);
    const t = new Table({
      head: ['in force', ...(tiered ? ['input tokens'] : []), 'input', 'output', 'cached', ...(writes ? ['cache write'] : []), 'from'].map((h) => c.bold(h)),
      style: { head: [], border: [], compact: true },
      colAligns: ['left', ...(tiered ? ['left' as const] : []), 'right', 'right', 'right', ...(writes ? ['right' as const] : []), 'left'],
      wordWrap: false,
    });
    const originWidth = Math.max(20, options.width - (tiered ? 80 : 64) - (writes ? 12 : 0));
    for (const p of s.periods) {
      const tokens = p.upto_input_tokens === null ? `> ${int(p.above_input_tokens ?? 0)}` : `≤ ${int(p.upto_input_tokens)}`;
      t.push([
        inForce(p), ...(tiered ? [tokens] : []), money(p.input_per_mtok), money(p.output_per_mtok), money(p.cached_input_per_mtok),
        ...(writes ? [money(p.cache_write_per_mtok)] : []), truncate(shortOrigin(p.origin), originWidth),
      ]);
    }
    out.push(t.toString());
    for (const note of new Set(s.periods.map((p) => p.note).filter((n): n is string => n !== null && !n.startsWith('time-of-day price')))) out.push(`note: ${note}`);
    const tiers = Object.entries(s.periods[0]!.service_tiers).map(([tier, k]) => `${tier} ×${k}`);
    out.push(`service tiers: ${['default ×1', ...tiers].join(', ')}; any other tier is unpriced unless its cost is logged`);
  }
  out.push(`catalog: ${catalogPhrase(s.catalog)}${s.price_file ? `; price file: ${s.price_file}` : ''}`);
  const stale = staleCatalogWarning(s.catalog);
  if (stale) out.push(c.yellow(wrap(`! ${stale}`, options.width)));
  return guardLineStarts(out.join('\n') + '\n');
}

export function renderPriceCheck(r: PriceCheck, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out = [c.bold('Prices of the models in the logs')];
  const t = new Table({
    head: ['model', 'provider', 'requests', 'unpriced', 'price from'].map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true },
    colAligns: ['left', 'left', 'right', 'right', 'left'],
    wordWrap: false,
  });
  const modelWidth = Math.min(32, Math.max(12, ...r.models.map((m) => m.model.length)));
  const providerWidth = Math.min(14, Math.max(8, ...r.models.map((m) => (m.provider ?? '').length)));
  const originWidth = Math.max(20, options.width - modelWidth - providerWidth - 42);
  for (const m of r.models) {
    t.push([
      truncate(m.model, modelWidth),
      truncate(m.provider ?? '—', providerWidth),
      int(m.requests),
      m.unpriced > 0 ? c.yellow(int(m.unpriced)) : '0',
      m.origin ? truncate(shortOrigin(m.origin), originWidth) : m.unpriced > 0 ? c.yellow('none') : 'none (cost logged)',
    ]);
  }
  out.push(t.toString());
  if (r.unpriced.requests > 0) {
    out.push(c.yellow(wrap(terminalLine(`! ${plural(r.unpriced.requests, 'request')} (${pct(r.unpriced.share)}) ${r.unpriced.requests === 1 ? 'has' : 'have'} no logged cost and no price: ` +
      modelCounts(r.unpriced.models) +
      '. Add them to a price file (--prices FILE).'), options.width)));
  }
  for (const d of r.discrepancies) {
    out.push(c.yellow(wrap(terminalLine(`! ${d.model}: logged cost ${signedPct(d.logged_vs_catalog)} vs the list price since ${d.since} (${plural(d.requests, 'request')}; ${d.price ?? 'catalog'})`), options.width)));
  }
  const nt = r.no_token_counts;
  if (nt.requests > 0) {
    // Not a price problem (no exit 1), but a cost nobody knows: said, never a silent $0.
    out.push(c.yellow(wrap(terminalLine(`! ${plural(nt.requests, 'request')} (${pct(nt.share)}) ${nt.requests === 1 ? 'has' : 'have'} a price but no token counts, so an unknown cost (in no total): ` +
      modelCounts(nt.models) +
      '. A price file cannot help: log usage, or map the token fields (--map input_tokens=…).'), options.width)));
  }
  if (r.unpriced.requests === 0 && r.discrepancies.length === 0) {
    out.push(nt.requests > 0 ? 'every model is priced and logged costs match the list prices.' : 'every request is priced and logged costs match the list prices.');
  }
  out.push(`catalog: ${catalogPhrase(r.catalog)}`);
  const stale = staleCatalogWarning(r.catalog);
  if (stale) out.push(c.yellow(wrap(`! ${stale}`, options.width)));
  return guardLineStarts(out.join('\n') + '\n');
}

/** `model (provider) N, …`: the models a `!` line of prices check names, with their requests. */
function modelCounts(models: readonly { model: string; provider: string | null; requests: number }[]): string {
  return models.map((m) => `${m.model || '(no model)'}${m.provider ? ` (${m.provider})` : ''} ${int(m.requests)}`).join(', ');
}

export function renderPriceUpdate(u: PriceUpdate, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const before = u.previous === null ? 'runs priced with the bundled snapshot until now' : `replaces ${catalogPhrase(u.previous)}`;
  return [
    c.bold(`price catalog updated: ${int(u.providers)} providers, ${int(u.models)} models`),
    wrap(`from ${u.url}`, options.width),
    wrap(`written to ${u.file} (${before}); reports, check and prices show use it from now on.`, options.width),
  ].join('\n') + '\n';
}
