import { csvTables, type CsvFile } from '../src/render/csv.js';
import { drawHtml } from '../src/render/html.js';
import { drawMarkdown } from '../src/render/markdown.js';
import type { RenderOptions } from '../src/render/options.js';
import { drawDocument } from '../src/render/terminal.js';
import type { Report } from '../src/report/report.js';
import { reportDocument, reportTitle } from '../src/sections/document.js';

/** A report drawn the way `routecheck report --format …` draws it: its document, then one renderer. */
export const renderTable = (report: Report, options: RenderOptions): string => drawDocument(reportDocument(report), options);
export const renderMarkdown = (report: Report): string => drawMarkdown(reportDocument(report));
export const renderHtml = (report: Report): string => drawHtml(reportDocument(report), reportTitle(report));
export const renderCsv = (report: Report): CsvFile[] => csvTables(reportDocument(report));
