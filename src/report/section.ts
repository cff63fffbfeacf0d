import type { Database } from '../db/database.js';
import type { Config } from '../config.js';
import type { Report } from './report.js';
import type { RenderOptions } from '../render/options.js';
import type { Block } from '../render/blocks.js';

/** What every section's analyses get: the database, the resolved window and the validated config. */
export interface SectionContext {
  db: Database;
  window: { from: Date | null; to: Date | null };
  /** The window as bound parameters: `$from` inclusive, `$to` exclusive, ISO text or null. */
  params: { from: string | null; to: string | null };
  /** The window the report compares with (the week before, by default), and its parameters; null when none. */
  previous?: { from: Date | null; to: Date | null } | null;
  previousParams?: { from: string | null; to: string | null } | null;
  config: Config;
  /** Section options from the command line, by section (each section validates its own). */
  options: Record<string, unknown>;
  /** Progress/notes for stderr (silenced by --quiet). */
  log(message: string): void;
}

/**
 * A report section: its analyses run in build(), which returns the top-level report keys it owns;
 * its renderers are pure functions of the whole report (so a section can refer to the summary).
 * A section whose inputs are missing says so in its keys instead of printing zeros.
 *
 * A section module adds its keys to the Report type by module augmentation:
 *   declare module '../report/report.js' { interface Report { cache?: CacheResult } }
 */
export interface Section {
  name: string;
  /** `report` holds the summary and the keys of the sections before this one. */
  build(ctx: SectionContext, report: Report): Promise<Partial<Report>>;
  /**
   * What this section says, as format-neutral blocks (render/blocks.ts): the terminal, markdown, HTML and CSV
   * renderers all draw them. Empty when the report has nothing of this section.
   */
  blocks?(report: Report): Block[];
  /**
   * Terminal text of this section, or null when the report has nothing of it. Only for a section without
   * blocks(): markdown and HTML then show this text as preformatted, and CSV has no table from it.
   */
  table?(report: Report, options: RenderOptions): string | null;
  /** Rendered first, right under the window line (the headline), instead of in section order. */
  top?: boolean;
}
