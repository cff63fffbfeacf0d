import type { Section } from './section.js';
import { cacheSection } from '../analyses/cache.js';
import { replaySection } from '../classify/section.js';
import { classifierSection } from '../analyses/classifier.js';
import { deviationSection } from '../analyses/deviation.js';
import { efficiencySection } from '../analyses/efficiency.js';
import { spendSection } from '../analyses/spend.js';
import { versionsSection } from '../analyses/versions.js';
import { headlineSection, verdictSection } from '../analyses/headline.js';
import { qualitySection } from '../analyses/quality.js';
import { historySection } from './history.js';

/**
 * The report's sections after the summary, in report order. A new diagnostic adds one entry here.
 * (Headline, deviation, tokens-per-dollar and versions, cache, classifier, data quality, findings.)
 */
export const SECTIONS: readonly Section[] = [headlineSection, replaySection, deviationSection, efficiencySection, versionsSection, spendSection, cacheSection, classifierSection, qualitySection, verdictSection, historySection];
