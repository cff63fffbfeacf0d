import { roiAnalysis, type RouterRoi } from '../analyses/roi.js';
import { runAnalysis } from '../analyses/runner.js';
import { cell, heading, info, warn, type Block, type Cell } from '../render/blocks.js';
import { int, pct, usd } from '../render/format.js';
import { tierModels } from '../routing/counterfactual.js';
import type { Section } from './section.js';
import { windowDays } from './verdict.js';
import { plural } from '../words.js';

/**
 * Router ROI (analyses/roi.ts): the window's routed traffic, net of classifier calls and retries, against every
 * request on one tier and against ideal routing. The headline quotes its `against_strongest` line.
 */
export const roiSection: Section = {
  name: 'roi',
  async build(ctx) {
    const run = await ctx.shared.routing();
    const p = run.policy;
    const facts = (await ctx.shared.costs('window'))!;
    await ctx.shared.tierCosts();
    const inputs = {
      tiers: p.tiers.map((t) => t.name),
      models: await tierModels(ctx.db),
      costPerCallUsd: p.classifier.costPerCallUsd,
      windowDays: windowDays(ctx, facts.rows.totals[0]),
    };
    return { roi: await runAnalysis(ctx.db, roiAnalysis(inputs), {}) };
  },
  blocks(report) {
    return report.roi ? roiBlocks(report.roi) : [];
  },
};

const money = (n: number | null): Cell => (n === null ? cell('unknown', null, 'warn') : cell(usd(n), n));
const signedMoney = (n: number | null): Cell => (n === null ? cell('unknown', null, 'warn') : cell(usd(n), n, n < 0 ? 'fail' : undefined));

/** The share of a policy's cost the router saves; a router dearer than twice the policy reads as a multiple. */
function shareCell(share: number | null): Cell {
  if (share === null) return cell('—', null);
  const text = share >= -1 ? pct(share) : `costs ${(1 - share).toFixed(1)}×`;
  return cell(text, share, share < 0 ? 'fail' : undefined);
}

/** One sentence: the router against every request on the strongest tier. For the headline and the section. */
export function roiSentence(r: RouterRoi): string | null {
  const a = r.against_strongest;
  if (!r.available || !a || a.savings_monthly_usd === null) return null;
  const net = 'net of classifier calls and retries';
  return a.savings_monthly_usd >= 0
    ? `the router saves ${usd(a.savings_monthly_usd)}/month (${pct(a.savings_share ?? 0)}) against sending every request to ${a.tier}, ${net}`
    : `the router costs ${usd(-a.savings_monthly_usd)}/month more than sending every request to ${a.tier}, ${net}`;
}

export function roiBlocks(r: RouterRoi): Block[] {
  // Monthly figures need a day of data at least; a shorter window shows its own dollars.
  const monthly = r.window_days !== null && r.window_days >= 1;
  const out: Block[] = [heading('Does the router pay for itself?', 2, `${monthly ? "per month at this window's rate, " : ''}against policies with no router`)];
  if (!r.available) return [...out, warn(`not available: ${r.reason ?? 'no routed requests'}.`)];
  const router = r.router;
  const per = (b: { monthly_usd: number | null; cost_usd: number | null }): number | null => (monthly ? b.monthly_usd : b.cost_usd);
  const saved = (b: RouterRoi['baselines'][number]): number | null => (monthly ? b.savings_monthly_usd : b.savings_usd);
  const rows: Cell[][] = [
    ['the router', '—', money(monthly ? router.monthly_usd : router.net_cost_usd), '—', '—', '—'],
    ...r.baselines.map((b) => [
      b.name,
      b.model ?? (b.policy === 'ideal' ? 'each tier\'s' : '—'),
      money(per(b)),
      signedMoney(saved(b)),
      shareCell(b.savings_share),
      b.policy === 'ideal' ? '—' : cell(int(b.under_served), b.under_served),
    ]),
  ];
  out.push({
    kind: 'table',
    id: 'roi',
    head: ['policy', 'model', monthly ? 'per month' : 'window', 'router saves', 'share', 'under-served'],
    columns: ['policy', 'model', monthly ? 'monthly_usd' : 'cost_usd', monthly ? 'savings_monthly_usd' : 'savings_usd', 'savings_share', 'under_served'],
    rows,
    align: ['left', 'left', 'right', 'right', 'right', 'right'],
    fit: { flex: 1 },
  });
  if (!monthly) out.push(info('less than a day of data: the figures are the window\'s own dollars, not a monthly rate.'));
  const perMonth = (x: number | null): string => (x === null || !monthly ? '' : ` (${usd((x / r.window_days!) * 30)}/month)`);
  out.push(
    info(
      `the router: ${plural(r.routed, 'routed request')} cost ${router.cost_usd === null ? 'unknown' : usd(router.cost_usd)}` +
        ` (${plural(r.retries, 'retry', 'retries')} ${usd(router.retry_cost_usd)} of it)` +
        ` + ${plural(router.classifier_calls, 'classifier call')} ${usd(router.classifier_cost_usd)}${perMonth(router.classifier_cost_usd)}` +
        ` = ${router.net_cost_usd === null ? 'unknown' : usd(router.net_cost_usd)} in the window.`,
    ),
  );
  const sentence = roiSentence(r);
  if (sentence) {
    const text = sentence.charAt(0).toUpperCase() + sentence.slice(1) + '.';
    out.push((r.against_strongest?.savings_monthly_usd ?? 0) >= 0 ? info(text) : warn(text));
  }
  if (r.ideal_gap_monthly_usd !== null && r.evaluated > 0) {
    out.push(info(`Ideal routing would cost ${usd(Math.abs(r.ideal_gap_monthly_usd))}/month ${r.ideal_gap_monthly_usd >= 0 ? 'less' : 'more'} than the router (each request on its ideal tier, one classifier call each, no retries).`));
  }
  if (router.unpriced > 0) out.push(warn(`${plural(router.unpriced, 'routed request has', 'routed requests have')} no cost: not in the router's cost.`));
  const unpricedBaselines = r.baselines.filter((b) => b.unpriced > 0);
  if (unpricedBaselines.length > 0) {
    out.push(warn(`no list price for some first calls: ${unpricedBaselines.map((b) => `${b.name} ${int(b.unpriced)}`).join(', ')} — not in those costs.`));
  }
  const fits = r.baselines.filter((b) => b.log_fit > 0);
  if (fits.length > 0) out.push(info(`priced from the log's own costs where a tier's model has no list price: ${fits.map((b) => `${b.name} ${int(b.log_fit)}`).join(', ')}.`));
  out.push(info(`Assumes: ${r.assumptions[0]}; ${r.assumptions[2]}.`));
  const weaker = r.baselines.filter((b) => b.policy === 'single_tier' && b.under_served > 0);
  if (weaker.length > 0) {
    out.push(
      info(
        `Does not hold for cheaper tiers: ${weaker
          .map((b) => `${b.name} would under-serve ${pct(r.evaluated > 0 ? b.under_served / r.evaluated : 0)} of the requests with an ideal route` +
            (b.expected_retry_usd !== null && b.expected_retry_usd > 0 ? `, whose retries at this window's rate would add ${usd(b.expected_retry_usd)}${perMonth(b.expected_retry_usd)}` : ''))
          .join('; ')}.`,
      ),
    );
  }
  if (r.evaluated === 0) out.push(info('no first call has an ideal route (a label on the record, --labels FILE or --classifier): the ideal routing and under-served figures are the served tiers.'));
  return out;
}
