import { basename, dirname, extname, join } from 'node:path';
import Papa from 'papaparse';
import { cellValue, type CellValue, type DocumentPart } from './blocks.js';
import { CSV_FORMULA } from './escape.js';

/**
 * The report's tables as CSV, one file per table (papaparse; RFC 4180: CRLF, quotes where needed). Cells hold
 * machine values: numbers without thousands separators, fractions for percentages (0.148, not 14.8%), USD without a
 * sign, empty for unknown. Text that a spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`, escape.ts'
 * CSV_FORMULA, the export's rule too) is prefixed with `'`: log inputs are untrusted. Numbers never are (a negative
 * amount stays a number). Pure: same report, same files.
 */

export interface CsvFile {
  /** The table's id (`deviation-weeks`): the file is `<prefix>-<id>.csv`. */
  id: string;
  text: string;
}

export function csvTables(parts: readonly DocumentPart[]): CsvFile[] {
  const files: CsvFile[] = [];
  for (const part of parts) {
    for (const b of part.blocks) {
      if (b.kind !== 'table' && b.kind !== 'kv') continue;
      const width = Math.max(b.kind === 'table' ? b.head.length : 0, ...b.rows.map((r) => r.length));
      const names = b.kind === 'table' ? (b.columns ?? b.head) : (b.columns ?? ['metric', 'value', 'note']);
      const fields = Array.from({ length: width }, (_, i) => names[i] ?? `column_${i + 1}`);
      const data = b.rows.map((r) => fields.map((_, i): CellValue => (r[i] === undefined ? null : cellValue(r[i]!))));
      files.push({ id: b.id, text: Papa.unparse({ fields, data }, { escapeFormulae: CSV_FORMULA }) + '\r\n' });
    }
  }
  return files;
}

/**
 * Where the files go. `--out DIR/` (or an existing folder): `DIR/report-<id>.csv`. `--out NAME.csv`:
 * `NAME-<id>.csv` next to it (`reports/2025-W12.csv` → `reports/2025-W12-summary.csv`, …); NAME.csv itself is
 * not written.
 */
export function csvPath(out: string, id: string, isDirectory: boolean): string {
  if (isDirectory || /[\\/]$/.test(out)) return join(out, `report-${id}.csv`);
  const ext = extname(out);
  const stem = ext.toLowerCase() === '.csv' ? basename(out, ext) : basename(out);
  return join(dirname(out), `${stem}-${id}.csv`);
}
