import type { Report } from '../report/report.js';
import type { Section } from '../report/section.js';
import { SECTIONS } from '../report/sections.js';
import { checkIds, type DocumentPart } from './blocks.js';
import type { RenderOptions } from './options.js';
import { dataQualityBlocks, summaryParts, titleBlocks } from './table.js';

/**
 * The report as blocks, in reading order: title and window, the top sections (the headline), the summary, each
 * section of report/sections.ts in order, data quality. Every output format draws this one list.
 *
 * A section without blocks() is drawn by its own table() at `options` (markdown and HTML ask for no colour at
 * width 100) and carried as a text block.
 */
export function reportDocument(report: Report, options: RenderOptions, sections: readonly Section[] = SECTIONS): DocumentPart[] {
  const parts: DocumentPart[] = [{ section: 'report', blocks: titleBlocks(report) }];
  const add = (section: Section): void => {
    if (section.blocks) {
      const blocks = section.blocks(report);
      if (blocks.length > 0) parts.push({ section: section.name, blocks });
      return;
    }
    const text = section.table?.(report, options) ?? null;
    if (text) parts.push({ section: section.name, blocks: [{ kind: 'text', section: section.name, text }] });
  };
  for (const s of sections) if (s.top) add(s);
  parts.push(...summaryParts(report));
  for (const s of sections) if (!s.top) add(s);
  parts.push({ section: 'data-quality', blocks: dataQualityBlocks(report) });
  checkIds(parts);
  return parts;
}
