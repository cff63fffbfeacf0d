import { checkIds, type DocumentPart } from '../render/blocks.js';
import { when } from '../render/format.js';
import type { Report } from '../report/report.js';
import { SECTIONS } from './index.js';
import type { Section } from './section.js';
import { dataQualityBlocks, summaryParts, titleBlocks } from './summary.js';

/**
 * The report as blocks, in reading order: title and window, the top sections (the headline), the summary, each
 * section in order, data quality. Every output format (terminal, markdown, HTML, CSV) draws this one list.
 */
export function reportDocument(report: Report, sections: readonly Section[] = SECTIONS): DocumentPart[] {
  const parts: DocumentPart[] = [{ section: 'report', blocks: titleBlocks(report) }];
  const add = (section: Section): void => {
    const blocks = section.blocks(report);
    if (blocks.length > 0) parts.push({ section: section.name, blocks });
  };
  for (const s of sections) if (s.top) add(s);
  parts.push(...summaryParts(report));
  for (const s of sections) if (!s.top) add(s);
  parts.push({ section: 'data-quality', blocks: dataQualityBlocks(report) });
  checkIds(parts);
  return parts;
}

/** The HTML page's title. */
export function reportTitle(report: Pick<Report, 'window'>): string {
  return `routecheck report ${when(report.window.from)} → ${when(report.window.to)}`;
}
