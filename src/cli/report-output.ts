import { statSync } from 'node:fs';
import type { Report } from '../report/report.js';
import { csvPath, csvTables } from '../render/csv.js';
import { drawHtml } from '../render/html.js';
import { renderJson } from '../render/json.js';
import { drawMarkdown } from '../render/markdown.js';
import { renderPrometheus } from '../render/prometheus.js';
import { drawDocument } from '../render/terminal.js';
import { reportDocument, reportTitle } from '../sections/document.js';
import { reportMetrics } from '../sections/metrics.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';
import { writeFileAtomic, writeOutput } from './output.js';

/** The report in one of the single-text formats (everything but csv, which is a set of files). */
export function renderReport(report: Report, format: CommonOptions['format'], io: Pick<Io, 'columns'>, color: boolean): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'markdown':
      return drawMarkdown(reportDocument(report));
    case 'html':
      return drawHtml(reportDocument(report), reportTitle(report));
    case 'prometheus':
      return renderPrometheus(reportMetrics(report));
    default: {
      const options = { color, width: Math.min(io.columns, 100) };
      return drawDocument(reportDocument(report), options);
    }
  }
}

/**
 * Writes the report where --out and --format say: one text to stdout or --out, or for csv one file per table
 * (`--out DIR/` → DIR/report-<table>.csv, `--out NAME.csv` → NAME-<table>.csv; see render/csv.ts).
 */
export function writeReport(report: Report, options: Pick<CommonOptions, 'format' | 'out' | 'quiet' | 'color'>, io: Io): void {
  if (options.format !== 'csv') {
    writeOutput(renderReport(report, options.format, io, options.color), options, io);
    return;
  }
  const out = options.out!;
  let isDirectory = /[\\/]$/.test(out);
  try {
    isDirectory ||= statSync(out).isDirectory();
  } catch {
    // Not there yet: a file prefix unless it ends with a slash.
  }
  const written: string[] = [];
  for (const file of csvTables(reportDocument(report))) {
    const path = csvPath(out, file.id, isDirectory);
    writeFileAtomic(path, file.text);
    written.push(path);
  }
  if (!options.quiet) io.stderr(`wrote ${written.length} CSV files: ${written.join(', ')}\n`);
}
