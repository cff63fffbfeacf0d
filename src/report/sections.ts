import type { Section } from './section.js';

/**
 * The report's sections after the summary, in report order. A new diagnostic adds one entry here.
 * (Headline, deviation, tokens-per-dollar and versions, cache, classifier, data quality, findings.)
 */
export const SECTIONS: readonly Section[] = [];
