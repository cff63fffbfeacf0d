import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { pct, truncate, when } from './format.js';
import type { RenderOptions } from './options.js';
import { PRICED_FORMATS } from '../prices/sources.js';
import type { ListedModel, PriceMove, SourceResult, WatchResult } from '../prices/watch.js';

/**
 * How a `prices watch` result reads: a table for people, and a Slack-compatible message for the
 * webhook. Pure: same result, same output. Prices are USD per million tokens; changes are shown as
 * percentages here and kept as fractions in the JSON.
 */

/** The table output. Fits `options.width` columns. */
export function renderWatchTable(result: WatchResult, options: RenderOptions & { database: string }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [c.bold(`routecheck prices watch · ${when(result.fetched_at)}`), ''];
  for (const s of result.sources) {
    const kind = s.name === s.format ? '' : `${s.format}, `;
    out.push(c.bold(s.name) + ` (${kind}${truncate(s.url, Math.max(20, options.width - s.name.length - kind.length - 3))})`);
    out.push(headline(s, c));
    if (s.status === 'changed') out.push(changesTable(s, c, options.width));
    out.push('');
  }
  if (result.sources.some((s) => s.status !== 'error')) {
    out.push(result.stored ? `snapshots stored in ${options.database}` : c.yellow(`nothing stored: the next run compares with the same previous snapshots`));
  }
  return out.join('\n') + '\n';
}

function headline(s: SourceResult, c: ChalkInstance): string {
  const since = s.previous_fetched_at ? ` since ${when(s.previous_fetched_at)}` : '';
  switch (s.status) {
    case 'error':
      return c.red(`error: ${s.error ?? 'unknown'}; previous snapshot kept`);
    case 'baseline':
      return `baseline: ${count(s.models ?? 0, 'model')} (first snapshot${s.note ? `; ${s.note}` : ''}); later runs report changes against it`;
    case 'unchanged':
      return `${count(s.models ?? 0, 'model')}; no change${since}`;
    case 'changed':
      return c.yellow(`${count(s.models ?? 0, 'model')}; changed${since}: ${changeCounts(s)}`);
  }
}

export function changeCounts(s: SourceResult): string {
  const parts: string[] = [];
  if (s.added.length) parts.push(`${s.added.length} new`);
  if (s.removed.length) parts.push(`${s.removed.length} removed`);
  if (s.price_changes.length) parts.push(count(s.price_changes.length, 'price change'));
  return parts.join(', ');
}

function changesTable(s: SourceResult, c: ChalkInstance, width: number): string {
  const priced = PRICED_FORMATS.has(s.format);
  // Plain text first, so that widths are measured without colour codes; colour is applied last.
  type Cell = { text: string; paint?: (t: string) => string };
  const rows: { label: Cell; model: string; prices: Cell[] }[] = [];
  const listed = (label: Cell, m: ListedModel) =>
    rows.push({ label, model: m.model, prices: priced ? [{ text: price(m.input_per_mtok) }, { text: price(m.output_per_mtok) }] : [] });
  for (const m of s.added) listed({ text: 'new', paint: c.green }, m);
  for (const m of s.removed) listed({ text: 'removed', paint: c.red }, m);
  for (const p of s.price_changes) {
    rows.push({ label: { text: 'price', paint: c.yellow }, model: p.model, prices: [moveCell(p.input_per_mtok, c), moveCell(p.output_per_mtok, c)] });
  }
  const head = ['change', 'model', ...(priced ? ['input $/MTok', 'output $/MTok'] : [])];
  const widest = (i: number) => Math.max(head[i]!.length, ...rows.map((r) => (i === 0 ? r.label.text : r.prices[i - 2]!.text).length));
  const fixed = widest(0) + (priced ? widest(2) + widest(3) : 0);
  // Borders and padding: 3 characters per column plus 1.
  const modelWidth = Math.max(20, width - fixed - 3 * head.length - 1);
  const paint = (cell: Cell) => (cell.paint ? cell.paint(cell.text) : cell.text);
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true },
    colAligns: priced ? ['left', 'left', 'right', 'right'] : ['left', 'left'],
    wordWrap: false,
  });
  for (const r of rows) table.push([paint(r.label), truncate(r.model, modelWidth), ...r.prices.map(paint)]);
  return table.toString();
}

function moveCell(m: PriceMove, c: ChalkInstance): { text: string; paint?: (t: string) => string } {
  if (m.before === m.after) return { text: price(m.after) };
  const text = `${price(m.before)} → ${price(m.after)}${m.change !== null ? ` (${signedPct(m.change)})` : ''}`;
  if (m.change === null) return { text, paint: c.yellow };
  return { text, paint: m.change > 0 ? c.red : c.green };
}

/**
 * A price per MTok: up to 6 significant digits. `—` when the source lists no per-token price
 * (a model list, a model billed per image or per request, OpenRouter's variable `-1`).
 */
export function price(n: number | null): string {
  if (n === null) return '—';
  return String(Number(n.toPrecision(6)));
}

export function signedPct(fraction: number): string {
  return (fraction > 0 ? '+' : '') + pct(fraction);
}

// ---------------------------------------------------------------------------------------------
// Slack: `text` is the notification line (and what non-Slack receivers read); `blocks` the body.
// Limits kept: a section's text at most 3,000 characters, at most 50 blocks.

const SECTION_MAX = 2900;
const MAX_SECTIONS = 45;

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** The webhook message for a run that changed something or failed on a source. */
export function watchSlackMessage(result: WatchResult): SlackMessage {
  const changed = result.sources.filter((s) => s.status === 'changed');
  const failed = result.sources.filter((s) => s.status === 'error');
  const summary = [
    ...changed.map((s) => `${s.name}: ${changeCounts(s)}`),
    ...failed.map((s) => `${s.name}: fetch failed`),
  ].join('; ');
  const text = `routecheck prices watch: ${summary || 'no changes'}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: changed.length ? 'LLM models and prices changed' : 'LLM price watch: fetch failed' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `fetched ${escape(when(result.fetched_at))}` }] },
  ];
  for (const s of [...changed, ...failed].slice(0, MAX_SECTIONS)) {
    const lines: string[] = [];
    if (s.status === 'error') {
      lines.push(`*${escape(s.name)}*: fetch failed, previous snapshot kept`, escape(s.error ?? ''));
    } else {
      lines.push(`*${escape(s.name)}* (${escape(s.format)}): ${changeCounts(s)} since ${escape(when(s.previous_fetched_at))}`);
      const priced = PRICED_FORMATS.has(s.format);
      const prices = (m: ListedModel) => (priced ? ` (input ${usdMtok(m.input_per_mtok)}, output ${usdMtok(m.output_per_mtok)} per MTok)` : '');
      for (const m of s.added) lines.push(`• new \`${escape(m.model)}\`${prices(m)}`);
      for (const m of s.removed) lines.push(`• removed \`${escape(m.model)}\``);
      for (const p of s.price_changes) {
        lines.push(`• price \`${escape(p.model)}\`: input ${slackMove(p.input_per_mtok)}, output ${slackMove(p.output_per_mtok)} per MTok`);
      }
    }
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: fit(lines) } });
  }
  return { text, blocks };
}

function slackMove(m: PriceMove): string {
  if (m.before === m.after) return usdMtok(m.after);
  return `${usdMtok(m.before)} → ${usdMtok(m.after)}${m.change !== null ? ` (${signedPct(m.change)})` : ''}`;
}

function usdMtok(n: number | null): string {
  return n === null ? '—' : '$' + price(n);
}

/** Lines joined up to Slack's section limit; the rest counted, never cut mid-line. */
function fit(lines: string[]): string {
  const kept: string[] = [];
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (length + line.length + 1 > SECTION_MAX - 40) {
      kept.push(`… and ${lines.length - i} more`);
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}

/** Slack mrkdwn control characters. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
