import { DEVIATION_TARGET, deviationAnalysis, deviationParams, type Deviation, type DeviationExample, type DeviationInputs } from '../analyses/deviation.js';
import { runAnalysis } from '../analyses/runner.js';
import { markWindowWeeks } from '../analyses/headline.js';
import { cell, heading, info, warn, type Block, type Cell } from '../render/blocks.js';
import { int, pct, usd } from '../render/format.js';
import { cut } from '../render/terminal.js';
import type { Section } from './section.js';
import { plural } from '../words.js';

/** Routing deviation: the analysis (analyses/deviation.ts) and its blocks. Unknown money is `unknown`, never $0. */

const rate = (x: number | null): Cell => cell(x === null ? '—' : pct(x), x);
const money = (x: number | null): Cell => (x === null ? cell('unknown', null, 'warn') : cell(usd(x), x));
const interval = (ci: [number, number] | null): string => (ci ? `95% CI ${pct(ci[0])}–${pct(ci[1])}` : '');

export const deviationSection: Section = {
  name: 'deviation',
  async build(ctx) {
    const run = await ctx.shared.routing();
    const p = run.policy;
    const inputs: DeviationInputs = {
      tiers: p.tiers.map((t) => t.name),
      tiersSource: p.tiersSource,
      shortChars: p.trivial.maxChars,
      retryWindowMs: p.retries.windowMs,
      trivialTier: p.trivial.tier,
    };
    const result = await runAnalysis(ctx.db, deviationAnalysis(inputs), deviationParams(inputs));
    const by_week = markWindowWeeks(result.by_week, ctx.window);
    return { deviation: { ...result, by_week, labels: run.labels, replay_available: run.replayAvailable } };
  },
  blocks(report) {
    return report.deviation ? deviationBlocks(report.deviation) : [];
  },
};

export function deviationBlocks(d: Deviation): Block[] {
  const out: Block[] = [heading('Routing deviation')];
  if (!d.available) {
    out.push(warn(`not available: ${d.reason ?? 'no ideal routes'}.`));
  } else {
    out.push(info(d.note));
    const rows: Cell[][] = [
      ['deviation', rate(d.rate), `${interval(d.ci95)}; target under ${pct(DEVIATION_TARGET, 0)}`],
      ['over-routed', rate(d.over_rate), `${int(d.over_routed)} served on a dearer tier than needed`],
      ['under-routed', rate(d.under_rate), `${int(d.under_routed)} served on a cheaper tier than needed`],
      [
        'over-routing excess',
        money(d.excess_cost_usd),
        [
          d.excess_scope === 'estimate' && d.excess_sample_usd !== null ? `estimated from the sample's ${usd(d.excess_sample_usd)}` : '',
          d.monthly_projection && d.monthly_projection.excess_cost_usd !== null ? `${usd(d.monthly_projection.excess_cost_usd)} / month at the current rate` : '',
        ].filter((x) => x !== '').join('; '),
      ],
    ];
    if (d.excess_unpriced > 0) rows.push(['', '', cell(`${int(d.excess_unpriced)} over-routed requests could not be priced`, d.excess_unpriced, 'warn')]);
    out.push({ kind: 'kv', id: 'deviation', rows, columns: ['metric', 'value', 'note'], fit: { flex: 2, wrap: true } });
  }
  const r = d.retries;
  out.push(info(
    `retries: ${int(r.count)} (${int(r.linked)} with retry_of, ${int(r.detected)} re-sends on a dearer tier within ${r.window_minutes} min), ` +
      `cost ${usd(r.cost_usd)}${d.monthly_projection?.retry_cost_usd != null ? `, ${usd(d.monthly_projection.retry_cost_usd)} / month at the current rate` : ''}` +
      (r.without_cost > 0 ? ` (${int(r.without_cost)} of unknown cost)` : ''),
  ));
  if (d.labels) {
    const l = d.labels;
    const bad = l.bad.reduce((s, b) => s + b.count, 0);
    out.push(info(
      `labels ${l.file}: ${plural(l.rows, 'row')}, ${int(l.usable)} used (${int(l.by_request_id)} by request_id, ${int(l.by_input)} by input)` +
        (l.unmatched > 0 ? `, ${int(l.unmatched)} match no logged request` : '') +
        (bad > 0 ? `; ${int(bad)} bad: ${l.bad.map((b) => `${b.reason} (${int(b.count)})`).join(', ')}` : ''),
    ));
  }
  if (!d.available) return [...out, ...findingBlocks(d)];

  if (d.by_week.length > 0) {
    out.push({
      kind: 'table',
      id: 'deviation-weeks',
      head: ['week', 'evaluated', 'deviation', 'over', 'under', 'excess', 'retries', 'retry cost'],
      columns: ['week', 'evaluated', 'deviation_rate', 'over_rate', 'under_rate', 'excess_cost_usd', 'retries', 'retry_cost_usd'],
      rows: d.by_week.map((x) => [
        x.week, cell(int(x.evaluated), x.evaluated), rate(x.rate), rate(x.over_rate), rate(x.under_rate), money(x.excess_cost_usd),
        cell(int(x.retries), x.retries), cell(usd(x.retry_cost_usd), x.retry_cost_usd),
      ]),
    });
    if (d.replay_available && d.by_week.some((x) => !x.in_window)) {
      out.push(info('weeks outside the window have ideal routes from records and labels only: the classifier replay covers the window.'));
    }
    const band = d.by_week.map((x) => x.ci95);
    out.push({
      kind: 'chart',
      id: 'deviation-weeks',
      title: 'Routing deviation, weekly, with its 95% interval',
      x: d.by_week.map((x) => x.week),
      series: [{ name: 'deviation', values: d.by_week.map((x) => x.rate), low: band.map((b) => b?.[0] ?? null), high: band.map((b) => b?.[1] ?? null) }],
      format: 'pct',
      threshold: { value: DEVIATION_TARGET, label: `target ${pct(DEVIATION_TARGET, 0)}` },
      caption: 'Share of requests routed off their ideal tier (over + under); the band is the 95% Wilson interval of each week.',
    });
  }
  if (d.by_length.length > 0) {
    out.push({
      kind: 'table',
      id: 'deviation-length',
      head: ['input chars', 'requests', 'evaluated', 'over', 'under'],
      columns: ['input_chars', 'requests', 'evaluated', 'over_rate', 'under_rate'],
      rows: d.by_length.map((x) => [x.bucket, cell(int(x.requests), x.requests), cell(int(x.evaluated), x.evaluated), rate(x.over_rate), rate(x.under_rate)]),
    });
  }
  if (d.confusion.length > 0) {
    const tiers = d.tiers.filter((t) => d.confusion.some((x) => x.actual_tier === t || x.ideal_tier === t));
    const count = (a: string, i: string): number => d.confusion.find((x) => x.actual_tier === a && x.ideal_tier === i)?.count ?? 0;
    out.push({
      kind: 'table',
      id: 'deviation-confusion',
      head: ['served \\ ideal', ...tiers],
      columns: ['served', ...tiers.map((t) => `ideal_${t}`)],
      rows: tiers.map((a) => [a, ...tiers.map((i) => cell(int(count(a, i)), count(a, i), a !== i && count(a, i) > 0 ? 'warn' : undefined))]),
    });
  }
  if (d.pricing.tiers.length > 0) {
    out.push(info(
      `excess priced from the log's own costs (USD per M tokens in/out): ` +
        d.pricing.tiers.map((t) => `${t.tier} ${t.input_per_mtok}/${t.output_per_mtok}${t.method === 'median' ? ' (median)' : ''}`).join(', '),
    ));
  }
  out.push(...findingBlocks(d));
  if (d.examples.length > 0) {
    out.push(heading('Worst deviating requests', 3, "(the post-mortem's log layout)"));
    out.push({ kind: 'pre', lines: d.examples.flatMap((e, i) => [...(i > 0 ? [''] : []), ...exampleLines(e)]) });
  }
  return out;
}

function findingBlocks(d: Deviation): Block[] {
  return d.findings.map((f) => (f.severity === 'warning' ? warn(f.message) : info(f.message)));
}

/** The post-mortem's excerpt for one request: a comment line, then its four log lines. */
function exampleLines(e: DeviationExample): string[] {
  const ts = e.ts ? e.ts.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '-';
  // The excess comes from parallel sums whose last bits vary from run to run; 12 digits keep the text stable
  // when the answer's cost sits on a rounding boundary (tokens × list price often does).
  const ideal = e.excess_cost_usd !== null && e.cost_usd !== null ? +(e.cost_usd - e.excess_cost_usd).toPrecision(12) : null;
  const note =
    e.direction === 'over'
      ? `# over-routed: ${e.actual_tier} instead of ${e.ideal_tier}` +
        (ideal !== null && e.cost_usd !== null && ideal > 0
          ? `, ${usd(e.cost_usd)} for a ${usd(ideal)} answer (${(e.cost_usd / ideal).toFixed(1)}× the cost)`
          : '')
      : `# under-routed: ${e.actual_tier} instead of ${e.ideal_tier}${e.cost_usd !== null ? ` (${usd(e.cost_usd)})` : ''}`;
  // A long prompt is cut here (the terminal cuts every line to its width anyway; markdown and HTML keep lines whole).
  const input = cut((e.input ?? '').replace(/\s+/g, ' '), 160);
  return [
    note,
    `${ts} | user_input: ${JSON.stringify(input)}`,
    `${ts} | classifier_output: ${e.route ?? e.actual_tier}${e.score !== null ? ` (confidence: ${e.score})` : ''}`,
    `${ts} | routed_to: ${e.model ?? e.actual_tier}`,
    `${ts} | should_be: ${e.should_be ?? e.ideal_tier}`,
  ];
}

