/**
 * The output sinks and the one escaping function of each. Log data (model names, file names, prompts, user ids)
 * is untrusted: whatever it holds, it must not steer the place it is written to. Each renderer applies its sink's
 * function to every piece of data where the text leaves, before measuring widths or adding its own markup (chalk
 * colours, table borders, tags). Pure.
 *
 * | sink                         | function              | what it does                                              |
 * |------------------------------|-----------------------|-----------------------------------------------------------|
 * | terminal line (stderr, notes)| terminalLine          | every control character shown as `\n`, `\u001b`, …        |
 * | terminal table cell          | terminalText          | the same, but a line feed stays (the cell's borders hold it)|
 * | GitHub Actions annotation    | annotationData/-Property | controls shown, then `%25` `%0D` `%0A` (`%3A` `%2C`)   |
 * | XML (JUnit), HTML, SVG       | escapeXml             | controls shown, chars XML 1.0 forbids replaced, `&<>"'` and LF as references |
 * | markdown                     | escapeMarkdown        | controls shown, line breaks flattened, markup backslashed |
 * | CSV (report and export)      | CSV_FORMULA / csvFormulaSql | a cell a spreadsheet would run (`=…`) prefixed with `'` |
 * | Prometheus label / HELP      | prometheus.ts         | controls shown, then the format's own `\\` `\"` `\n`      |
 * | JSON                         | jsonText              | JSON.stringify, plus C1/bidi/separators as `\uXXXX`       |
 */

/**
 * What steers a terminal or misleads a reader: C0 controls (ESC starts every terminal sequence; CR and BS
 * overwrite), DEL, C1 controls (U+009B is a one-character CSI), the bidirectional overrides and isolates that
 * reorder what is shown (U+202E, "Trojan Source"), and the Unicode line and paragraph separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const shownCode = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
/** `\u001b`, `\n`: how a control character is shown. */
function shown(ch: string): string {
  return SHORT[ch] ?? shownCode(ch);
}

/**
 * Every control character in `text` as a visible escape, except those in `keep` (e.g. `'\n'`); and `##[`, the
 * GitHub Actions runner's legacy command prefix, which it obeys anywhere in a line of the step's output
 * (`##[error]…`, `##[stop-commands]…`), as `\u0023#[`.
 */
export function showControls(text: string, keep = ''): string {
  return text.replace(CONTROL, (ch) => (keep.includes(ch) ? ch : shown(ch))).replace(LEGACY_COMMAND, LEGACY_SHOWN);
}
const LEGACY_COMMAND = /##\[/g;
const LEGACY_SHOWN = '\\u0023#[';

/**
 * A text's lines that start (after blanks) with `::`, the Actions runner's workflow-command prefix, get it shown as
 * `\u003a:`. Applied to whole rendered texts (terminal, markdown, stderr), where a value of the data can lead a line
 * (a wrapped note's next line, a log excerpt, a file's summary line); the report's own lines never start so.
 */
export function guardLineStarts(text: string): string {
  return text.replace(/^([ \t]*)::/gm, '$1\\u003a:');
}

/** Text that must stay on one line of a terminal or a log (stderr messages, headings, notes, check lines). */
export function terminalLine(text: string): string {
  return showControls(text);
}

/** Text of a bordered table cell: its line feeds stay (each line sits between the borders); nothing else does. */
export function terminalText(text: string): string {
  return showControls(text, '\n');
}

/**
 * What goes to stderr, as a whole: controls are shown except line feeds and the carriage return a progress line
 * redraws itself with (at the start or end of one write). Messages with data in them are made one line first
 * (terminalLine), so a line feed in the data cannot start a line of its own.
 */
export function stderrText(text: string): string {
  const lead = text.startsWith('\r') ? '\r' : '';
  const body = text.slice(lead.length);
  const trail = body.length > 0 && body.endsWith('\r') ? '\r' : '';
  return lead + guardLineStarts(showControls(body.slice(0, body.length - trail.length), '\n')) + trail;
}

/**
 * GitHub Actions workflow-command data (the message after `::error …::`): the runner reads a command only at the
 * start of a line, so CR and LF must never reach it raw; actions/toolkit escapes `%`, CR and LF (`%25`, `%0D`,
 * `%0A`, which the annotation shows as line breaks). Other controls are shown as escapes first.
 */
export function annotationData(text: string): string {
  return showControls(text, '\r\n').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
/** A workflow-command property (`title=…`): the data escaping plus `:` and `,`, which end a property. */
export function annotationProperty(text: string): string {
  return annotationData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Characters XML 1.0 does not allow at all (outside its Char production): lone surrogates, U+FFFE, U+FFFF. */
const NOT_XML = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g;

/**
 * Text and attribute values of XML, HTML and SVG. Controls but LF are shown as escapes (C0 controls but tab, LF
 * and CR are not XML 1.0 characters, even as `&#1;`), the few other characters XML forbids become U+FFFD, and the
 * five markup characters are entities. A line feed is `&#10;`: the same character to a parser (an attribute keeps
 * it, a `pre-line` cell breaks there), but no line of the file starts with data (a workflow command in a CI log).
 * The result is well-formed in any element or quoted attribute.
 */
export function escapeXml(text: string): string {
  return showControls(text, '\n')
    .replace(NOT_XML, '\ufffd')
    .replace(/[&<>"'\n]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\n': '&#10;' })[ch]!);
}

/**
 * Markdown text (a paragraph, a heading, a table cell before its own `|` escaping): controls shown, line breaks
 * flattened to a space (a line feed in a model name would otherwise start a heading or a list of its own), and
 * what markdown would read as markup backslash-escaped; `_` only at word edges (GFM ignores it inside words).
 * An `@` before a name gets a zero-width space after it (`@&#8203;team`, as Renovate writes its PR bodies): the
 * report posted as a PR comment must not notify a user or a team named in the log data.
 */
export function escapeMarkdown(text: string): string {
  return showControls(text.replace(/\r\n|[\r\n\u2028\u2029]/g, ' '))
    .replace(/@(?=[A-Za-z0-9])/g, '@&#8203;')
    .replace(/[\\`*[\]<>]/g, (ch) => `\\${ch}`)
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (m) => m.replace('_', '\\_'))
    .replace(/^(\s*)(?:([#+-])|(\d+)([.)]))(?=\s|$)/, (_m, space: string, mark: string | undefined, digits: string, dot: string) =>
      mark !== undefined ? `${space}\\${mark}` : `${space}${digits}\\${dot}`);
}

/**
 * A CSV cell a spreadsheet would run as a formula (OWASP "CSV injection"): text starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return. Such a cell is written with a `'` in front. Only text: numbers are never prefixed
 * (a negative amount stays a number). The report's CSV (papaparse's escapeFormulae) and the export's (DuckDB
 * COPY, csvFormulaSql) both use this one definition.
 */
export const CSV_FORMULA_START = '=+-@\t\r';
export const CSV_FORMULA = /^[=+\-@\t\r]/;

/** The SQL form of CSV_FORMULA for a VARCHAR expression: `'` in front of a cell that starts like a formula. */
export function csvFormulaSql(expr: string): string {
  const chars = [...CSV_FORMULA_START].map((ch) => `chr(${ch.charCodeAt(0)})`).join(', ');
  return `CASE WHEN list_contains([${chars}], left(${expr}, 1)) THEN '''' || ${expr} ELSE ${expr} END`;
}

/**
 * JSON text of a value: JSON.stringify (which writes C0 controls as `\u001b` and lone surrogates as `\udXXX`),
 * then the C1 controls, bidi controls and line separators it leaves raw as `\uXXXX` too, and the `#` of `##[`.
 * They occur only inside strings, so the parsed value is the same; the text is safe to print, in CI too.
 */
export function jsonText(value: unknown, indent = 2): string {
  // `##[` occurs only inside strings too: `\u0023#[` is the same value, and no runner command.
  return JSON.stringify(value, null, indent).replace(JSON_RAW, (ch) => shownCode(ch)).replace(LEGACY_COMMAND, LEGACY_SHOWN);
}
/** What JSON.stringify leaves raw that CONTROL holds (C0 controls it already escapes; structure has no others). */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
