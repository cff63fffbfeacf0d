import type { Section } from './section.js';
import { efficiencySection } from '../analyses/efficiency.js';
import { spendSection } from '../analyses/spend.js';
import { versionsSection } from '../analyses/versions.js';

/**
 * The report's sections after the summary, in report order. A new diagnostic adds one entry here.
 * (Headline, deviation, tokens-per-dollar and versions, cache, classifier, data quality, findings.)
 */
export const SECTIONS: readonly Section[] = [efficiencySection, versionsSection, spendSection];
