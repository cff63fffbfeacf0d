/**
 * The block model: what a report section says, independent of the output format. A section turns its part of the
 * report into blocks once (`Section.blocks`); the terminal, markdown, HTML and CSV renderers each draw the same
 * blocks. Blocks are plain data (no functions, no colour codes), so a renderer never calls back into a section.
 *
 * Rules a block keeps:
 * - Text is for people (`12.3%`, `$4.20`, `unknown`); a table cell may also carry its machine `value` (the fraction,
 *   the USD amount, null for unknown) which CSV writes instead of the text.
 * - Table and kv ids are unique in a report and name the CSV file (`report-<id>.csv`): lower-case, digits, dashes.
 * - Charts (line and scatter) are drawn only where a chart can be drawn (HTML); every number in a chart is also in a table.
 */

export type Tone = 'ok' | 'warn' | 'fail';
export type Align = 'left' | 'right';
export type CellValue = string | number | boolean | null;

export interface CellObject {
  text: string;
  /** The value CSV writes (fractions, not percentages; USD without a sign; null = unknown). Default: the text. */
  value?: CellValue;
  tone?: Tone;
}
export type Cell = string | CellObject;

/** How a table gives way on a narrow terminal. Other renderers ignore it. */
export interface Fit {
  /** The column that absorbs the shortage: truncated with `…`, or wrapped when `wrap` is set. */
  flex?: number;
  wrap?: boolean;
  /** Where a flex cell that does not wrap loses characters: at the end (default), or in the middle (file paths). */
  cut?: 'end' | 'middle';
  /** Most lines a wrapped cell takes (the last one truncated); default unlimited. */
  maxLines?: number;
  /** Columns [start, end) that may be left out, leftmost first (e.g. the oldest weeks), before `flex` gives way. */
  drop?: [number, number];
}

export interface HeadingBlock {
  kind: 'heading';
  text: string;
  /** 1: the report title, 2: a section, 3: a part of a section. */
  level: 1 | 2 | 3;
  /** Words after the heading, not bold (`(most lost savings first)`). */
  detail?: string;
}

/** A paragraph. `info` is plain text; `warn` and `fail` are the report's `!` lines. */
export interface NoteBlock {
  kind: 'note';
  level: 'info' | 'warn' | 'fail';
  text: string;
}

/** A table without a header: label, value and an optional remark per row. */
export interface KvBlock {
  kind: 'kv';
  id: string;
  rows: Cell[][];
  /** Default: left, right, left. */
  align?: Align[];
  /** Column names for CSV (default: metric, value, note). */
  columns?: string[];
  fit?: Fit;
}

export interface TableBlock {
  kind: 'table';
  id: string;
  head: string[];
  /** Column names for CSV when they differ from the head (`2025-03-17` for a head of `03-17`). */
  columns?: string[];
  rows: Cell[][];
  /** Default: the first column left, the others right. */
  align?: Align[];
  fit?: Fit;
}

export type ChartFormat = 'number' | 'compact' | 'usd' | 'pct' | 'ratio';

export interface ChartSeries {
  name: string;
  values: (number | null)[];
  /** An interval band around the line (same length as values). */
  low?: (number | null)[];
  high?: (number | null)[];
}

/** A line chart over labelled x positions (weeks). */
export interface ChartBlock {
  kind: 'chart';
  id: string;
  title: string;
  x: string[];
  series: ChartSeries[];
  /** How y values are written on the axis and in tooltips. */
  format: ChartFormat;
  /** `log` for series of very different sizes (tokens per dollar of a mini and a large model). */
  scale?: 'linear' | 'log';
  /** A horizontal reference line (the 5% deviation target, the 1.2 dilution warning). */
  threshold?: { value: number; label: string };
  /** One line under the chart: what it shows and what to look for. */
  caption?: string;
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** What the point is (a policy's thresholds), shown on hover with its coordinates. */
  label?: string;
}

export interface ScatterSeries {
  name: string;
  points: ScatterPoint[];
  /** Join the points in x order (a frontier); otherwise points only. */
  line?: boolean;
}

/**
 * Points on two numeric axes (a cost/deviation frontier): what a line chart over labelled x positions cannot show,
 * since the x distances matter and points of other series fall between the line's.
 */
export interface ScatterBlock {
  kind: 'scatter';
  id: string;
  title: string;
  x: { label: string; format: ChartFormat };
  y: { label: string; format: ChartFormat };
  series: ScatterSeries[];
  caption?: string;
}

/** Preformatted lines (log excerpts). The terminal cuts each line to its width; other formats keep them whole. */
export interface PreBlock {
  kind: 'pre';
  lines: string[];
}

/**
 * A section that has no blocks yet: its terminal text, drawn without colour at the renderer's width. Markdown and
 * HTML show it as preformatted text; CSV has no table from it.
 */
export interface TextBlock {
  kind: 'text';
  section: string;
  text: string;
}

export type Block = HeadingBlock | NoteBlock | KvBlock | TableBlock | ChartBlock | ScatterBlock | PreBlock | TextBlock;

/** A report as blocks, in order, grouped by the section that wrote them (`report`, `summary`, `deviation`, …). */
export interface DocumentPart {
  section: string;
  blocks: Block[];
}

// ---- constructors, so sections stay short ----

export const heading = (text: string, level: 1 | 2 | 3 = 2, detail?: string): HeadingBlock =>
  detail === undefined ? { kind: 'heading', text, level } : { kind: 'heading', text, level, detail };
export const info = (text: string): NoteBlock => ({ kind: 'note', level: 'info', text });
export const warn = (text: string): NoteBlock => ({ kind: 'note', level: 'warn', text });
export const fail = (text: string): NoteBlock => ({ kind: 'note', level: 'fail', text });

/** A cell with a machine value (and a tone). */
export function cell(text: string, value: CellValue, tone?: Tone): CellObject {
  return tone ? { text, value, tone } : { text, value };
}
/** A cell whose text is its value, with a tone. */
export function toned(text: string, tone: Tone | undefined): Cell {
  return tone ? { text, tone } : text;
}

export function cellText(c: Cell): string {
  return typeof c === 'string' ? c : c.text;
}
export function cellTone(c: Cell): Tone | undefined {
  return typeof c === 'string' ? undefined : c.tone;
}
/** What CSV writes: the value when there is one; otherwise the text, with `—` (nothing to show) as empty. */
export function cellValue(c: Cell): CellValue {
  if (typeof c !== 'string' && c.value !== undefined) return c.value;
  const text = cellText(c);
  return text === '—' ? null : text.replace(/\s*\n\s*/g, '; ');
}

/** The default alignment of a table: first column left, the rest right; kv: left, right, left. */
export function alignOf(block: KvBlock | TableBlock): Align[] {
  if (block.align) return block.align;
  const n = Math.max(block.kind === 'table' ? block.head.length : 0, ...block.rows.map((r) => r.length));
  if (block.kind === 'kv') return Array.from({ length: n }, (_, i) => (i === 1 ? 'right' : 'left'));
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'left' : 'right'));
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Throws when two tables share an id or an id is not file-name safe (a bug in a section, caught by tests). */
export function checkIds(parts: readonly DocumentPart[]): void {
  const seen = new Set<string>();
  for (const part of parts) {
    for (const b of part.blocks) {
      if (b.kind !== 'table' && b.kind !== 'kv' && b.kind !== 'chart' && b.kind !== 'scatter') continue;
      if (!ID.test(b.id)) throw new Error(`section ${part.section}: block id "${b.id}" must be lower-case words joined by dashes`);
      const key = `${b.kind === 'chart' || b.kind === 'scatter' ? 'chart' : 'table'}:${b.id}`;
      if (seen.has(key)) throw new Error(`section ${part.section}: block id "${b.id}" is used twice`);
      seen.add(key);
    }
  }
}
