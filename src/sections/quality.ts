import { toQuality } from '../analyses/quality.js';
import { cell, heading, info, warn, type Block } from '../render/blocks.js';
import { int, pct, usd } from '../render/format.js';
import type { Report } from '../report/report.js';
import { noTokenAdvice, unpricedAdvice } from './efficiency.js';
import { plural } from '../words.js';
import type { Section } from './section.js';

/** Data quality's "prices and tiers" part: what the money and deviation figures could not use. */
export const qualitySection: Section = {
  name: 'quality',
  async build(ctx, report) {
    const facts = await ctx.shared.costs('window');
    return { quality: toQuality(report, facts ? facts.rows.loggedZeros : null) };
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
    // The efficiency section's own list says why each model is unpriced (no price, a tier with no rate, not in force).
    const advice = unpricedAdvice(report.efficiency ? report.efficiency.unpriced.models : q.unpriced.models);
    out.push(warn(`${plural(q.unpriced.requests, 'request')} (${pct(q.unpriced.share)}) ${q.unpriced.requests === 1 ? 'has' : 'have'} no logged cost and no price: ${advice}.`));
    out.push({
      kind: 'table',
      id: 'unpriced-models',
      head: ['unpriced model', 'provider', 'requests'],
      rows: q.unpriced.models.map((m) => [m.model || '(no model)', m.provider ?? '—', cell(int(m.requests), m.requests)]),
      align: ['left', 'left', 'right'],
      fit: { flex: 0 },
    });
  }
  const nt = q.no_token_counts;
  if (nt && nt.requests > 0) {
    out.push(warn(`${plural(nt.requests, 'request')} (${pct(nt.share)}) ${nt.requests === 1 ? 'has' : 'have'} no token counts, so an unknown cost` +
      ` (${nt.models.slice(0, 3).map((m) => `${m.model || '(no model)'} ${int(m.requests)}`).join(', ')}): ${noTokenAdvice(nt.models)}.`));
  }
  const z = q.logged_zeros;
  if (z && (z.repriced > 0 || z.kept > 0)) {
    if (z.repriced > 0) {
      out.push(warn(`${int(z.repriced)} requests logged a cost of $0 by a gateway that writes 0 when it cannot price a call:` +
        ` priced from the price list instead (${usd(z.repriced_usd)}, cost basis logged_zero_repriced).`));
    }
    if (z.kept > 0) {
      out.push(warn(`${int(z.kept)} requests logged a cost of $0 on models the price list charges for (${usd(z.kept_list_usd)} at list` +
        ' price, not in the spend): kept as logged. Check the gateway\'s pricing of these models.'));
    }
    out.push({
      kind: 'table',
      id: 'logged-zeros',
      head: ['model logging $0', 'provider', 'format', 'repriced', 'kept at $0'],
      rows: z.models.map((m) => [m.model || '(no model)', m.provider ?? '—', m.format, cell(int(m.repriced), m.repriced), cell(int(m.kept), m.kept, m.kept > 0 ? 'warn' : undefined)]),
      align: ['left', 'left', 'left', 'right', 'right'],
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

