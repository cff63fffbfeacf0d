import type { Report } from '../report/report.js';

/** One JSON object, two-space indented, keys in the report's order. */
export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
