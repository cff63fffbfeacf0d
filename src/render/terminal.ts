import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { alignOf, cellText, cellTone, type Align, type Block, type Cell, type DocumentPart, type Fit, type Tone } from './blocks.js';
import { guardLineStarts, terminalLine, terminalText } from './escape.js';
import type { RenderOptions } from './options.js';

/**
 * Blocks → terminal text: cli-table3 tables with a compact look, chalk colour (off unless options.color), every
 * line at most options.width characters. Pure: same blocks and options, same string. Charts are left out (the
 * numbers are in the tables; the HTML report draws them). Every text of a block is escaped for the terminal
 * (escape.ts) before it is measured or painted: control characters in log data are shown, never run.
 */

/** Greedy word wrap; continuation lines are indented by `indent`; a word longer than a line is cut. */
export function wrapText(text: string, width: number, indent = 2): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    const lines: string[] = [];
    let line = '';
    for (let word of paragraph.split(' ')) {
      if (word === '') continue;
      for (;;) {
        const start = line === '' ? (lines.length > 0 ? ' '.repeat(indent) : '') : line + ' ';
        if (start.length + word.length <= width) {
          line = start + word;
          break;
        }
        if (line !== '') {
          lines.push(line);
          line = '';
          continue;
        }
        // A word that fits on no line (a long path, a URL) is cut into pieces.
        const take = Math.max(1, width - start.length);
        lines.push(start + word.slice(0, take));
        word = word.slice(take);
        if (word === '') break;
      }
    }
    if (line !== '' || lines.length === 0) lines.push(line);
    out.push(...lines);
  }
  return out;
}

/** Cuts a line to `width` with `…`. */
export function cut(line: string, width: number): string {
  return line.length <= width ? line : line.slice(0, Math.max(0, width - 1)) + '…';
}

/**
 * Cuts a path to `width` in its middle: the start and the file name stay, since the name's end is what tells
 * the files of a folder apart (`fixtures/demo/…/2025-03-17.jsonl.gz`). The start is cut back to a `/` when it has
 * one. Text without a `/`, or whose file name alone does not fit, keeps its first third and its end.
 */
export function cutMiddle(line: string, width: number): string {
  if (line.length <= width) return line;
  if (width < 3) return cut(line, width);
  const room = width - 1;
  const at = line.lastIndexOf('/');
  if (at >= 0 && line.length - at < room) {
    const name = line.slice(at);
    const start = line.slice(0, room - name.length);
    const slash = start.lastIndexOf('/');
    return (slash > 0 ? start.slice(0, slash + 1) : start) + '…' + name;
  }
  const start = line.slice(0, Math.ceil(room / 3));
  return start + '…' + line.slice(line.length - (room - start.length));
}

const lineWidth = (text: string): number => Math.max(0, ...text.split('\n').map((l) => l.length));

function paint(c: ChalkInstance, tone: Tone | undefined, text: string): string {
  if (!tone) return text;
  const f = tone === 'fail' ? c.red : tone === 'warn' ? c.yellow : c.green;
  // Each line on its own, so a multi-line cell keeps its colour in every row of the table.
  return text.split('\n').map((l) => (l === '' ? l : f(l))).join('\n');
}

/** Drawn width of a compact cli-table3 table: each column plus one space either side, and n + 1 borders. */
const tableWidth = (widths: number[]): number => widths.reduce((s, w) => s + w + 2, 0) + widths.length + 1;

/** Leaves out droppable columns, then narrows the flex column, until the table fits `width`. Pure. */
export function fitColumns(
  head: string[] | null,
  rows: string[][],
  fit: Fit | undefined,
  width: number,
): { keep: number[]; head: string[] | null; rows: string[][] } {
  const n = Math.max(head?.length ?? 0, ...rows.map((r) => r.length));
  let keep = Array.from({ length: n }, (_, i) => i);
  const colWidth = (i: number): number => Math.max(lineWidth(head?.[i] ?? ''), ...rows.map((r) => lineWidth(r[i] ?? '')));
  const total = (): number => tableWidth(keep.map(colWidth));
  if (fit?.drop) {
    const [start, end] = fit.drop;
    // Always keep the last droppable column (the latest week).
    for (let i = start; i < end - 1 && total() > width; i++) keep = keep.filter((k) => k !== i);
  }
  let outHead = head ? keep.map((i) => head[i] ?? '') : null;
  let outRows = rows.map((r) => keep.map((i) => r[i] ?? ''));
  const flex = fit?.flex === undefined ? -1 : keep.indexOf(fit.flex);
  const over = total() - width;
  if (flex >= 0 && over > 0) {
    const target = Math.max(8, colWidth(fit!.flex!) - over);
    const narrow = (text: string): string => {
      const shorten = fit!.cut === 'middle' ? cutMiddle : cut;
      if (!fit!.wrap) return text.split('\n').map((l) => shorten(l, target)).join('\n');
      let lines = text.split('\n').flatMap((l) => wrapText(l, target, 0));
      if (fit!.maxLines !== undefined && lines.length > fit!.maxLines) {
        lines = lines.slice(0, fit!.maxLines);
        const last = lines[lines.length - 1]!;
        lines[lines.length - 1] = cut(last + ' …', target).replace(/ …$/, '…');
      }
      return lines.join('\n');
    };
    outRows = outRows.map((r) => r.map((t, i) => (i === flex ? narrow(t) : t)));
    if (outHead) outHead = outHead.map((t, i) => (i === flex ? cut(t, target) : t));
  }
  // Still too wide: a column that does not give way holds a long log value (a 1,000-character model name). The
  // widest column is cut, then the next, until the table fits (or every column is down to 8).
  const shown = (i: number): number => Math.max(lineWidth(outHead?.[i] ?? ''), ...outRows.map((r) => lineWidth(r[i] ?? '')));
  const drawn = (): number => tableWidth(keep.map((_, i) => shown(i)));
  for (let guard = 0; guard < keep.length && drawn() > width; guard++) {
    const widths = keep.map((_, i) => shown(i));
    const widest = widths.indexOf(Math.max(...widths));
    const target = Math.max(8, widths[widest]! - (drawn() - width));
    if (target >= widths[widest]!) break;
    const narrow = (text: string): string => text.split('\n').map((l) => cut(l, target)).join('\n');
    outRows = outRows.map((r) => r.map((t, i) => (i === widest ? narrow(t) : t)));
    if (outHead) outHead = outHead.map((t, i) => (i === widest ? narrow(t) : t));
  }
  return { keep, head: outHead, rows: outRows };
}

/** A cell shows at most this many lines; the last one says how many more there are. */
export const MAX_CELL_LINES = 20;

/**
 * A cell's text made for the terminal: controls shown (escape.ts), at most MAX_CELL_LINES lines, each at most ten
 * terminal widths (cut in its middle, so a column that cuts paths keeps their end). The fitting below narrows
 * further; this only bounds what a 100,000-character log value costs to lay out.
 */
function boundCell(text: string, width: number): string {
  let lines = terminalText(text).split('\n');
  if (lines.length > MAX_CELL_LINES) lines = [...lines.slice(0, MAX_CELL_LINES - 1), `… (${lines.length - MAX_CELL_LINES + 1} more lines)`];
  return lines.map((l) => cutMiddle(l, 10 * width)).join('\n');
}

function drawTable(head: string[] | null, rows: Cell[][], align: Align[], fit: Fit | undefined, c: ChalkInstance, width: number): string {
  const texts = rows.map((r) => r.map((cell) => boundCell(cellText(cell), width)));
  const fitted = fitColumns(head && head.map((h) => boundCell(h, width)), texts, fit, width);
  const t = new Table({
    head: fitted.head ? fitted.head.map((h) => c.bold(h)) : [],
    style: { head: [], border: [], compact: true },
    colAligns: fitted.keep.map((i) => align[i] ?? 'left'),
    wordWrap: false,
  });
  fitted.rows.forEach((r, y) => {
    // Short rows (a kv row without a remark) are padded with empty cells.
    const source = rows[y]!;
    const cells = r.map((text, x) => {
      const original = source[fitted.keep[x]!];
      return (original === undefined ? text : paint(c, cellTone(original), text)).split('\n');
    });
    // A multi-line cell becomes rows of one line each: a compact table draws them the same, and cli-table3 takes
    // time quadratic in a multi-line cell's length (it truncates a debug preview of it one character at a time:
    // cli-table/cli-table3#362), which a long log value would turn into minutes.
    const height = Math.max(1, ...cells.map((lines) => lines.length));
    for (let line = 0; line < height; line++) t.push(cells.map((lines) => lines[line] ?? ''));
  });
  return t.toString();
}

/** One block's lines (no trailing newline), or null when the terminal shows nothing of it. */
function drawBlock(b: Block, c: ChalkInstance, width: number): string | null {
  switch (b.kind) {
    case 'heading':
      return c.bold(terminalLine(b.text)) + (b.detail ? ` ${terminalLine(b.detail)}` : '');
    case 'note': {
      const text = terminalLine(b.level === 'info' ? b.text : `! ${b.text}`);
      const lines = wrapText(text, width).join('\n');
      return b.level === 'fail' ? paint(c, 'fail', lines) : b.level === 'warn' ? paint(c, 'warn', lines) : lines;
    }
    case 'kv':
      return b.rows.length === 0 ? null : drawTable(null, b.rows, alignOf(b), b.fit ?? { flex: Math.max(...b.rows.map((r) => r.length)) - 1 }, c, width);
    case 'table':
      return drawTable(b.head, b.rows, alignOf(b), b.fit, c, width);
    case 'pre':
      return b.lines.map((l) => cut(terminalLine(l), width)).join('\n');
    case 'text':
      return terminalText(b.text.replace(/\n+$/, ''));
    case 'chart':
    case 'scatter':
      return null;
  }
}

/** Blocks → text, one block after another, ending with a newline. */
export function drawBlocks(blocks: readonly Block[], options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  for (const b of blocks) {
    const text = drawBlock(b, c, options.width);
    if (text === null) continue;
    // A part of a section (level 3) stands off what comes before it by an empty line.
    if (b.kind === 'heading' && b.level === 3 && out.length > 0) out.push('');
    out.push(text);
  }
  // A wrapped note's next line or a log excerpt may start with a value of the data: never with a workflow command.
  return guardLineStarts(out.join('\n') + '\n');
}

/** A whole document: parts separated by one empty line. */
export function drawDocument(parts: readonly DocumentPart[], options: RenderOptions): string {
  return parts.map((p) => drawBlocks(p.blocks, options)).join('\n');
}
