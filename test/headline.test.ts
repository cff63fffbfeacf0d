import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toFindings, type PriceEvent } from '../src/analyses/findings.js';
import { evaluateGate, normalizeGateThresholds, overallStatus, statusOf, type Gate } from '../src/analyses/gates.js';
import { familyChanges, priceEvents, weekOverlaps } from '../src/analyses/headline.js';
import { gateInputs } from '../src/sections/verdict.js';
import { demoRecords, demoTruth, inRange, tokensPerDollar, type DemoRec } from './demo-records.js';
import { runCli } from './run-cli.js';
import { demoDb, demoRun } from './demo-report.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-headline-'));
const config = (raw: Record<string, unknown>) => ({ file: 'rc.json', raw });

describe('gate status (pure)', () => {
  it('fails over the threshold and warns when only the interval reaches over it', () => {
    expect(statusOf(0.31, [0.3, 0.32], 0.05, 'point')).toBe('fail');
    expect(statusOf(0.04, [0.02, 0.07], 0.05, 'point')).toBe('warn');
    expect(statusOf(0.04, [0.03, 0.045], 0.05, 'point')).toBe('pass');
    expect(statusOf(1.35, null, 1.2, 'point')).toBe('fail');
    expect(statusOf(1.2, null, 1.2, 'point')).toBe('pass');
  });

  it('with gate_on upper, fails only when the lower bound is over', () => {
    expect(statusOf(0.08, [0.03, 0.14], 0.05, 'upper')).toBe('warn');
    expect(statusOf(0.08, [0.06, 0.1], 0.05, 'upper')).toBe('fail');
    expect(statusOf(0.02, [0.01, 0.04], 0.05, 'upper')).toBe('pass');
    // No interval: the point estimate decides.
    expect(statusOf(0.2, null, 0.1, 'upper')).toBe('fail');
  });

  it('is unknown, never pass, without an input; the worst status wins', () => {
    const g = evaluateGate('deviation', { unknown: 'no labels' }, 0.05, 'point');
    expect(g).toMatchObject({ status: 'unknown', value: null, detail: 'no labels' });
    const s = (status: Gate['status']) => ({ status }) as Gate;
    expect(overallStatus([s('pass'), s('unknown')])).toBe('unknown');
    expect(overallStatus([s('unknown'), s('warn'), s('pass')])).toBe('warn');
    expect(overallStatus([s('warn'), s('fail')])).toBe('fail');
    expect(overallStatus([s('pass'), s('pass')])).toBe('pass');
  });
});

describe('gate thresholds (pure)', () => {
  it('defaults to the write-up\'s thresholds', () => {
    expect(normalizeGateThresholds(config({}), {})).toEqual({
      max: { deviation: 0.05, dilution: 1.2, tpd_drop: 0.1, unpriced: 0 },
      gate_on: 'point',
    });
  });

  it('reads the config, and flags override it; off or null turns a gate off', () => {
    const t = normalizeGateThresholds(config({ gates: { max_deviation: 0.08, max_unpriced: null, gate_on: 'upper' } }), {
      maxDilution: '1.5', maxDeviation: '0.1', maxTpdDrop: 'off',
    });
    expect(t).toEqual({ max: { deviation: 0.1, dilution: 1.5, tpd_drop: null, unpriced: null }, gate_on: 'upper' });
  });

  it('names the field or flag of a bad value', () => {
    expect(() => normalizeGateThresholds(config({ gates: { max_deviation: '5%' } }), {})).toThrow(/rc\.json: "gates\.max_deviation" must be a number/);
    expect(() => normalizeGateThresholds(config({ gates: { max_devation: 0.1 } }), {})).toThrow(/"gates\.max_devation" is not a known key/);
    expect(() => normalizeGateThresholds(config({ gates: [] }), {})).toThrow(/"gates" must be an object/);
    expect(() => normalizeGateThresholds(config({}), { maxDeviation: '5' })).toThrow(/--max-deviation "5" is a fraction/);
    expect(() => normalizeGateThresholds(config({}), { maxUnpriced: 'none' })).toThrow(/--max-unpriced "none" must be a number/);
    expect(() => normalizeGateThresholds(config({}), { gateOn: 'lower' })).toThrow(/--gate-on must be "point" or "upper"/);
  });
});

describe('headline pieces (pure)', () => {
  it('knows which weeks overlap a window', () => {
    const from = new Date('2025-03-17T00:00:00Z');
    const to = new Date('2025-03-24T00:00:00Z');
    expect(weekOverlaps('2025-03-17', from, to)).toBe(true);
    expect(weekOverlaps('2025-03-10', from, to)).toBe(false);
    expect(weekOverlaps('2025-03-24', from, to)).toBe(false);
    // --last 7d from a Thursday: the week it starts in overlaps.
    expect(weekOverlaps('2025-03-10', new Date('2025-03-13T12:00:00Z'), null)).toBe(true);
  });

  it('reads each gate from its section, and says why one is unknown', () => {
    const base = { requests: { total: 100 } } as any;
    const none = gateInputs(base, { families: [], worst: null, reason: 'no week before' });
    expect(none.deviation).toEqual({ unknown: 'the deviation section did not run' });
    expect(none.dilution).toEqual({ unknown: 'the cache section did not run' });
    expect(none.tpd_drop).toEqual({ unknown: 'no week before' });
    const missing = gateInputs(
      { ...base, deviation: { available: false, reason: 'no request has an ideal route', rate: null }, cache: { available: false, reason: 'no inputs' }, efficiency: { unpriced: { requests: 0, share: 0, models: [] }, no_token_counts: { requests: 0, share: 0, models: [] } } },
      { families: [], worst: null, reason: null },
    );
    expect(missing.deviation).toEqual({ unknown: 'no request has an ideal route' });
    expect(missing.dilution).toEqual({ unknown: 'no inputs' });
    expect(missing.unpriced).toMatchObject({ value: 0 });
    const noRequests = gateInputs({ requests: { total: 0 }, efficiency: { unpriced: { requests: 0, share: 0, models: [] }, no_token_counts: { requests: 0, share: 0, models: [] } } } as any, { families: [], worst: null, reason: null });
    expect(noRequests.unpriced).toEqual({ unknown: 'no requests in the window' });
  });

  it('ranks the window\'s family changes worst first, with the alert causes', () => {
    const eff = {
      available: true,
      weeks: [
        { week: '2025-03-10', families: [{ family: 'a', tokens_per_dollar: 100, wow_change: -0.5 }] },
        { week: '2025-03-17', families: [{ family: 'a', tokens_per_dollar: 90, wow_change: -0.1 }, { family: 'b', tokens_per_dollar: 80, wow_change: -0.2 }, { family: 'c', tokens_per_dollar: 10, wow_change: null }] },
      ],
      alerts: [{ scope: 'family', week: '2025-03-17', family: 'b', causes: ['price_change'] }],
    } as any;
    const got = familyChanges(eff, { from: new Date('2025-03-17T00:00:00Z'), to: new Date('2025-03-24T00:00:00Z') });
    expect(got.map((f) => [f.family, f.change, f.causes])).toEqual([['b', -0.2, ['price_change']], ['a', -0.1, []]]);
    expect(got[0]!.previous_tokens_per_dollar).toBeCloseTo(80 / 0.8, 9);
  });

  it('prices a version change by the new version\'s spend in the window', () => {
    const versions = {
      available: true,
      families: [],
      changes: [
        { family: 'f', from: 'f-1', to: 'f-2', first_seen: '2025-03-18T10:00:00.000Z', unit_price_change: 0.25 },
        { family: 'g', from: 'g-1', to: 'g-2', first_seen: '2025-03-01T10:00:00.000Z', unit_price_change: 0.5 },
      ],
    } as any;
    const rows = [{ model: 'f-2', spend: 10 }, { model: 'f-2', spend: 2.5 }, { model: 'g-2', spend: 100 }];
    const events = priceEvents(versions, { available: false } as any, rows, { from: new Date('2025-03-17T00:00:00Z'), to: new Date('2025-03-24T00:00:00Z') });
    expect(events).toHaveLength(1);
    // 12.5 paid at +25%: 2.5 of it is the price rise.
    expect(events[0]).toMatchObject({ kind: 'version_change', model: 'f-2', from: 'f-1', window_spend_usd: 12.5 });
    expect(events[0]!.extra_usd).toBeCloseTo(2.5, 12);
  });

  it('ranks findings by dollars a month, unknown last, each with its fix', () => {
    const report = {
      deviation: {
        available: true, over_routed: 10, over_rate: 0.2, estimate: true, short: { max_chars: 10 },
        findings: [{ id: 'brevity_shortcut' }], monthly_projection: { excess_cost_usd: null, retry_cost_usd: 40 },
        excess_cost_usd: null, retries: { count: 3, cost_usd: 9 },
      },
      cache: { available: true, lost_savings_usd: 7, lost_savings_requests: 70, dilution_factor: 2.7, key_includes_model: true },
      classifier: { available: true, calls: 1000, cost_per_call_usd: 0.003, cost_per_call_source: 'config', cost_usd: 3, monthly_projection_usd: 12.86, trivial: { max_chars: 10, monthly_savings_usd: 2 } },
    } as any;
    const event: PriceEvent = { kind: 'version_change', family: 'f', model: 'f-2', from: 'f-1', since: '2025-03-18T10:00:00Z', unit_price_change: 0.18, window_spend_usd: 11.8, extra_usd: 1.8 };
    const f = toFindings(report, [event, { ...event, model: 'f-3', extra_usd: -1 }], 7);
    // retries $40 (the deviation section's projection), dilution $7 a week = $30, classifier $12.86, version $7.71.
    expect(f.map((x) => x.id)).toEqual(['retries', 'cache_dilution', 'classifier', 'version_change', 'over_routing']);
    expect(f[1]!.monthly_usd).toBeCloseTo((7 / 7) * 30, 12);
    expect(f[3]!.monthly_usd).toBeCloseTo((1.8 / 7) * 30, 12);
    expect(f[4]!.monthly_usd).toBeNull();
    expect(f[1]!.fix).toMatch(/SHA-256 of the normalized input/);
    expect(f[4]!.fix).toMatch(/inputs under 10 characters skip the classifier/);
    expect(f[4]!.title).toMatch(/estimated from a labelled sample/);
    expect(f[3]!.fix).toMatch(/prices watch/);
  });
});

describe('on the demo data (default window: 2025-W12 against 2025-W11)', () => {
  const truth = demoTruth();
  let recs: DemoRec[];
  let w12: DemoRec[];
  let w11: DemoRec[];
  let report: any;
  let table: string;

  beforeAll(async () => {
    recs = demoRecords();
    w12 = inRange(recs, '2025-03-17', '2025-03-24');
    w11 = inRange(recs, '2025-03-10', '2025-03-17');
    const r = await demoRun(['report', 'fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout);
    const t = await runCli(['report', '--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--quiet']);
    table = t.stdout;
  });

  it('compares requests and spend with the week before', () => {
    const spend = (rs: DemoRec[]) => rs.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    expect(report.previous_window).toEqual({ from: '2025-03-10T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' });
    const h = report.headline;
    expect(h.current.requests).toBe(w12.length);
    expect(h.previous.requests).toBe(w11.length);
    // Every priced demo request has a logged cost (cache hits log 0), so known spend = the logged sum.
    expect(h.current.spend_usd).toBeCloseTo(spend(w12), 9);
    expect(h.previous.spend_usd).toBeCloseTo(spend(w11), 9);
    expect(h.spend_change).toBeCloseTo(spend(w12) / spend(w11) - 1, 9);
    expect(h.request_change).toBeCloseTo(w12.length / w11.length - 1, 12);
    expect(h.current.unpriced_requests).toBe(w12.filter((r) => r.cost_usd === undefined).length);
  });

  it('gates the three health numbers and the unpriced share, all failing here', () => {
    const byName = Object.fromEntries(report.gates.map((g: any) => [g.name, g]));
    expect(report.gates.map((g: any) => g.name)).toEqual(['deviation', 'dilution', 'tpd_drop', 'unpriced']);

    const tier = (m?: string) => (!m ? null : m.startsWith('gpt-4o-mini') ? 0 : m.startsWith('claude-3-5-haiku') ? 1 : m.startsWith('gpt-4o-2024') ? 2 : null);
    const evaluated = w12.filter((r) => tier(r.model) !== null && tier(r.ideal) !== null);
    const off = evaluated.filter((r) => tier(r.model) !== tier(r.ideal)).length;
    expect(byName.deviation).toMatchObject({ threshold: 0.05, status: 'fail' });
    expect(byName.deviation.value).toBeCloseTo(off / evaluated.length, 12);
    expect(byName.deviation.interval[0]).toBeLessThan(byName.deviation.value);

    expect(byName.dilution).toMatchObject({ threshold: 1.2, status: 'fail', value: report.cache.dilution_factor });
    expect(byName.dilution.value).toBeGreaterThan(1.2);

    // The version bump: the mid family's tokens per dollar, W12 over W11, from the records.
    const fam = (rs: DemoRec[]) => rs.filter((r) => r.model?.startsWith(truth.version_bump!.family));
    const drop = 1 - tokensPerDollar(fam(w12)) / tokensPerDollar(fam(w11));
    expect(byName.tpd_drop).toMatchObject({ threshold: 0.1, status: 'fail' });
    expect(byName.tpd_drop.value).toBeCloseTo(drop, 9);
    expect(byName.tpd_drop.detail).toMatch(/claude-3-5-haiku fell .* \(version_change\)/);

    const unpriced = w12.filter((r) => r.cost_usd === undefined).length;
    expect(unpriced).toBeGreaterThan(0);
    expect(byName.unpriced).toMatchObject({ threshold: 0, status: 'fail' });
    expect(byName.unpriced.value).toBeCloseTo(unpriced / w12.length, 12);
    expect(report.headline.status).toBe('fail');
  });

  it('ranks what it cost per month, with the version bump at the generator\'s extra cost', () => {
    const f = report.findings;
    const monthly = f.map((x: any) => x.monthly_usd);
    expect([...monthly].sort((a, b) => b - a)).toEqual(monthly);
    expect(f.map((x: any) => x.id).sort()).toEqual(['cache_dilution', 'classifier', 'over_routing', 'retries', 'version_change']);
    const v = f.find((x: any) => x.id === 'version_change');
    // The bump started on the window's first day: all of the generator's extra cost is in this week.
    expect(v.window_usd).toBeCloseTo(truth.version_bump!.extra_cost_usd, 6);
    expect(v.monthly_usd).toBeCloseTo((truth.version_bump!.extra_cost_usd / 7) * 30, 6);
    expect(v.title).toContain(truth.version_bump!.to);
    expect(f.find((x: any) => x.id === 'cache_dilution').fix).toMatch(/content only/);
    for (const x of f) expect(x.fix.length).toBeGreaterThan(20);
  });

  it('counts what data quality could not use', () => {
    expect(report.quality.rejected).toBe(truth.rejects_written);
    expect(report.quality.unpriced.requests).toBe(w12.filter((r) => r.cost_usd === undefined).length);
    expect(report.quality.unmapped_models.map((m: any) => m.model)).toEqual(['acme-llama-3-70b-internal']);
  });

  it('puts the headline first in the table, within 100 columns', () => {
    expect(table.indexOf('Headline')).toBeGreaterThan(0);
    expect(table.indexOf('Headline')).toBeLessThan(table.indexOf('Summary'));
    expect(table.indexOf('What it cost')).toBeGreaterThan(table.indexOf('Summary'));
    expect(table).toMatch(/routing deviation .* FAIL/);
    for (const line of table.split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
  });
});

describe('when inputs are missing', () => {
  it('says unknown, never pass', async () => {
    const dir = tmp();
    const file = join(dir, 'logs.jsonl');
    // One week, Monday to Sunday, no labels, no cache keys.
    const lines = Array.from({ length: 7 }, (_, i) =>
      JSON.stringify({ ts: `2025-03-${String(17 + i).padStart(2, '0')}T10:00:00Z`, request_id: `r${i}`, input: `q${i}`, model: 'gpt-4o-mini-2024-07-18', input_tokens: 10, output_tokens: 10, cost_usd: 0.00001 }),
    );
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await runCli(['report', file, '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.window_label).toBe('2025-W12');
    const status = Object.fromEntries(report.gates.map((g: any) => [g.name, g.status]));
    expect(status).toEqual({ deviation: 'unknown', dilution: 'unknown', tpd_drop: 'unknown', unpriced: 'pass' });
    for (const g of report.gates.filter((x: any) => x.status === 'unknown')) {
      expect(g.value).toBeNull();
      expect(g.detail.length).toBeGreaterThan(10);
    }
    expect(report.headline.status).toBe('unknown');
    expect(report.headline.previous).toMatchObject({ requests: 0 });
    expect(report.headline.request_change).toBeNull();
  });
});

describe('headline with an empty previous window', () => {
  it('shows no $0 spend to compare with, and says why', async () => {
    const r = await runCli(['report', '--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--last', '6w', '--quiet']);
    expect(r.code).toBe(0);
    const headline = r.stdout.slice(r.stdout.indexOf('Headline'), r.stdout.indexOf('Health'));
    expect(headline).toMatch(/│ spend\s+│\s+\$135\.03 │\s+— │/);
    expect(headline).not.toMatch(/\$0\.00(?!\d)/);
    expect(headline).toContain('the previous window holds no requests');
  });
});
