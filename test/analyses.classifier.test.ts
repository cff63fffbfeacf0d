import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toClassifier, type ClassifierInputs } from '../src/analyses/classifier.js';
import { inferThresholds } from '../src/routing/policy.js';
import { drawBlocks } from '../src/render/terminal.js';
import { classifierBlocks } from '../src/sections/classifier.js';
import { demoRecords, demoTruth } from './demo-records.js';
import { demoDb } from './demo-report.js';
import { routingSections, TINY, TINY_CONFIG } from './routing-helpers.js';

const truth = demoTruth();
const DEMO_CONFIG = 'fixtures/demo/routecheck.config.json';

describe('inferThresholds (pure)', () => {
  it('puts a threshold in the middle of each gap between adjacent tiers’ scores', () => {
    expect(inferThresholds([{ rank: 0, lo: 0.1, hi: 0.45 }, { rank: 1, lo: 0.55, hi: 0.79 }, { rank: 2, lo: 0.85, hi: 0.99 }], 3)).toEqual([0.5, 0.82]);
  });
  it('gives none when ranges overlap or a tier has no scores', () => {
    expect(inferThresholds([{ rank: 0, lo: 0.1, hi: 0.6 }, { rank: 1, lo: 0.55, hi: 0.9 }], 2)).toEqual([]);
    expect(inferThresholds([{ rank: 0, lo: 0.1, hi: 0.4 }, { rank: 2, lo: 0.55, hi: 0.9 }], 3)).toEqual([]);
  });
});

describe('toClassifier (pure)', () => {
  const inputs: ClassifierInputs = {
    tiers: ['simple', 'hard'], costPerCallUsd: 0.003, costSource: 'default',
    trivial: { maxChars: 10, tierRank: 0, tier: 'simple', configured: false }, thresholds: [0.8], thresholdsSource: 'config', band: 0.03,
  };
  it('projects the classifier bill per month at the last 7 days’ daily volume', () => {
    const k = toClassifier({ totals: [{ requests: 1000, calls: 900, calls_last: 700, basis_days: 7, scored: 900, near_threshold: 90 }] }, inputs);
    expect(k.cost_usd).toBeCloseTo(2.7, 12);
    expect(k.daily_calls).toBe(100);
    expect(k.monthly_projection_usd).toBeCloseTo(100 * 0.003 * 30, 12);
    expect(k.cost_per_call_source).toBe('default');
    expect(k.jitter.near_threshold_share).toBeCloseTo(0.1, 12);
  });
  it('is unavailable when nothing logs a route or a score; no projection under a day of data', () => {
    const k = toClassifier({ totals: [{ requests: 10, calls: 0, calls_last: 0, basis_days: 0.5, scored: 0, near_threshold: 0 }] }, inputs);
    expect(k.available).toBe(false);
    expect(k.reason).toMatch(/route/);
    expect(k.monthly_projection_usd).toBeNull();
    expect(k.jitter.near_threshold_share).toBeNull();
  });
});

describe('classifier on the routing fixture (worked by hand)', () => {
  it('counts calls, the trivial what-if, near-threshold scores and flips', async () => {
    const { classifier: k } = await routingSections([TINY], { configFile: TINY_CONFIG });
    expect([k.requests, k.calls]).toEqual([15, 14]); // r12 logs no route and no score
    expect(k.cost_per_call_usd).toBe(0.002);
    expect(k.cost_per_call_source).toBe('config');
    expect(k.cost_usd).toBeCloseTo(0.028, 12);
    expect(k.monthly_projection_usd).toBeNull(); // under a day of data
    // Under 10 characters: hello, thanks, ok, OK, ok!, hi, "x=2y, y?", hello.
    expect(k.trivial).toMatchObject({ max_chars: 10, tier: 'simple', requests: 8, calls_saved: 8, ideal_above_tier: 1 });
    expect(k.trivial.classifier_savings_usd).toBeCloseTo(0.016, 12);
    // thanks on mid-1: 1e-4 − 20 tokens × 1e-6; ok on big-1: 2e-4 − 10 × 1e-6; hi was a free cache hit.
    expect(k.trivial.routing_savings_usd).toBeCloseTo(0.00027, 12);
    expect(k.trivial.savings_usd).toBeCloseTo(0.01627, 12);
    // Thresholds 0.5 and 0.8 ± 0.03: 0.52 (r2), 0.81 (r8), 0.49 (r10) of 14 scores.
    expect(k.jitter).toMatchObject({ band: 0.03, thresholds: [0.5, 0.8], thresholds_source: 'config', scored: 14, near_threshold: 3 });
    // Asked twice or more (retries r4, r6 left out): hello (simple twice), ok (hard, simple, simple), Prove X (medium, hard).
    expect(k.jitter).toMatchObject({ repeated_inputs: 3, flipping_inputs: 2 });
    expect(k.jitter.flip_rate).toBeCloseTo(2 / 3, 12);
    expect(k.jitter.top.map((t) => [t.input!.toLowerCase().replace(/!$/, ''), t.requests, t.scores, t.tiers, t.models])).toEqual([
      ['ok', 3, [0.1, 0.95], ['simple', 'hard'], ['big-1', 'small-1']],
      ['prove x is finite', 2, [0.6, 0.81], ['medium', 'hard'], ['big-1', 'mid-1']],
    ]);
  });

  it('takes --jitter-band (scores exactly on the edge count) and --retry-window', async () => {
    const { classifier: k } = await routingSections([TINY], { configFile: TINY_CONFIG, options: { jitterBand: '0.05', retryWindow: '20m' } });
    // + 0.75 (r5), 0.85 (r6), 0.55 (r13): 0.05 from a threshold.
    expect(k.jitter.near_threshold).toBe(6);
    // r8 is now a retry of r7: Prove X is asked once.
    expect(k.jitter).toMatchObject({ repeated_inputs: 2, flipping_inputs: 1 });
  });

  it('reads thresholds from the log when the config has none', async () => {
    const config = JSON.parse(readFileSync(TINY_CONFIG, 'utf8')) as { tiers: Record<string, unknown>[] };
    for (const t of config.tiers) delete t['below_score'];
    const { classifier: k } = await routingSections([TINY], { config: config as unknown as Record<string, unknown> });
    // simple scores ≤ 0.49 < medium 0.52–0.75 < hard ≥ 0.81.
    expect(k.jitter.thresholds).toEqual([0.505, 0.78]);
    expect(k.jitter.thresholds_source).toBe('log');
    expect(k.jitter.near_threshold).toBe(4); // 0.52, 0.49, 0.75, 0.81
  });
});

describe('classifier on the demo data', () => {
  it('counts the calls and projects the monthly cost at the current daily volume', async () => {
    const { classifier: k } = await routingSections([], { database: await demoDb(), configFile: DEMO_CONFIG });
    const records = demoRecords();
    const routed = records.filter((r) => r['route'] !== undefined || r['score'] !== undefined);
    expect(k.calls).toBe(truth.evaluated);
    expect(routed.length).toBe(truth.evaluated);
    expect(k.cost_usd).toBeCloseTo(truth.evaluated * 0.003, 9);

    const last = Math.max(...records.map((r) => Date.parse(String(r['ts']))));
    const lastWeekCalls = routed.filter((r) => Date.parse(String(r['ts'])) > last - 7 * 86_400_000).length;
    expect(k.monthly_projection_usd).toBeCloseTo((lastWeekCalls / 7) * 0.003 * 30, 6);

    const short = records.filter((r) => String(r['input']).length < 10);
    expect(k.trivial.requests).toBe(truth.short_requests);
    expect(k.trivial.calls_saved).toBe(short.filter((r) => r['route'] !== undefined).length);
    expect(k.trivial.classifier_savings_usd).toBeCloseTo(k.trivial.calls_saved * 0.003, 9);
    expect(k.trivial.routing_savings_usd!).toBeGreaterThan(0);

    const scored = routed.map((r) => Number(r['score']));
    const near = scored.filter((s) => [0.8, 0.92].some((t) => Math.abs(s - t) <= 0.03 + 1e-9)).length;
    expect(k.jitter.scored).toBe(scored.length);
    expect(k.jitter.near_threshold).toBe(near);
    // The post-mortem's own example: a popular question scored around 0.80 lands on two tiers.
    const lc = k.jitter.top.find((t) => t.input === 'How do Python list comprehensions work?');
    expect(lc?.tiers).toEqual(['simple', 'medium']);

    const text = drawBlocks(classifierBlocks(k), { color: false, width: 100 });
    expect(text).toContain('/ month');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});
