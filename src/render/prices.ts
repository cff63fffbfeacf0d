import type { Efficiency, EfficiencyAlert } from '../analyses/efficiency.js';
import type { Spend } from '../analyses/spend.js';
import type { Versions } from '../analyses/versions.js';
import { cell, heading, info, warn, fail, type Block, type Cell } from './blocks.js';
import { int, pct, usd, when } from './format.js';
import type { RenderOptions } from './options.js';
import { drawBlocks } from './terminal.js';

/**
 * The price-aware sections (tokens per dollar, version drift, spend vs traffic) as blocks, and their terminal
 * text. Pure: result → blocks. Fractions from the JSON are shown as percentages; CSV cells keep the fractions.
 */

/** +18.0% / −15.3%: a change always carries its sign. */
export function signedPct(fraction: number | null, digits = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return '—';
  const text = pct(Math.abs(fraction), digits);
  return fraction > 0 ? `+${text}` : fraction < 0 ? `−${text}` : text;
}

/** Tokens per dollar, compact: 245.1k, 1.23M. */
export function compact(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

/** Greedy word wrap; continuation lines are indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 2): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = ' '.repeat(indent) + w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** A price file's row without its folder (`prices.csv line 2 (…)`): the full path is in the JSON. */
export function shortOrigin(origin: string): string {
  return origin.replace(/^.*[\\/]([^\\/]+ (line|row) \d+)/, '$1');
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
      const v = a.detail.version_change;
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
    out.push(info(`input + output tokens per USD of provider calls, weeks from ${e.week_start} (UTC); cache hits and unpriced requests left out.`));
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
        ` (${int(d.requests)} requests; list price from ${d.price ? shortOrigin(d.price) : 'the catalog'})`));
    }
  }
  const u = e.unpriced;
  if (u.requests > 0) {
    const models = u.models.map((m) => `${m.model || '(no model)'}${m.provider ? ` (${m.provider})` : ''} ${int(m.requests)}`).join(', ');
    out.push(warn(`${int(u.requests)} requests (${pct(u.share)}) have no logged cost and no price — their spend is unknown` +
      ` and in no total: ${models}. Add them to a price file (--prices FILE).`));
  }
  const bySource = { user: 0, catalog: 0, none: 0 };
  for (const p of e.prices) bySource[p.source ?? 'none']++;
  const models = (n: number): string => `${n} model${n === 1 ? '' : 's'}`;
  out.push(info(`prices: ${models(bySource.user)} from the price file, ${models(bySource.catalog)} from genai-prices, ${models(bySource.none)} with none` +
    ` (routecheck prices check shows which).`));
  return out;
}

export function versionsBlocks(v: Versions): Block[] {
  const out: Block[] = [heading('Model versions')];
  if (!v.available) return [...out, warn(`not available: ${v.reason}.`)];
  const rows: Cell[][] = [];
  for (const f of v.families) {
    for (const line of f.versions) {
      const last = line.weeks[line.weeks.length - 1];
      rows.push([
        line.model,
        line.version ?? '—',
        cell(when(line.first_seen).slice(0, 10), line.first_seen),
        cell(when(line.last_seen).slice(0, 10), line.last_seen),
        cell(int(line.requests), line.requests),
        cell(last ? `${pct(last.share, 0)} ${last.week.slice(5)}` : '—', last ? last.share : null),
      ]);
    }
  }
  out.push({
    kind: 'table',
    id: 'versions',
    head: ['model', 'version', 'first seen', 'last seen', 'requests', 'share (wk)'],
    columns: ['model', 'version', 'first_seen', 'last_seen', 'requests', 'last_week_share'],
    rows,
    align: ['left', 'left', 'left', 'left', 'right', 'right'],
    fit: { flex: 0 },
  });
  if (v.changes.length === 0) out.push(info('no new version took traffic in the window.'));
  for (const ch of v.changes) {
    const price = (p: typeof ch.unit_price_before): string =>
      p ? `$${p.input_per_mtok.toFixed(3)}/$${p.output_per_mtok.toFixed(3)}` : 'unpriced';
    out.push(warn(`${ch.family}: ${ch.from} → ${ch.to} from ${when(ch.first_seen)} (${pct(ch.share_first_week, 0)} of the family in` +
      ` its first week); unit price ${signedPct(ch.unit_price_change)}: ${price(ch.unit_price_before)} → ${price(ch.unit_price_after)}` +
      ` per Mtok in/out`));
  }
  return out;
}

export function spendBlocks(s: Spend): Block[] {
  const out: Block[] = [heading('Spend vs traffic')];
  if (!s.available) return [...out, warn(`not available: ${s.reason}.`)];
  out.push({
    kind: 'table',
    id: 'spend-weeks',
    head: ['week', 'requests', 'spend', 'per request', 'unpriced', 'cache hits'],
    columns: ['week', 'requests', 'spend_usd', 'cost_per_request_usd', 'unpriced_requests', 'cache_hits'],
    rows: s.weeks.map((w) => [
      cell(w.week + (w.complete ? '' : '*'), w.week),
      cell(int(w.requests), w.requests),
      cell(usd(w.cost_usd), w.cost_usd),
      cell(w.cost_per_request === null ? '—' : usd(w.cost_per_request), w.cost_per_request),
      cell(int(w.unpriced_requests), w.unpriced_requests, w.unpriced_requests > 0 ? 'warn' : undefined),
      cell(int(w.cache_hits), w.cache_hits),
    ]),
  });
  if (s.weeks.length > 0) {
    out.push({
      kind: 'chart',
      id: 'cost-per-request',
      title: 'Cost per request, weekly',
      x: s.weeks.map((w) => w.week + (w.complete ? '' : '*')),
      series: [{ name: 'cost per request', values: s.weeks.map((w) => w.cost_per_request) }],
      format: 'usd',
      caption: 'Known cost over the requests whose cost is known; a rise with flat traffic is routing, a price or a version.',
    });
  }
  if (s.weeks.some((w) => !w.complete)) out.push(info('* partial week (the window starts or ends inside it).'));
  if (s.compared) {
    const x = s.explained;
    out.push(info(`${s.compared.from_week} → ${s.compared.to_week}${s.compared.partial ? ' (partial weeks)' : ''}: spend ${signedPct(s.cost_growth)},` +
      ` requests ${signedPct(s.request_growth)}, cost per request ${signedPct(s.cost_per_request_growth)}.` +
      (x ? ` Of the spend change, price changes explain ${x.price_change.share === null ? '—' : pct(x.price_change.share)} (${usd(x.price_change.usd)})` +
        ` and version changes ${x.version_change.share === null ? '—' : pct(x.version_change.share)} (${usd(x.version_change.usd)}); the rest is traffic and routing.` : '')));
  }
  return out;
}

export function renderEfficiency(e: Efficiency, options: RenderOptions): string {
  return drawBlocks(efficiencyBlocks(e), options);
}

export function renderVersions(v: Versions, options: RenderOptions): string {
  return drawBlocks(versionsBlocks(v), options);
}

export function renderSpend(s: Spend, options: RenderOptions): string {
  return drawBlocks(spendBlocks(s), options);
}
