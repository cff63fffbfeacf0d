import { toQuality } from '../analyses/quality.js';
import { cell, heading, info, warn, type Block } from '../render/blocks.js';
import { int, pct } from '../render/format.js';
import type { Report } from '../report/report.js';
import { unpricedAdvice } from './efficiency.js';
import { plural } from '../words.js';
import type { Section } from './section.js';

/** Data quality's "prices and tiers" part: what the money and deviation figures could not use. */
export const qualitySection: Section = {
  name: 'quality',
  async build(_ctx, report) {
    return { quality: toQuality(report) };
  },
  blocks(report) {
    return qualityBlocks(report);
  },
};

export function qualityBlocks(report: Report): Block[] {
  const q = report.quality;
  if (!q) return [];
  const out: Block[] = [];
  if (q.unpriced && q.unpriced.requests > 0) {
    out.push(warn(`${plural(q.unpriced.requests, 'request')} (${pct(q.unpriced.share)}) ${q.unpriced.requests === 1 ? 'has' : 'have'} no logged cost and no price: ${unpricedAdvice(q.unpriced.models)}.`));
    out.push({
      kind: 'table',
      id: 'unpriced-models',
      head: ['unpriced model', 'provider', 'requests'],
      rows: q.unpriced.models.map((m) => [m.model || '(no model)', m.provider ?? '—', cell(int(m.requests), m.requests)]),
      align: ['left', 'left', 'right'],
      fit: { flex: 0 },
    });
  }
  if (q.unmapped_models && q.unmapped_models.length > 0) {
    out.push(info('models no tier claims (left out of the routing deviation): add them to "tiers" if the router sends traffic there.'));
    out.push({
      kind: 'table',
      id: 'unmapped-models',
      head: ['model without a tier', 'requests'],
      rows: q.unmapped_models.map((m) => [m.model, cell(int(m.requests), m.requests)]),
      fit: { flex: 0 },
    });
  }
  if (q.unmapped_ideals && q.unmapped_ideals.length > 0) {
    out.push(warn(`ideal labels that name no tier: ${q.unmapped_ideals.map((m) => `${m.label} (${int(m.requests)})`).join(', ')}.`));
  }
  if (out.length === 0) return [];
  return [heading('Prices and tiers', 2, 'what the money and deviation figures could not use'), ...out];
}

