import { alignOf, cellText, cellTone, type Block, type Cell, type DocumentPart } from './blocks.js';
import { escapeMarkdown, guardLineStarts, showControls } from './escape.js';

export { escapeMarkdown };

/**
 * The report as GitHub-flavoured markdown (a PR comment, a wiki page, a Slack post): headings, pipe tables,
 * warnings as ⚠️/❌ paragraphs, log excerpts and sections without blocks as fenced text. Charts are left out (every
 * charted number is in a table). Pure: same report, same text.
 */

/** A table cell: each of its lines escaped (escape.ts), joined by `<br>`, pipes escaped. */
const escapeCell = (text: string): string =>
  text.split('\n').map(escapeMarkdown).join('<br>').replace(/\|/g, '\\|');

function mdCell(c: Cell): string {
  const text = escapeCell(cellText(c));
  // Tones carry meaning (unknown spend, a failed threshold): bold keeps it where colour cannot go.
  return cellTone(c) === 'warn' || cellTone(c) === 'fail' ? (text === '' ? text : `**${text}**`) : text;
}

function mdTable(head: string[], rows: Cell[][], align: string[]): string {
  const n = Math.max(head.length, ...rows.map((r) => r.length));
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(Array.from({ length: n }, (_, i) => escapeCell(head[i] ?? ''))),
    line(Array.from({ length: n }, (_, i) => (align[i] === 'right' ? '--:' : ':--'))),
    ...rows.map((r) => line(Array.from({ length: n }, (_, i) => (r[i] === undefined ? '' : mdCell(r[i]!))))),
  ].join('\n');
}

/** A fence longer than any run of backticks in the text. */
function fenced(lines: string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}text`, ...lines, fence].join('\n');
}

function mdBlock(b: Block): string | null {
  switch (b.kind) {
    case 'heading':
      // The detail in italics, so `## What it cost` and its explanation stay apart.
      return `${'#'.repeat(b.level)} ${escapeMarkdown(b.text)}${b.detail ? ` *${escapeMarkdown(b.detail)}*` : ''}`;
    case 'note':
      return (b.level === 'fail' ? '❌ ' : b.level === 'warn' ? '⚠️ ' : '') + escapeMarkdown(b.text);
    case 'kv': {
      const n = Math.max(...b.rows.map((r) => r.length));
      const head = (b.columns ?? ['metric', 'value', 'note']).slice(0, n);
      return b.rows.length === 0 ? null : mdTable(head, b.rows, alignOf(b));
    }
    case 'table':
      return mdTable(b.head, b.rows, alignOf(b));
    case 'pre':
      // Inside a fence nothing is markup; a line feed in a line only adds a line to the fence.
      return b.lines.length === 0 ? null : fenced(b.lines.map((l) => showControls(l, '\n')));
    case 'text':
      return fenced(showControls(b.text.replace(/\n+$/, ''), '\n').split('\n'));
    case 'chart':
    case 'scatter':
      return null;
  }
}

export function drawMarkdown(parts: readonly DocumentPart[]): string {
  const out: string[] = [];
  for (const part of parts) {
    for (const b of part.blocks) {
      const text = mdBlock(b);
      if (text !== null) out.push(text);
    }
  }
  // A paragraph or a fenced log line may start with a value of the data: never with a workflow command.
  return guardLineStarts(out.join('\n\n') + '\n');
}
