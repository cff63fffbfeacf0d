import { alignOf, cellText, cellTone, type Block, type Cell, type DocumentPart } from './blocks.js';
import { escapeXml } from './escape.js';
import { lineChart, scatterChart } from './svg.js';

/**
 * The report as one self-contained HTML file: inline CSS, inline SVG charts, no script, no font, no image, no
 * link to fetch. A Content-Security-Policy of `default-src 'none'` makes the browser refuse any request the page
 * might still try, so "opens offline, leaks nothing" holds by construction (the headless-browser test checks it).
 * Every text goes through escape.ts' escapeXml: markup characters as entities, control characters shown. Pure: same
 * report, same bytes.
 */

const esc = escapeXml;

const CSS = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --warn: #b45309; --fail: #b91c1c; --ok: #047857; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #f9fafb; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 0 0 16px; }
section.title { background: none; border: none; padding: 0 0 4px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 10px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
h3 .detail, h2 .detail { font-weight: normal; color: var(--muted); }
p { margin: 8px 0; }
p.note { padding: 6px 10px; border-left: 4px solid; border-radius: 4px; }
p.note.warn { border-color: #f59e0b; background: #fffbeb; }
p.note.fail { border-color: #ef4444; background: #fef2f2; }
p.note .badge { font-weight: 700; margin-right: 6px; }
p.note.warn .badge { color: var(--warn); }
p.note.fail .badge { color: var(--fail); }
.scroll { overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; text-align: left; white-space: pre-line; }
thead th { border-bottom: 2px solid #d1d5db; white-space: nowrap; }
table.kv th { font-weight: 500; color: #374151; }
td.r, th.r { text-align: right; }
td.nw, th.nw { white-space: pre; }
td.warn { color: var(--warn); font-weight: 600; }
td.fail { color: var(--fail); font-weight: 600; }
td.ok { color: var(--ok); }
pre { background: #f3f4f6; border-radius: 6px; padding: 10px 12px; overflow-x: auto; font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
figure { margin: 12px 0; }
figure h3 { margin-top: 4px; }
figcaption { color: var(--muted); font-size: 12px; }
svg.chart { width: 100%; max-width: 760px; height: auto; display: block; font-size: 11px; }
svg.chart text { fill: #374151; }
svg.chart .grid line { stroke: var(--line); }
svg.chart .baseline { stroke: #9ca3af; }
svg.chart .series { fill: none; stroke-width: 2; }
svg.chart .band { opacity: 0.18; }
svg.chart .threshold line { stroke: var(--fail); stroke-dasharray: 5 4; }
svg.chart .threshold text { fill: var(--fail); }
svg.chart .empty { fill: var(--muted); }
footer { color: var(--muted); font-size: 12px; text-align: center; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
`;

function tdClass(align: string | undefined, tone: string | undefined, nowrap = false): string {
  const cls = [align === 'right' ? 'r' : '', tone ?? '', nowrap ? 'nw' : ''].filter((x) => x !== '');
  return cls.length > 0 ? ` class="${cls.join(' ')}"` : '';
}

function htmlRows(rows: Cell[][], align: string[], headerColumn: boolean): string {
  return rows
    .map((r) => {
      const cells = r.map((c, i) => {
        const tag = headerColumn && i === 0 ? 'th' : 'td';
        const scope = tag === 'th' ? ' scope="row"' : '';
        const text = cellText(c);
        // Words without spaces (model names, dates, amounts) never break, even at a hyphen; prose wraps.
        const nowrap = text.length <= 60 && !/ /.test(text);
        return `<${tag}${scope}${tdClass(align[i], cellTone(c), nowrap)}>${esc(text)}</${tag}>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
}

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'heading': {
      const tag = `h${b.level}`;
      return `<${tag}>${esc(b.text)}${b.detail ? ` <span class="detail">${esc(b.detail)}</span>` : ''}</${tag}>`;
    }
    case 'note':
      if (b.level === 'info') return `<p>${esc(b.text)}</p>`;
      return `<p class="note ${b.level}"><span class="badge">${b.level === 'fail' ? '✖' : '!'}</span>${esc(b.text)}</p>`;
    case 'kv':
      return `<div class="scroll"><table class="kv" id="table-${esc(b.id)}">\n${htmlRows(b.rows, alignOf(b), true)}\n</table></div>`;
    case 'table': {
      const align = alignOf(b);
      const head = b.head.map((h, i) => `<th scope="col"${tdClass(align[i], undefined)}>${esc(h)}</th>`).join('');
      return `<div class="scroll"><table id="table-${esc(b.id)}">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${htmlRows(b.rows, align, false)}\n</tbody></table></div>`;
    }
    case 'chart': {
      // A weekly chart of a one-week window is a single point: say how to see the trend.
      const caption = [b.caption ?? '', b.x.length === 1 ? 'One week in this window: a longer one (--last 8w, --all) draws the trend.' : '']
        .filter((x) => x !== '')
        .join(' ');
      return (
        `<figure id="chart-${esc(b.id)}"><h3>${esc(b.title)}</h3>${lineChart(b)}` +
        (caption ? `<figcaption>${esc(caption)}</figcaption>` : '') +
        '</figure>'
      );
    }
    case 'scatter':
      return `<figure id="chart-${esc(b.id)}"><h3>${esc(b.title)}</h3>${scatterChart(b)}` + (b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : '') + '</figure>';
    case 'pre':
      return b.lines.length === 0 ? '' : `<pre>${esc(b.lines.join('\n'))}</pre>`;
    case 'text':
      return `<pre data-section="${esc(b.section)}">${esc(b.text.replace(/\n+$/, ''))}</pre>`;
  }
}

export function drawHtml(parts: readonly DocumentPart[], title: string): string {
  const body = parts
    .map((p, i) => {
      const cls = i === 0 ? 'title' : esc(p.section);
      return `<section class="${cls}" data-section="${esc(p.section)}">\n${p.blocks.map(htmlBlock).filter((x) => x !== '').join('\n')}\n</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer>routecheck: made from logs, offline. This file loads nothing from the network.</footer>
</main>
</body>
</html>
`;
}
