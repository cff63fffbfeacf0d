import { cacheSection } from './cache.js';
import { classifierSection } from './classifier.js';
import { deviationSection } from './deviation.js';
import { efficiencySection } from './efficiency.js';
import { headlineSection } from './headline.js';
import { historySection } from './history.js';
import { qualitySection } from './quality.js';
import { replaySection } from './replay.js';
import { roiSection } from './roi.js';
import type { Section } from './section.js';
import { spendSection } from './spend.js';
import { verdictSection } from './verdict.js';
import { versionsSection } from './versions.js';

/**
 * The report's sections after the summary, in build order: the one list of diagnostics. A new diagnostic is one
 * analysis module (SQL + pure mapper) plus one section file here that builds it and draws its blocks.
 * The headline is drawn first (top) but filled by the verdict, which runs after every section it summarises.
 */
export const SECTIONS: readonly Section[] = [
  headlineSection,
  replaySection,
  deviationSection,
  efficiencySection,
  versionsSection,
  spendSection,
  cacheSection,
  classifierSection,
  roiSection,
  qualitySection,
  verdictSection,
  historySection,
];
