import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedLogLine, toDeviation, type DeviationInputs } from '../src/analyses/deviation.js';
import { wilson } from '../src/stats.js';
import { bumpedModel, TIER_MODELS } from '../src/demo/generate.js';
import { drawBlocks } from '../src/render/terminal.js';
import { deviationBlocks } from '../src/sections/deviation.js';
import { demoRecords, demoTruth } from './demo-records.js';
import { demoDb } from './demo-report.js';
import { demoFiles, routingSections, TINY, TINY_CONFIG } from './routing-helpers.js';
import { runCli } from './run-cli.js';

const truth = demoTruth();
const DEMO_CONFIG = 'fixtures/demo/routecheck.config.json';

describe('wilson', () => {
  it('matches published 95% intervals', () => {
    // Newcombe (1998), Table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611; 1/29 → 0.0061–0.1718.
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [k, n, lo, hi] of cases) {
      const [a, b] = wilson(k, n);
      expect(a).toBeCloseTo(lo, 4);
      expect(b).toBeCloseTo(hi, 4);
    }
  });
  it('stays inside [0, 1] and is [0, 1] with no data', () => {
    expect(wilson(5, 5)[1]).toBe(1);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });
});

describe('seedLogLine', () => {
  it("writes the post-mortem's layout", () => {
    expect(
      seedLogLine({
        ts: '2025-01-15T14:23:07.000Z', input: 'OK, got it, thanks', route: 'medium_complexity', score: 0.78,
        model: 'claude-3-haiku-20240307', should_be: 'gpt-3.5-turbo-0125', actual_tier: 'medium', ideal_tier: 'simple',
      }),
    ).toBe(
      '2025-01-15 14:23:07 | user_input: "OK, got it, thanks" | classifier_output: medium_complexity (confidence: 0.78) | ' +
        'routed_to: claude-3-haiku-20240307 | should_be: gpt-3.5-turbo-0125',
    );
  });
});

describe('toDeviation (pure)', () => {
  const inputs: DeviationInputs = { tiers: ['simple', 'medium', 'hard'], tiersSource: 'config', shortChars: 10, retryWindowMs: 600_000, trivialTier: 'simple' };
  const base = {
    routed: 1000, evaluated: 100, over_routed: 20, under_routed: 5, src_record: 0, src_labels: 100, src_replay: 0,
    excess: 2, excess_unpriced: 0, retries: 0, retries_linked: 0, retry_cost: 0, retry_without_cost: 0,
    routed_last: 500, evaluated_last: 50, excess_last: 1, excess_last_unpriced: 0, retry_cost_last: 0, basis_days: 7,
  };

  it('scales a labelled sample to all traffic and says it is an estimate', () => {
    const d = toDeviation({ totals: [base] }, inputs);
    expect(d.source).toBe('labels');
    expect(d.estimate).toBe(true);
    expect(d.rate).toBe(0.25);
    expect(d.excess_sample_usd).toBe(2);
    expect(d.excess_cost_usd).toBe(20); // 2 × 1000 / 100
    expect(d.monthly_projection!.excess_cost_usd).toBeCloseTo(((1 * 500) / 50 / 7) * 30, 12);
    expect(d.note).toMatch(/cover 100 of 1,000 routed requests \(10\.0%\): the rate is an estimate for all traffic, 25\.0% \(95% CI/);
  });

  it('says "mixed" when several sources apply, and is not an estimate when every routed request is evaluated', () => {
    const d = toDeviation({ totals: [{ ...base, routed: 100, src_record: 60, src_labels: 40 }] }, inputs);
    expect(d.source).toBe('mixed');
    expect(d.estimate).toBe(false);
    expect(d.excess_cost_usd).toBe(2);
  });

  it('flags the brevity shortcut at twice the rest’s over-routing rate, and not below', () => {
    const short = (shortOver: number, restOver: number) =>
      toDeviation({ totals: [base], short: [{ short: true, evaluated: 100, over_routed: shortOver }, { short: false, evaluated: 400, over_routed: restOver }] }, inputs);
    const hit = short(40, 80); // 40% vs 20%
    expect(hit.findings.map((f) => f.id)).toContain('brevity_shortcut');
    expect(hit.findings.find((f) => f.id === 'brevity_shortcut')!.message).toMatch(/under 10 characters are over-routed 2\.0× as often as the rest \(40\.0% vs 20\.0%\)/);
    expect(short(39, 80).findings.map((f) => f.id)).not.toContain('brevity_shortcut');
    // Too few short requests say nothing.
    const few = toDeviation({ totals: [base], short: [{ short: true, evaluated: 10, over_routed: 9 }, { short: false, evaluated: 400, over_routed: 4 }] }, inputs);
    expect(few.findings.map((f) => f.id)).not.toContain('brevity_shortcut');
  });

  it('is unavailable, with a reason, when nothing has an ideal route; unknown excess is null, never 0', () => {
    const none = toDeviation({ totals: [{ ...base, evaluated: 0, over_routed: 0, under_routed: 0, src_labels: 0 }] }, inputs);
    expect(none.available).toBe(false);
    expect(none.rate).toBeNull();
    expect(none.reason).toMatch(/no ideal route/);
    const unpriced = toDeviation({ totals: [{ ...base, routed: 100, excess: null, excess_unpriced: 20 }] }, inputs);
    expect(unpriced.excess_cost_usd).toBeNull();
  });
});

describe('deviation on the routing fixture (worked by hand)', () => {
  it('counts over- and under-routing, retries, excess and the confusion matrix', async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG });
    expect(d.source).toBe('record');
    expect(d.routed).toBe(14); // every request but the one on acme-1
    expect(d.evaluated).toBe(13); // and r9, whose ideal "gpt-free" names no tier
    expect([d.over_routed, d.under_routed]).toEqual([3, 3]); // over: r2, r8, r13; under: r3, r5, r14
    expect(d.rate).toBeCloseTo(6 / 13, 12);
    expect(d.estimate).toBe(true);
    expect(d.unmapped_models).toEqual([{ model: 'acme-1', requests: 1 }]);
    expect(d.unmapped_ideals).toEqual([{ label: 'gpt-free', requests: 1 }]);
    // Retries: r6 names r5; r4 re-sends r3's text (case and final '.' aside) 5 minutes later on a dearer tier.
    // r8 re-sends r7's text 15 minutes later: outside the 10-minute window.
    expect(d.retries).toMatchObject({ count: 2, linked: 1, detected: 1, without_cost: 0, window_minutes: 10 });
    expect(d.retries.cost_usd).toBeCloseTo(0.008, 12);
    // Excess at the log's per-token prices (1, 5 and 20 µ$ a token): r2 1e-4 − 20 × 1e-6, r8 4e-3 − 200 × 5e-6, r13 free;
    // 13 of the 14 routed requests are evaluated, so the total stands for all 14.
    expect(d.excess_sample_usd).toBeCloseTo(0.00008 + 0.003, 12);
    expect(d.excess_scope).toBe('estimate');
    expect(d.excess_cost_usd).toBeCloseTo(((0.00008 + 0.003) * 14) / 13, 12);
    expect(d.pricing.tiers.map((t) => [t.tier, t.input_per_mtok, t.output_per_mtok, t.method])).toEqual([
      ['simple', 1, 1, 'median'],
      ['medium', 5, 5, 'median'],
      ['hard', 20, 20, 'median'],
    ]);
    expect(d.confusion).toEqual([
      { actual_tier: 'simple', ideal_tier: 'simple', count: 4 },
      { actual_tier: 'simple', ideal_tier: 'medium', count: 1 },
      { actual_tier: 'medium', ideal_tier: 'simple', count: 2 },
      { actual_tier: 'medium', ideal_tier: 'medium', count: 1 },
      { actual_tier: 'medium', ideal_tier: 'hard', count: 2 },
      { actual_tier: 'hard', ideal_tier: 'medium', count: 1 },
      { actual_tier: 'hard', ideal_tier: 'hard', count: 2 },
    ]);
    expect(d.by_length).toEqual([
      { bucket: '<10', requests: 8, evaluated: 7, over_rate: 2 / 7, under_rate: 1 / 7 },
      { bucket: '10-29', requests: 5, evaluated: 4, over_rate: 1 / 4, under_rate: 1 / 4 },
      { bucket: '30-99', requests: 2, evaluated: 2, over_rate: 0, under_rate: 1 / 2 },
    ]);
    expect(d.by_week).toHaveLength(1);
    expect(d.by_week[0]).toMatchObject({ week: '2025-03-17', evaluated: 13, retries: 2 });
    // Less than a day of data: no monthly projection.
    expect(d.monthly_projection).toBeNull();
    // The dearest over-routing first, in the post-mortem's layout.
    expect(d.examples[0]!.line).toBe(
      '2025-03-17 10:15:00 | user_input: "Prove X is finite" | classifier_output: hard_complexity (confidence: 0.81) | routed_to: big-1 | should_be: medium',
    );
    expect(d.examples.filter((e) => e.direction === 'under').map((e) => e.request_id).sort()).toEqual(['r3', 'r5']);
  });

  it('takes --retry-window: r8 becomes a retry at 20 minutes', async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG, options: { retryWindow: '20m' } });
    expect(d.retries).toMatchObject({ count: 3, linked: 1, detected: 2, window_minutes: 20 });
    expect(d.retries.cost_usd).toBeCloseTo(0.012, 12);
  });

  it("finds a retry at the window's start whose original came just before it", async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG, window: { from: '2025-03-17T09:05:00Z', to: null } });
    expect(d.routed).toBe(11); // r1–r3 are before the window, r12 is unmapped
    expect(d.retries).toMatchObject({ count: 2, linked: 1, detected: 1 }); // r4 (original r3 at 09:02) and r6
  });

  it('reads --labels (CSV by request_id) when the records carry no ideal, and reports bad rows', async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG, map: ['ideal=no_such_field'], options: { labels: 'fixtures/routing/labels.csv' } });
    expect(d.source).toBe('labels');
    expect([d.evaluated, d.over_routed, d.under_routed]).toEqual([3, 1, 1]); // r1 right, r2 over, r3 under
    expect(d.labels).toMatchObject({ rows: 7, usable: 4, by_request_id: 4, by_input: 0, unmatched: 1 });
    expect(d.labels!.bad).toEqual([
      { reason: 'ideal names no configured tier or tier model', count: 1 },
      { reason: 'no ideal route (ideal, should_be, label or tier)', count: 1 },
      { reason: 'repeated request_id (the first row is used)', count: 1 },
    ]);
    expect(d.labels!.examples.map((e) => e.line)).toEqual([6, 7, 8]);
  });

  it('reads --labels (JSONL by normalized input), which label every request with that text', async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG, map: ['ideal=no_such_field'], options: { labels: 'fixtures/routing/labels.jsonl' } });
    // "OK" → small-1 → simple labels r9, r10, r11; "Prove X is finite" → medium labels r7 and r8.
    expect([d.evaluated, d.over_routed, d.under_routed]).toEqual([5, 2, 0]);
    expect(d.labels).toMatchObject({ rows: 5, usable: 2, by_request_id: 0, by_input: 2, unmatched: 0 });
    expect(d.labels!.examples.map((e) => [e.line, e.reason])).toEqual([
      [2, 'repeated input (the first row is used)'],
      [4, 'malformed JSON (or not an object)'],
      [5, 'neither request_id nor input'],
    ]);
  });

  it("prefers the record's own ideal, then the labels (r9's record label names no tier)", async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG, options: { labels: 'fixtures/routing/labels.jsonl' } });
    expect(d.source).toBe('mixed');
    expect(d.sources).toEqual({ record: 13, labels: 1, replay: 0 });
    expect(d.over_routed).toBe(4); // r9: hard for an "ok"
  });

  it("uses the classifier replay's table (rc_ideal_replay) when nothing else applies", async () => {
    const { deviation: d } = await routingSections([TINY], {
      configFile: TINY_CONFIG,
      map: ['ideal=no_such_field'],
      before: async (db) => {
        await db.run(`CREATE TEMP TABLE rc_ideal_replay (input VARCHAR, tier VARCHAR)`);
        await db.run(`INSERT INTO rc_ideal_replay VALUES ('hello', 'simple'), ('thanks', 'simple'), ('Prove X is finite', 'hard'), ('hi', 'nonsense')`);
      },
    });
    expect(d.source).toBe('replay');
    expect(d.replay_available).toBe(true);
    // hello ×2 right, thanks over (medium for simple), Prove X: r7 under (medium for hard), r8 right.
    expect([d.evaluated, d.over_routed, d.under_routed]).toEqual([5, 1, 1]);
  });

  it('is unavailable when no source gives an ideal route, and still counts retries', async () => {
    const { deviation: d } = await routingSections([TINY], { configFile: TINY_CONFIG, map: ['ideal=no_such_field'] });
    expect(d.available).toBe(false);
    expect(d.reason).toMatch(/no ideal route for any request/);
    expect(d.retries.count).toBe(2);
    const text = drawBlocks(deviationBlocks(d), { color: false, width: 100 });
    expect(text).toContain('not available');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('deviation on the demo data (against the generator’s truth.json)', () => {
  it('recovers the built-in deviation, over and under rates, flags the brevity shortcut and counts the retries', async () => {
    const { deviation: d } = await routingSections([], { database: await demoDb(), configFile: DEMO_CONFIG });
    expect(d.source).toBe('record');
    expect(d.evaluated).toBe(truth.evaluated);
    expect(Math.abs(d.over_rate! - truth.over_routed / truth.evaluated)).toBeLessThan(0.01);
    expect(Math.abs(d.under_rate! - truth.under_routed / truth.evaluated)).toBeLessThan(0.01);
    expect(Math.abs(d.rate! - (truth.over_routed + truth.under_routed) / truth.evaluated)).toBeLessThan(0.01);
    expect(d.findings.map((f) => f.id)).toContain('brevity_shortcut');
    expect(d.by_length.find((b) => b.bucket === '<10')!.requests).toBe(truth.short_requests);
    // Linked retries are exact; re-sends are found by session, text and time (a few popular questions asked
    // twice in one session on different tiers look the same).
    expect(d.retries.linked).toBe(truth.retries_linked);
    expect(Math.abs(d.retries.count - truth.retries) / truth.retries).toBeLessThan(0.005);
    expect(Math.abs(d.retries.cost_usd - truth.retry_cost_usd) / truth.retry_cost_usd).toBeLessThan(0.005);
  });

  it("prices the excess from the log's own costs: the generator's list prices come back", async () => {
    const { deviation: d } = await routingSections([], { database: await demoDb(), configFile: DEMO_CONFIG });
    const byTier = Object.fromEntries(d.pricing.tiers.map((t) => [t.tier, t]));
    expect(byTier['simple']).toMatchObject({ input_per_mtok: TIER_MODELS.simple.input, output_per_mtok: TIER_MODELS.simple.output, method: 'fit' });
    expect(byTier['hard']).toMatchObject({ input_per_mtok: TIER_MODELS.hard.input, output_per_mtok: TIER_MODELS.hard.output, method: 'fit' });

    // Independently: each over-routed record's cost minus its tokens at the ideal tier's list price at that time.
    const bump = truth.version_bump!;
    const price = (tier: 'simple' | 'medium' | 'hard', ts: string) =>
      tier === 'medium' && ts >= bump.date ? bumpedModel(bump.date) : TIER_MODELS[tier];
    const tierOf = (model: string): 'simple' | 'medium' | 'hard' =>
      model.startsWith('gpt-4o-mini') ? 'simple' : model.startsWith('claude-3-5-haiku') ? 'medium' : 'hard';
    const rank = { simple: 0, medium: 1, hard: 2 };
    let expected = 0;
    for (const r of demoRecords()) {
      if (typeof r['ideal'] !== 'string' || typeof r['cost_usd'] !== 'number') continue;
      const actual = tierOf(String(r['model']));
      const ideal = tierOf(r['ideal']);
      if (rank[ideal] >= rank[actual] || r['cost_usd'] === 0) continue;
      const p = price(ideal, String(r['ts']));
      expected += r['cost_usd'] - ((r['input_tokens'] as number) * p.input + (r['output_tokens'] as number) * p.output) / 1e6;
    }
    expect(expected).toBeGreaterThan(1);
    expect(Math.abs(d.excess_cost_usd! - expected) / expected).toBeLessThan(0.001);
  });

  it('with the hand-label sample only, estimates the rate with an interval that holds the truth', async () => {
    const { deviation: d } = await routingSections(demoFiles(), {
      configFile: DEMO_CONFIG,
      map: ['ideal=no_such_field'],
      options: { labels: 'fixtures/demo/labels.csv' },
    });
    const labelRows = readFileSync('fixtures/demo/labels.csv', 'utf8').trim().split('\n').length - 1;
    expect(d.source).toBe('labels');
    expect(d.evaluated).toBe(labelRows);
    expect(d.estimate).toBe(true);
    expect(d.labels!.bad).toEqual([]);
    const trueRate = (truth.over_routed + truth.under_routed) / truth.evaluated;
    expect(d.ci95![0]).toBeLessThan(trueRate);
    expect(d.ci95![1]).toBeGreaterThan(trueRate);
    expect(d.note).toMatch(/the rate is an estimate for all traffic/);
    const text = drawBlocks(deviationBlocks(d), { color: false, width: 100 });
    expect(text).toMatch(/estimate for all traffic/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

const cli = (argv: string[]) => runCli(argv);

describe('report command: routing flags and JSON keys', () => {
  it('passes --labels, --retry-window and --jitter-band to the sections', async () => {
    const { code, stdout } = await cli([
      'report', TINY, '--config', TINY_CONFIG, '--map', 'ideal=no_such_field', '--labels', 'fixtures/routing/labels.csv',
      '--retry-window', '20m', '--jitter-band', '0.05', '--format', 'json', '--quiet',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    for (const key of ['source', 'evaluated', 'rate', 'ci95', 'over_rate', 'under_rate', 'by_week', 'by_length', 'confusion', 'retries', 'excess_cost_usd', 'retry_cost_usd', 'examples']) {
      expect(report.deviation).toHaveProperty(key);
    }
    for (const key of ['calls', 'cost_per_call_usd', 'cost_usd', 'monthly_projection_usd', 'trivial', 'jitter']) expect(report.classifier).toHaveProperty(key);
    expect(Object.keys(report.classifier.trivial)).toEqual(expect.arrayContaining(['max_chars', 'requests', 'savings_usd']));
    expect(Object.keys(report.classifier.jitter)).toEqual(expect.arrayContaining(['band', 'near_threshold_share', 'repeated_inputs', 'flip_rate', 'top']));
    expect(report.deviation.source).toBe('labels');
    expect(report.deviation.retries.count).toBe(3);
    expect(report.classifier.jitter.band).toBe(0.05);
    // Deviation comes before the classifier section in the report.
    const keys = Object.keys(report);
    expect(keys.indexOf('deviation')).toBeLessThan(keys.indexOf('classifier'));
  });

  it('stops with exit 2 and one line naming the flag or the file', async () => {
    const bad = await cli(['report', TINY, '--config', TINY_CONFIG, '--retry-window', 'soon', '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--retry-window "soon"/);
    const missing = await cli(['report', TINY, '--config', TINY_CONFIG, '--labels', 'no/such/labels.csv', '--quiet']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--labels: cannot read no\/such\/labels\.csv/);
  });

  it('prints both sections in a table that fits 100 columns', async () => {
    const { code, stdout } = await cli(['report', TINY, '--config', TINY_CONFIG, '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toContain('Routing deviation');
    expect(stdout).toContain('Classifier');
    expect(stdout).toContain('2025-03-17 10:15:00 | routed_to: big-1');
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});
