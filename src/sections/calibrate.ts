import type { Calibration, CalibrationPolicy } from '../analyses/calibration.js';
import { cell, checkIds, heading, info, warn, type Block, type Cell, type DocumentPart } from '../render/blocks.js';
import { int, pct, usd, when } from '../render/format.js';
import type { CalibrationOutput } from '../report/calibrate.js';
import { plural } from '../words.js';

/**
 * `routecheck calibrate` as blocks (analyses/calibration.ts computes it, report/calibrate.ts runs it): the current
 * policy and the recommendation, the frontier (a table, and a chart in HTML), the single-tier and ideal baselines,
 * the folds. Every output format but CSV and Prometheus draws this one list.
 */
export function calibrateDocument(out: CalibrationOutput): DocumentPart[] {
  const window = out.window_label ?? `${when(out.window.from)} → ${when(out.window.to)}`;
  const parts: DocumentPart[] = [
    { section: 'report', blocks: [heading('routecheck calibrate', 1), info(`window: ${window}`)] },
    { section: 'calibration', blocks: calibrationBlocks(out.calibration) },
  ];
  checkIds(parts);
  return parts;
}

export function calibrateTitle(out: CalibrationOutput): string {
  return `routecheck calibrate ${out.window_label ?? `${when(out.window.from)} → ${when(out.window.to)}`}`;
}

/** `0.80 / 0.92`, or — when a policy has no thresholds. */
export function thresholdText(thresholds: readonly number[]): string {
  return thresholds.length === 0 ? '—' : thresholds.map((t) => String(+t.toFixed(4))).join(' / ');
}

function trivialText(c: Calibration, chars: number): string {
  return chars > 0 ? `< ${chars} chars → ${c.trivial_tier}` : 'off';
}
/** The table's short form: the trivial tier is in the heading. */
const trivialShort = (chars: number): string => (chars > 0 ? `< ${chars} chars` : 'off');

const deviationCell = (p: CalibrationPolicy): Cell => cell(`${pct(p.deviation)} (${(p.ci95[0] * 100).toFixed(1)}–${pct(p.ci95[1])})`, p.deviation);
const money = (n: number | null): Cell => (n === null ? cell('unknown', null, 'warn') : cell(usd(n), n));

/** The policy's row: name, thresholds, trivial rule, deviation with its interval, over, under, cost a month. */
function policyRow(name: string, p: CalibrationPolicy): Cell[] {
  return [name, thresholdText(p.thresholds), trivialShort(p.trivial_chars), deviationCell(p), cell(pct(p.over_rate), p.over_rate), cell(pct(p.under_rate), p.under_rate), money(p.monthly_cost_usd)];
}

const HEAD = ['policy', 'thresholds', 'trivial', 'deviation (95% CI)', 'over', 'under', 'cost / month'];
const COLUMNS = ['policy', 'thresholds', 'trivial_chars', 'deviation', 'over_rate', 'under_rate', 'monthly_cost_usd'];
const ALIGN = ['left', 'left', 'left', 'right', 'right', 'right', 'right'] as const;

/** At most `max` points of a frontier, evenly spread, its ends kept. */
function thin<T>(list: readonly T[], max: number): T[] {
  if (list.length <= max) return [...list];
  return Array.from({ length: max }, (_, i) => list[Math.round((i * (list.length - 1)) / (max - 1))]!);
}

export function calibrationBlocks(c: Calibration): Block[] {
  const out: Block[] = [];
  const r = c.recommended;
  const cur = c.current;
  const tiers = c.tiers.join(' < ');
  out.push(
    heading('Recommendation', 2, `${plural(c.requests, 'request')} with a score and an ideal route`),
    {
      kind: 'table',
      id: 'calibration',
      head: HEAD,
      columns: COLUMNS,
      rows: [
        policyRow(cur.source === 'none' ? 'current (served)' : cur.source === 'log' ? 'current (log)' : 'current', cur),
        policyRow('recommended', r),
      ],
      align: [...ALIGN],
      fit: { flex: 0, wrap: true },
    },
  );
  const foldsNote =
    `tiers ${tiers}; the recommendation's deviation is ${c.folds.length}-fold cross-validated (each fold scored by the policy chosen on the others); ` +
    `the trivial rule sends inputs shorter than its limit to ${c.trivial_tier} without a classifier call`;
  const rule =
    r.rule === 'max_deviation'
      ? r.within_max
        ? `the cheapest policy whose deviation is at most ${pct(r.max_deviation!)}`
        : `no policy is within ${pct(r.max_deviation!)}: the one with the least deviation`
      : 'the policy with the least deviation (the cheapest among equals)';
  const cost = r.monthly_cost_usd !== null && cur.monthly_cost_usd !== null ? `, ${usd(r.monthly_cost_usd)}/month against ${usd(cur.monthly_cost_usd)} now` : '';
  out.push(
    info(
      `Recommended, ${rule}: thresholds ${thresholdText(r.thresholds)}, trivial rule ${trivialText(c, r.trivial_chars)}. ` +
        `Its deviation on requests it was not chosen on is ${pct(r.deviation)} (95% CI ${pct(r.ci95[0])}–${pct(r.ci95[1])}; ` +
        `${pct(r.in_sample_deviation)} in sample) against ${pct(cur.deviation)} now${cost}.`,
    ),
  );
  out.push(info(foldsNote + '.'));
  if (cur.trivial_configured !== null && cur.trivial_chars === 0) {
    out.push(info(`the config's trivial rule (< ${cur.trivial_configured} chars) is not in force in these logs (short inputs carry scores): the current policy has none.`));
  }
  if (cur.agreement !== null) {
    const text = `the current thresholds send ${pct(cur.agreement)} of these requests where the router sent them`;
    out.push(cur.agreement >= 0.95 ? info(`${text}: the logged scores explain the routing.`) : warn(`${text}: the router does not follow its scores alone, so the sweep's projections are approximate.`));
  }

  out.push(heading('Frontier', 3, 'the cheapest policy at each deviation, in sample; baselines need no classifier'));
  const frontier = thin(c.frontier, 12);
  out.push({
    kind: 'table',
    id: 'calibration-frontier',
    head: HEAD,
    columns: COLUMNS,
    rows: [...frontier.map((p) => policyRow('frontier', p)), ...c.baselines.map((b) => policyRow(b.name, b))],
    align: [...ALIGN],
    fit: { flex: 0 },
  });
  if (c.frontier.length > frontier.length) out.push(info(`${plural(frontier.length, 'point')} of ${int(c.frontier.length)} shown; the JSON output has them all.`));
  out.push({
    kind: 'scatter',
    id: 'calibration-frontier',
    title: 'Deviation and monthly cost of each policy',
    x: { label: 'routing deviation', format: 'pct' },
    y: { label: 'cost per month', format: 'usd' },
    series: [
      { name: 'frontier', line: true, points: c.frontier.filter((p) => p.monthly_cost_usd !== null).map((p) => ({ x: p.deviation, y: p.monthly_cost_usd!, label: `${thresholdText(p.thresholds)}, trivial ${trivialText(c, p.trivial_chars)}` })) },
      { name: 'current', points: cur.monthly_cost_usd === null ? [] : [{ x: cur.deviation, y: cur.monthly_cost_usd, label: thresholdText(cur.thresholds) }] },
      { name: 'recommended (held out)', points: r.monthly_cost_usd === null ? [] : [{ x: r.deviation, y: r.monthly_cost_usd, label: thresholdText(r.thresholds) }] },
      { name: 'no router', points: c.baselines.filter((b) => b.monthly_cost_usd !== null).map((b) => ({ x: b.deviation, y: b.monthly_cost_usd!, label: b.name })) },
    ],
    caption: 'Lower left is better. The frontier is in sample; the recommendation is drawn at its cross-validated deviation.',
  });

  out.push(heading('Folds', 3, 'each fold scored by the policy chosen on the others'));
  out.push({
    kind: 'table',
    id: 'calibration-folds',
    head: ['fold', 'requests', 'thresholds', 'trivial rule', 'deviation on the others', 'deviation held out'],
    columns: ['fold', 'requests', 'thresholds', 'trivial_chars', 'train_deviation', 'deviation'],
    rows: c.folds.map((f) => [String(f.fold + 1), cell(int(f.requests), f.requests), thresholdText(f.thresholds), trivialText(c, f.trivial_chars), cell(pct(f.train_deviation), f.train_deviation), cell(pct(f.deviation), f.deviation)]),
    align: ['right', 'right', 'left', 'left', 'right', 'right'],
    fit: { flex: 0 },
  });

  const left = c.left_out;
  const notes: string[] = [];
  if (left.retries + left.no_score + left.no_ideal > 0) {
    notes.push(
      `left out: ${[
        left.retries > 0 ? `${plural(left.retries, 'retry', 'retries')} (they exist because of the routing; their cost is modelled)` : '',
        left.no_score > 0 ? `${plural(left.no_score, 'request')} without a score` : '',
        left.no_ideal > 0 ? `${plural(left.no_ideal, 'request')} without an ideal route` : '',
      ]
        .filter((x) => x !== '')
        .join(', ')}.`,
    );
  }
  out.push(
    info(
      `Cost: each request on its tier's model at list price with its logged tokens, + ${usd(c.cost_per_call_usd)} per classifier call (the trivial rule skips it), ` +
        `+ expected retries: ${pct(c.retry_rate)} of under-routed requests re-sent on their ideal tier (this window's rate); ` +
        `per 30-day month at the window's rate${c.estimate ? ', scaled from the requests with an ideal route to every scored request' : ''}.`,
    ),
  );
  for (const n of notes) out.push(info(n));
  if (c.unpriced > 0) out.push(warn(`${plural(c.unpriced, 'request has', 'requests have')} no price on some tier: counted at $0 there, so costs are a lower bound.`));
  if (c.estimate) out.push(warn(`only ${int(c.requests)} of the scored requests have an ideal route: the figures estimate all traffic from that sample.`));
  return out;
}
