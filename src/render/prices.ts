import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Efficiency, EfficiencyAlert } from '../analyses/efficiency.js';
import type { Spend } from '../analyses/spend.js';
import type { Versions } from '../analyses/versions.js';
import { int, pct, truncate, usd, when } from './format.js';
import type { RenderOptions } from './options.js';

/**
 * Terminal renderers of the price-aware sections (tokens per dollar, version drift, spend vs traffic).
 * Pure: result and options → string. Fractions from the JSON are shown as percentages here.
 */

function table(head: string[], rows: string[][], c: ChalkInstance, align: ('left' | 'right')[]): string {
  const t = new Table({ head: head.map((h) => c.bold(h)), style: { head: [], border: [], compact: true }, colAligns: align, wordWrap: false });
  for (const row of rows) t.push(row);
  return t.toString();
}

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

export function renderEfficiency(e: Efficiency, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [c.bold('Tokens per dollar')];
  const width = options.width;
  if (!e.available) {
    out.push(c.yellow(`not available: ${e.reason}.`));
  } else {
    out.push(wrap(`input + output tokens per USD of provider calls, weeks from ${e.week_start} (UTC); cache hits and unpriced requests left out.`, width, 0));
    const nameWidth = 26;
    const k = Math.max(1, Math.min(e.weeks.length, Math.floor((width - nameWidth - 14) / 9)));
    const weeks = e.weeks.slice(-k);
    const matrix = (title: string, key: 'families' | 'tiers'): void => {
      // Groups never priced in these weeks (a self-hosted model) would be a row of dashes: the unpriced line covers them.
      const names = [...new Set(weeks.flatMap((w) =>
        key === 'families'
          ? w.families.filter((f) => f.tokens_per_dollar !== null).map((f) => f.family)
          : w.tiers.filter((t) => t.tokens_per_dollar !== null).map((t) => t.tier)))].sort();
      if (names.length === 0) return;
      const rows = names.map((name) => {
        const cells = weeks.map((w) => {
          const g = key === 'families' ? w.families.find((f) => f.family === name) : w.tiers.find((t) => t.tier === name);
          return compact(g?.tokens_per_dollar ?? null);
        });
        const last = weeks[weeks.length - 1]!;
        const g = key === 'families' ? last.families.find((f) => f.family === name) : last.tiers.find((t) => t.tier === name);
        const wow = g?.wow_change ?? null;
        const wowText = signedPct(wow);
        return [truncate(name, nameWidth), ...cells, wow !== null && wow < -e.alert_drop ? c.red(wowText) : wowText];
      });
      out.push(table([title, ...weeks.map((w) => w.week.slice(5)), 'last WoW'], rows, c, ['left', ...weeks.map(() => 'right' as const), 'right']));
    };
    matrix('family', 'families');
    matrix('tier', 'tiers');
    if (e.alerts.length === 0) out.push(`no week-over-week drop above ${pct(e.alert_drop, 0)}.`);
    for (const a of e.alerts) out.push(c.red(wrap(alertText(a), width)));
    for (const d of e.discrepancies) {
      out.push(c.yellow(wrap(`! logged cost vs list price: ${d.model} ${signedPct(d.logged_vs_catalog)} since ${d.since}` +
        ` (${int(d.requests)} requests; list price from ${d.price ? shortOrigin(d.price) : 'the catalog'})`, width)));
    }
  }
  const u = e.unpriced;
  if (u.requests > 0) {
    const models = u.models.map((m) => `${m.model || '(no model)'}${m.provider ? ` (${m.provider})` : ''} ${int(m.requests)}`).join(', ');
    out.push(c.yellow(wrap(`! ${int(u.requests)} requests (${pct(u.share)}) have no logged cost and no price — their spend is unknown` +
      ` and in no total: ${models}. Add them to a price file (--prices FILE).`, width)));
  }
  const bySource = { user: 0, catalog: 0, none: 0 };
  for (const p of e.prices) bySource[p.source ?? 'none']++;
  const models = (n: number): string => `${n} model${n === 1 ? '' : 's'}`;
  out.push(wrap(`prices: ${models(bySource.user)} from the price file, ${models(bySource.catalog)} from genai-prices, ${models(bySource.none)} with none` +
    ` (routecheck prices check shows which).`, width));
  return out.join('\n') + '\n';
}

export function renderVersions(v: Versions, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [c.bold('Model versions')];
  if (!v.available) return out.concat(c.yellow(`not available: ${v.reason}.`)).join('\n') + '\n';
  const rows: string[][] = [];
  const modelWidth = Math.max(20, options.width - 62);
  for (const f of v.families) {
    for (const line of f.versions) {
      const last = line.weeks[line.weeks.length - 1];
      rows.push([
        truncate(line.model, modelWidth),
        line.version ?? '—',
        when(line.first_seen).slice(0, 10),
        when(line.last_seen).slice(0, 10),
        int(line.requests),
        last ? `${pct(last.share, 0)} ${last.week.slice(5)}` : '—',
      ]);
    }
  }
  out.push(table(['model', 'version', 'first seen', 'last seen', 'requests', 'share (wk)'], rows, c, ['left', 'left', 'left', 'left', 'right', 'right']));
  if (v.changes.length === 0) out.push('no new version took traffic in the window.');
  for (const ch of v.changes) {
    const price = (p: typeof ch.unit_price_before): string =>
      p ? `$${p.input_per_mtok.toFixed(3)}/$${p.output_per_mtok.toFixed(3)}` : 'unpriced';
    out.push(c.yellow(wrap(`! ${ch.family}: ${ch.from} → ${ch.to} from ${when(ch.first_seen)} (${pct(ch.share_first_week, 0)} of the family in` +
      ` its first week); unit price ${signedPct(ch.unit_price_change)}: ${price(ch.unit_price_before)} → ${price(ch.unit_price_after)}` +
      ` per Mtok in/out`, options.width)));
  }
  return out.join('\n') + '\n';
}

export function renderSpend(s: Spend, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [c.bold('Spend vs traffic')];
  if (!s.available) return out.concat(c.yellow(`not available: ${s.reason}.`)).join('\n') + '\n';
  out.push(table(
    ['week', 'requests', 'spend', 'per request', 'unpriced', 'cache hits'],
    s.weeks.map((w) => [
      w.week + (w.complete ? '' : '*'),
      int(w.requests),
      usd(w.cost_usd),
      w.cost_per_request === null ? '—' : usd(w.cost_per_request),
      w.unpriced_requests > 0 ? c.yellow(int(w.unpriced_requests)) : '0',
      int(w.cache_hits),
    ]),
    c,
    ['left', 'right', 'right', 'right', 'right', 'right'],
  ));
  if (s.weeks.some((w) => !w.complete)) out.push('* partial week (the window starts or ends inside it).');
  if (s.compared) {
    const x = s.explained;
    out.push(wrap(`${s.compared.from_week} → ${s.compared.to_week}${s.compared.partial ? ' (partial weeks)' : ''}: spend ${signedPct(s.cost_growth)},` +
      ` requests ${signedPct(s.request_growth)}, cost per request ${signedPct(s.cost_per_request_growth)}.` +
      (x ? ` Of the spend change, price changes explain ${x.price_change.share === null ? '—' : pct(x.price_change.share)} (${usd(x.price_change.usd)})` +
        ` and version changes ${x.version_change.share === null ? '—' : pct(x.version_change.share)} (${usd(x.version_change.usd)}); the rest is traffic and routing.` : ''),
    options.width));
  }
  return out.join('\n') + '\n';
}
