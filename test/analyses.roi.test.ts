import { beforeAll, describe, expect, it } from 'vitest';
import { toRoi, type RouterRoi } from '../src/analyses/roi.js';
import { TIERS } from '../src/demo/generate.js';
import { drawBlocks } from '../src/render/terminal.js';
import type { Report } from '../src/report/report.js';
import { roiBlocks } from '../src/sections/roi.js';
import { demoTruth } from './demo-records.js';
import { demoRun } from './demo-report.js';

const truth = demoTruth();
// The same argv as test/report.formats.test.ts: the demo reports are built once per test run.
const DEMO = ['report', 'fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--embedder', 'lexical', '--format', 'json'];
const COST_PER_CALL = 0.003;

/** The generator's truth summed over ISO weeks. */
function truthOver(weeks: string[]) {
  const sum = (f: (w: (typeof truth.by_week)[string]) => number): number => weeks.reduce((s, k) => s + f(truth.by_week[k]!), 0);
  return {
    cost: sum((w) => w.cost_usd),
    routed: sum((w) => w.routed),
    retries: sum((w) => w.retries),
    single: Object.fromEntries(TIERS.map((t) => [t, sum((w) => w.single_tier_usd[t])])) as Record<string, number>,
    under: Object.fromEntries(TIERS.map((t) => [t, sum((w) => w.under_served[t])])) as Record<string, number>,
    ideal: sum((w) => w.ideal_usd),
  };
}

/** Checks a report's roi against the truth of its weeks. Retries found as re-sends may miss or add a few (< 0.5%). */
function checkAgainstTruth(roi: RouterRoi, weeks: string[], windowDays: number): void {
  const t = truthOver(weeks);
  expect(roi.available).toBe(true);
  // The router: every routed record's cost (retries included) plus one classifier call each.
  expect(roi.routed).toBe(t.routed);
  expect(roi.router.cost_usd).toBeCloseTo(t.cost, 6);
  expect(roi.router.classifier_calls).toBe(t.routed);
  const net = t.cost + t.routed * COST_PER_CALL;
  expect(roi.router.net_cost_usd).toBeCloseTo(net, 6);
  expect(Math.abs(roi.retries - t.retries) / t.retries).toBeLessThan(0.005);
  const firstCalls = t.routed - t.retries;
  expect(Math.abs(roi.first_calls - firstCalls) / firstCalls).toBeLessThan(0.005);
  // Each single tier: the first calls' logged tokens at the tier's model price (the generator's own prices).
  for (const tier of TIERS) {
    const b = roi.baselines.find((x) => x.tier === tier)!;
    expect(b.unpriced).toBe(0);
    expect(Math.abs(b.cost_usd! - t.single[tier]!) / t.single[tier]!).toBeLessThan(0.005);
    expect(Math.abs(b.savings_usd! - (t.single[tier]! - net)) / net).toBeLessThan(0.005);
    expect(b.monthly_usd).toBeCloseTo((b.cost_usd! / windowDays) * 30, 6);
    expect(b.savings_share).toBeCloseTo(b.savings_usd! / b.cost_usd!, 9);
    expect(Math.abs(b.under_served - t.under[tier]!)).toBeLessThanOrEqual(Math.max(2, 0.005 * t.under[tier]!));
  }
  // Ideal routing: the first calls on their ideal tier, plus one classifier call each.
  const ideal = roi.baselines.find((x) => x.policy === 'ideal')!;
  const idealTruth = t.ideal + firstCalls * COST_PER_CALL;
  expect(Math.abs(ideal.cost_usd! - idealTruth) / idealTruth).toBeLessThan(0.005);
  expect(roi.against_strongest!.tier).toBe('hard');
  expect(roi.against_strongest!.savings_usd).toBe(roi.baselines.find((x) => x.tier === 'hard')!.savings_usd);
}

describe('router ROI on the demo (against the generator’s truth.json)', () => {
  let weekly: Report;
  let all: Report;
  beforeAll(async () => {
    const w = await demoRun([...DEMO, '--quiet']);
    expect(w.code).toBe(0);
    weekly = JSON.parse(w.stdout) as Report;
    const a = await demoRun([...DEMO, '--all', '--quiet']);
    expect(a.code).toBe(0);
    all = JSON.parse(a.stdout) as Report;
  }, 180_000);

  it('states the net savings against each single tier and ideal routing for the default week (2025-W12)', () => {
    checkAgainstTruth(weekly.roi!, ['2025-W12'], 7);
    // The demo's router pays $0.003 a call for a classifier: more than the cheaper tiers save against gpt-4o.
    expect(weekly.roi!.against_strongest!.savings_usd!).toBeLessThan(0);
  });

  it('prices each week at the model that served the tier that week (the version bump lands in W12)', () => {
    const weeks = Object.keys(truth.by_week);
    const span = (Date.parse(all.window.to!) - Date.parse(all.window.from!)) / 86_400_000;
    checkAgainstTruth(all.roi!, weeks, span);
    expect(all.roi!.baselines.find((b) => b.tier === 'medium')!.model).toBe('claude-3-5-haiku-20241022');
  });

  it('is quoted by the headline', () => {
    const roi = weekly.roi!;
    expect(weekly.headline!.router_roi).toEqual({
      against: 'hard',
      savings_monthly_usd: roi.against_strongest!.savings_monthly_usd,
      savings_share: roi.against_strongest!.savings_share,
      ideal_gap_monthly_usd: roi.ideal_gap_monthly_usd,
    });
  });
});

describe('toRoi (the pure mapper)', () => {
  const inputs = { tiers: ['cheap', 'dear'], models: new Map([[0, 'm-cheap'], [1, 'm-dear']]), costPerCallUsd: 0.01, windowDays: 10 };
  const totals = { routed: 10, retries: 2, calls: 10, cost: 5, unpriced: 0, retry_cost: 1, evaluated: 8, under_first: 4, list_cost: 5, list_unpriced: 0 };

  it('nets the classifier calls out of the router and compares each policy with it', () => {
    const r = toRoi(
      {
        totals: [totals],
        tiers: [
          { rank: 0, cost: 2, unpriced: 0, log_fit: 0, under_served: 3, over_served: 0, under_ideal_cost: 1.5, under_ideal_unpriced: 0 },
          { rank: 1, cost: 8, unpriced: 0, log_fit: 0, under_served: 0, over_served: 5, under_ideal_cost: null, under_ideal_unpriced: 0 },
        ],
        ideal: [{ cost: 4, unpriced: 0, log_fit: 0, first_calls: 8 }],
      },
      inputs,
    );
    // Router: 5 + 10 calls × $0.01 = 5.1.
    expect(r.router.net_cost_usd).toBeCloseTo(5.1, 12);
    expect(r.router.monthly_usd).toBeCloseTo(5.1 * 3, 12);
    const [cheap, dear, ideal] = r.baselines;
    expect(cheap).toMatchObject({ name: 'all on cheap', model: 'm-cheap', under_served: 3 });
    expect(cheap!.savings_usd).toBeCloseTo(2 - 5.1, 12);
    // Retry rate 2 retries / 4 under-routed first calls, applied to the under-served's ideal-tier cost.
    expect(r.retry_rate).toBe(0.5);
    expect(cheap!.expected_retry_usd).toBeCloseTo(0.75, 12);
    expect(dear!.savings_usd).toBeCloseTo(8 - 5.1, 12);
    expect(dear!.savings_share).toBeCloseTo((8 - 5.1) / 8, 12);
    // Ideal: 4 + 8 first calls × $0.01.
    expect(ideal!.cost_usd).toBeCloseTo(4.08, 12);
    expect(r.against_strongest).toMatchObject({ tier: 'dear' });
    expect(r.ideal_gap_monthly_usd).toBeCloseTo((5.1 - 4.08) * 3, 12);
    const text = drawBlocks(roiBlocks(r), { color: false, width: 100 });
    expect(text).toContain('The router saves $8.70/month (36.3%) against sending every request to dear');
  });

  it('keeps unknown money unknown', () => {
    const r = toRoi(
      {
        totals: [{ ...totals, cost: null, unpriced: 10 }],
        tiers: [{ rank: 0, cost: null, unpriced: 8, log_fit: 0, under_served: 0, over_served: 0, under_ideal_cost: null, under_ideal_unpriced: 0 }],
        ideal: [{ cost: null, unpriced: 8, log_fit: 0, first_calls: 8 }],
      },
      inputs,
    );
    expect(r.router.net_cost_usd).toBeNull();
    expect(r.baselines[0]!.savings_usd).toBeNull();
    expect(r.against_strongest!.savings_monthly_usd).toBeNull();
  });

  it('says why there is nothing to weigh with one tier', () => {
    const r = toRoi({ totals: [totals], tiers: [], ideal: [{ cost: 1, first_calls: 8 }] }, { ...inputs, tiers: ['only'] });
    expect(r.available).toBe(false);
    expect(r.reason).toMatch(/fewer than two tiers/);
  });
});
