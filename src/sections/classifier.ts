import { calibrate, calibrationInputs, DEFAULT_FOLDS } from '../analyses/calibration.js';
import { classifierAnalysis, classifierParams, SCORE_RANGES, type ClassifierInputs, type ClassifierResult, type Recalibration } from '../analyses/classifier.js';
import { statusOf } from '../analyses/gates.js';
import { num, runAnalysis } from '../analyses/runner.js';
import { inferThresholds } from '../routing/policy.js';
import { cell, heading, warn, type Block, type Cell } from '../render/blocks.js';
import { int, pct, usd } from '../render/format.js';
import { cut } from '../render/terminal.js';
import type { Section, SectionContext } from './section.js';
import { windowDays } from './verdict.js';
import type { Report } from '../report/report.js';
import { plural } from '../words.js';

/** Classifier cost and score jitter: the analysis (analyses/classifier.ts) and its blocks. */

export const classifierSection: Section = {
  name: 'classifier',
  async build(ctx, report) {
    const run = await ctx.shared.routing();
    const p = run.policy;
    const tierRank = p.trivial.tier === null ? null : (p.tiers.find((t) => t.name === p.trivial.tier)?.rank ?? null);
    let thresholds = p.classifier.thresholds;
    let thresholdsSource: ClassifierInputs['thresholdsSource'] = thresholds.length > 0 ? 'config' : 'none';
    if (thresholds.length === 0) {
      const ranges = (await ctx.db.all(SCORE_RANGES)).map((x) => ({ rank: num(x['rank']), lo: num(x['lo']), hi: num(x['hi']) }));
      thresholds = inferThresholds(ranges, p.tiers.length);
      if (thresholds.length > 0) thresholdsSource = 'log';
    }
    const inputs: ClassifierInputs = {
      tiers: p.tiers.map((t) => t.name),
      costPerCallUsd: p.classifier.costPerCallUsd,
      costSource: p.classifier.costSource,
      trivial: { maxChars: p.trivial.maxChars, tierRank, tier: p.trivial.tier, configured: p.trivial.configured },
      thresholds,
      thresholdsSource,
      band: p.jitter.band,
    };
    const classifier = await runAnalysis(ctx.db, classifierAnalysis(inputs), classifierParams(inputs));
    const recalibration = await recalibrate(ctx, report);
    return { classifier: recalibration ? { ...classifier, recalibration } : classifier };
  },
  blocks(report) {
    return report.classifier ? classifierBlocks(report.classifier) : [];
  },
};

/**
 * When the deviation fails its gate, what `routecheck calibrate` would recommend for this window (the least
 * deviation, cross-validated): the classifier section and the over-routing finding point at it. Null otherwise.
 */
async function recalibrate(ctx: SectionContext, report: Report): Promise<Recalibration | null> {
  const d = report.deviation;
  const max = ctx.settings.gates.max.deviation;
  if (!d || !d.available || d.rate === null || max === null || statusOf(d.rate, d.ci95, max, ctx.settings.gates.gate_on) !== 'fail') return null;
  const run = await ctx.shared.routing();
  const facts = await ctx.shared.costs('window');
  const check = await calibrationInputs(ctx.db, run.policy, { folds: DEFAULT_FOLDS, maxDeviation: null, windowDays: windowDays(ctx, facts?.rows.totals[0]) });
  if ('reason' in check) return { available: false, reason: check.reason };
  await ctx.shared.tierCosts();
  const c = await calibrate(ctx.db, check.inputs);
  const r = c.recommended;
  return {
    available: true,
    command: 'routecheck calibrate',
    thresholds: r.thresholds,
    trivial_chars: r.trivial_chars,
    trivial_tier: c.trivial_tier,
    deviation: r.deviation,
    ci95: r.ci95,
    current_deviation: c.current.deviation,
    monthly_cost_usd: r.monthly_cost_usd,
    current_monthly_cost_usd: c.current.monthly_cost_usd,
    requests: c.requests,
  };
}

/** One sentence on what calibrate recommends, for the classifier section and the over-routing finding. */
export function recalibrationText(r: Extract<Recalibration, { available: true }>): string {
  const rule = r.trivial_chars > 0 ? ` and a trivial rule (inputs under ${r.trivial_chars} characters → ${r.trivial_tier})` : '';
  return (
    `\`${r.command}\` (same logs and window; --write-config FILE writes it) recommends thresholds ${r.thresholds.join(' / ')}${rule}: ` +
    `${pct(r.deviation)} projected deviation (cross-validated) against ${pct(r.current_deviation)} for the current policy on the same ${int(r.requests)} requests`
  );
}

export function classifierBlocks(k: ClassifierResult): Block[] {
  const out: Block[] = [heading('Classifier')];
  if (!k.available) return [...out, warn(`not available: ${k.reason ?? 'no classifier calls'}.`)];
  const price = `${usd(k.cost_per_call_usd)} a call${k.cost_per_call_source === 'default' ? ' (assumed, the post-mortem\'s; set classifier.cost_per_call_usd)' : ''}`;
  const t = k.trivial;
  const j = k.jitter;
  const rows: Cell[][] = [
    ['calls', cell(`${int(k.calls)} × ${price} = ${usd(k.cost_usd)}`, k.cost_usd)],
    [
      'current volume',
      k.daily_calls === null
        ? cell('less than a day of data', null)
        : cell(`${plural(k.daily_calls, 'call')} a day → ${k.monthly_projection_usd === null ? 'unknown' : usd(k.monthly_projection_usd)} / month`, k.monthly_projection_usd),
    ],
    [
      `trivial (< ${t.max_chars} chars)`,
      cell(
        `${plural(t.requests, 'request')} → ${t.tier ?? 'the cheapest tier'}: saves ${usd(t.classifier_savings_usd)} in calls` +
          (t.routing_savings_usd !== null ? ` + ${usd(t.routing_savings_usd)} over-routing = ${usd(t.savings_usd!)}` : '') +
          (t.monthly_savings_usd !== null ? ` (${usd(t.monthly_savings_usd)} / month)` : ''),
        t.savings_usd,
      ),
    ],
    [
      'near a threshold',
      j.near_threshold_share === null
        ? cell('no score thresholds (set "below_score" on the tiers)', null)
        : cell(`${pct(j.near_threshold_share)} of ${int(j.scored)} scores within ±${j.band} of ${j.thresholds.join(', ')}${j.thresholds_source === 'log' ? ' (read from the log)' : ''}`, j.near_threshold_share),
    ],
    [
      'flips',
      j.flip_rate === null
        ? cell('no input asked twice', null)
        : cell(`${pct(j.flip_rate)} of ${int(j.repeated_inputs)} repeated inputs served on more than one tier`, j.flip_rate),
    ],
  ];
  out.push({ kind: 'kv', id: 'classifier', rows, align: ['left', 'left'], fit: { flex: 1, wrap: true } });
  if (t.ideal_above_tier > 0) out.push(warn(`${int(t.ideal_above_tier)} of the trivial requests need a dearer tier: the rule would under-route them`));
  const rc = k.recalibration;
  if (rc) {
    out.push(
      rc.available
        ? warn(`the routing deviation fails its gate: ${recalibrationText(rc)}.`)
        : warn(`the routing deviation fails its gate, and \`routecheck calibrate\` cannot recommend thresholds: ${rc.reason}.`),
    );
  }
  if (j.top.length > 0) {
    out.push({
      kind: 'table',
      id: 'classifier-flips',
      head: ['flipping input', 'requests', 'scores', 'tiers'],
      columns: ['input', 'requests', 'scores', 'tiers'],
      rows: j.top.map((x) => [
        cut((x.input ?? '').replace(/\s+/g, ' '), 120),
        cell(int(x.requests), x.requests),
        x.scores ? `${x.scores[0]}–${x.scores[1]}` : '—',
        x.tiers.join(', ') || x.models.join(', '),
      ]),
      align: ['left', 'right', 'right', 'left'],
      fit: { flex: 0 },
    });
  }
  return out;
}

