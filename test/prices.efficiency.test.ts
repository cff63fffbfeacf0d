import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_OPTIONS, demoConfig, demoPricesCsv } from '../src/demo/generate.js';
import { decompose, type Member } from '../src/prices/attribution.js';
import { demoRecords, demoTruth } from './demo-records.js';
import { runCli } from './run-cli.js';
import { demoDb, demoRun } from './demo-report.js';

const run = (argv: string[]) => runCli(argv);

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-eff-'));
const DAY = 86_400_000;

/** The Monday (UTC) of an instant, as YYYY-MM-DD, computed here independently of the SQL. */
function monday(ts: string): string {
  const d = Math.floor(Date.parse(ts) / DAY) * DAY;
  const dow = (new Date(d).getUTCDay() + 6) % 7;
  return new Date(d - dow * DAY).toISOString().slice(0, 10);
}

type Rec = { ts: string; model?: string; route?: string; input_tokens?: number; output_tokens?: number; cost_usd?: number; cache_hit?: boolean; provider?: string };

/** Tokens per dollar of provider calls with a known cost, from the records themselves. */
function tpd(recs: Rec[]): number {
  const calls = recs.filter((r) => !r.cache_hit && r.cost_usd !== undefined);
  const tokens = calls.reduce((s, r) => s + (r.input_tokens ?? 0) + (r.output_tokens ?? 0), 0);
  return tokens / calls.reduce((s, r) => s + r.cost_usd!, 0);
}

describe('decompose (pure)', () => {
  const m = (model: string, family: string, inTok: number, out: number, rate: number, outRate = rate): Member => ({
    model, family, usage: { uncached_in: inTok, cached_in: 0, output: out }, cost: (inTok * rate + out * outRate) / 1e6,
    rates: { input: rate, cached: rate, output: outRate },
  });

  it('attributes a new dearer version of a family to version_change', () => {
    const d = decompose([m('f-1', 'f', 1000, 1000, 1)], [m('f-2', 'f', 1000, 1000, 1.18)])!;
    expect(d.change).toBeCloseTo(1 / 1.18 - 1, 12);
    expect(d.effects.version_change).toBeCloseTo(1 / 1.18 - 1, 12);
    expect(d.effects.price_change).toBeCloseTo(0, 12);
    expect(d.version).toMatchObject({ from: 'f-1', to: 'f-2', to_share: 1 });
    expect(d.version!.unit_price_change).toBeCloseTo(0.18, 12);
  });

  it('attributes a price move of the same model to price_change', () => {
    const d = decompose([m('f-1', 'f', 1000, 1000, 1)], [m('f-1', 'f', 1000, 1000, 1.25)])!;
    expect(d.effects.price_change).toBeCloseTo(1 / 1.25 - 1, 12);
    expect(d.effects.version_change).toBeCloseTo(0, 12);
    expect(d.prices[0]!.unit_price_change).toBeCloseTo(0.25, 12);
  });

  it('attributes more output per input at unchanged prices to token_mix', () => {
    const d = decompose([m('f-1', 'f', 1000, 100, 1, 4)], [m('f-1', 'f', 100, 1000, 1, 4)])!;
    expect(d.effects.price_change).toBeCloseTo(0, 12);
    expect(d.effects.version_change).toBeCloseTo(0, 12);
    expect(d.effects.token_mix).toBeCloseTo(d.change, 12);
    expect(d.output_per_input).toEqual({ before: 0.1, after: 10 });
  });

  it('attributes a tier moving to a dearer family to model_mix, not version_change', () => {
    const d = decompose([m('p-1', 'p', 1000, 1000, 1)], [m('q-1', 'q', 1000, 1000, 2)])!;
    expect(d.effects.model_mix).toBeCloseTo(1 / 2 - 1, 12);
    expect(d.effects.version_change).toBeCloseTo(0, 12);
    // the shift it names is a change of model line, not of version
    expect(d.version).toMatchObject({ from: 'p-1', to: 'q-1', kind: 'model_mix' });
  });

  it('names a new model of a family the group had as a version change', () => {
    const d = decompose([m('f-1', 'f', 1000, 1000, 1), m('g-1', 'g', 1000, 1000, 1)], [m('f-2', 'f', 1000, 1000, 1.5), m('g-1', 'g', 1000, 1000, 1)])!;
    expect(d.version).toMatchObject({ from: 'f-1', to: 'f-2', kind: 'version_change' });
  });

  it('multiplies its effects back to the actual change', () => {
    const before = [m('a-1', 'a', 1000, 500, 1, 3), m('b-1', 'b', 300, 900, 2, 6)];
    const after = [m('a-1', 'a', 800, 700, 1.1, 3.3), m('a-2', 'a', 400, 100, 1.5, 4), m('b-1', 'b', 100, 100, 2, 6)];
    const d = decompose(before, after)!;
    const e = d.effects;
    expect((1 + e.price_change) * (1 + e.version_change) * (1 + e.model_mix) * (1 + e.token_mix) * (1 + e.other) - 1).toBeCloseTo(d.change, 12);
    expect(Math.abs(e.other)).toBeLessThan(1e-9);
  });
});

describe('a tier alert when the tier swaps model lines', () => {
  const A = '2025-03-04T10:00:00Z';
  const B = '2025-03-11T10:00:00Z';
  // Tier "swap" moves from fam-p (logged $0.001 a call) to fam-q (dearer), both routed to the same tier.
  const recs = [
    ...Array.from({ length: 3 }, () => ({ ts: A, model: 'fam-p-20250101', route: 'swap', input_tokens: 1000, output_tokens: 1000, cost_usd: 0.001 })),
    ...Array.from({ length: 3 }, () => ({ ts: B, model: 'fam-q-20250101', route: 'swap', input_tokens: 1000, output_tokens: 1000, cost_usd: 0.002 })),
  ].map((r, i) => ({ ...r, request_id: `s${i}` }));
  let report: any;

  beforeAll(async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'logs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await run(['report', join(dir, 'logs.jsonl'), '--all', '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout);
  });

  it('calls the move model_mix in its detail, not a version change of zero effect', () => {
    const alert = report.efficiency.alerts.find((a: any) => a.scope === 'tier' && a.tier === 'swap');
    expect(alert.causes).toEqual(['model_mix']);
    expect(alert.detail.effects.version_change).toBeCloseTo(0, 12);
    expect(alert.detail.effects.model_mix).toBeCloseTo(0.5 - 1, 9);
    expect(alert.detail.version_change).toBeNull();
    expect(alert.detail.model_mix).toMatchObject({ from: 'fam-p-20250101', to: 'fam-q-20250101', share: 1 });
    expect(alert.detail.model_mix.unit_price_change).toBeCloseTo(1, 9);
    expect(alert.model).toBe('fam-q-20250101');
  });

  it('says so in the report text', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'logs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const text = (await run(['report', join(dir, 'logs.jsonl'), '--all', '--quiet'])).stdout.replace(/\s+/g, ' ');
    expect(text).toContain('tier swap: tokens per dollar −50.0%');
    expect(text).toMatch(/model mix: fam-q-20250101 took 100% of the tokens from fam-p-20250101 at \+100(\.0)?% unit price \(effect −50\.0%\)/);
    expect(text).not.toMatch(/version change: fam-q/);
  });
});

describe('tokens per dollar on hand-made logs', () => {
  const A = '2025-03-04T10:00:00Z'; // week of 2025-03-03
  const B = '2025-03-11T10:00:00Z'; // week of 2025-03-10
  const recs: Rec[] = [
    // fam-x: a new dated version at +50% (no list price: logged costs only)
    ...Array.from({ length: 3 }, () => ({ ts: A, model: 'fam-x-20250101', route: 'mid', input_tokens: 1000, output_tokens: 1000, cost_usd: 0.002 })),
    ...Array.from({ length: 3 }, () => ({ ts: B, model: 'fam-x-20250310', route: 'mid', input_tokens: 1000, output_tokens: 1000, cost_usd: 0.003 })),
    // fam-y: same model, +25% price; cache hits in week B must not count
    ...Array.from({ length: 2 }, () => ({ ts: A, model: 'fam-y-2024-01-01', route: 'cheap', input_tokens: 500, output_tokens: 500, cost_usd: 0.001 })),
    ...Array.from({ length: 2 }, () => ({ ts: B, model: 'fam-y-2024-01-01', route: 'cheap', input_tokens: 500, output_tokens: 500, cost_usd: 0.00125 })),
    { ts: B, model: 'fam-y-2024-01-01', route: 'cheap', input_tokens: 500, output_tokens: 500, cost_usd: 0, cache_hit: true },
    // fam-z: list price 1 in / 4 out (price file, no logged cost): output share jumps
    { ts: A, model: 'fam-z', route: 'big', input_tokens: 1000, output_tokens: 100 },
    { ts: B, model: 'fam-z', route: 'big', input_tokens: 100, output_tokens: 1000 },
    // fam-w: steady
    { ts: A, model: 'fam-w-0101', route: 'steady', input_tokens: 100, output_tokens: 100, cost_usd: 0.0002 },
    { ts: B, model: 'fam-w-0101', route: 'steady', input_tokens: 100, output_tokens: 100, cost_usd: 0.0002 },
    // a self-hosted model with no cost: counted, never $0
    { ts: B, model: 'in-house-7b', provider: 'self-hosted', input_tokens: 10, output_tokens: 10 },
  ];
  // Distinct ids: identical lines without one would be one record loaded twice.
  recs.forEach((r, i) => Object.assign(r, { request_id: `r${i}` }));
  const priced = recs.map((r) => (r.model === 'fam-z' ? { ...r, cost_usd: ((r.input_tokens ?? 0) * 1 + (r.output_tokens ?? 0) * 4) / 1e6 } : r));
  const expected = (model: string, week: string) => tpd(priced.filter((r) => r.model!.startsWith(model) && monday(r.ts) === week));
  let report: any;

  beforeAll(async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'logs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'prices.csv'), 'model,input_per_mtok,output_per_mtok\nfam-z,1,4\n');
    writeFileSync(join(dir, 'routecheck.config.json'), JSON.stringify({ prices: 'prices.csv' }));
    const r = await run(['report', join(dir, 'logs.jsonl'), '--config', join(dir, 'routecheck.config.json'), '--format', 'json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout);
  });

  it('computes tokens per dollar per family and week from the records', () => {
    const weeks = report.efficiency.weeks;
    expect(weeks.map((w: any) => w.week)).toEqual(['2025-03-03', '2025-03-10']);
    for (const fam of ['fam-x', 'fam-y', 'fam-z', 'fam-w']) {
      for (const w of weeks) {
        const f = w.families.find((x: any) => x.family === fam);
        expect(f.tokens_per_dollar).toBeCloseTo(expected(fam, w.week), 6);
      }
    }
    const y = weeks[1].families.find((x: any) => x.family === 'fam-y');
    expect(y.wow_change).toBeCloseTo(expected('fam-y', '2025-03-10') / expected('fam-y', '2025-03-03') - 1, 12);
  });

  it('alerts per family and names the cause with numbers', () => {
    const byFamily = (f: string) => report.efficiency.alerts.filter((a: any) => a.scope === 'family' && a.family === f);
    const [x] = byFamily('fam-x');
    expect(x).toMatchObject({ week: '2025-03-10', model: 'fam-x-20250310', causes: ['version_change'] });
    expect(x.wow_change).toBeCloseTo(expected('fam-x', '2025-03-10') / expected('fam-x', '2025-03-03') - 1, 9);
    expect(x.detail.version_change).toMatchObject({ from: 'fam-x-20250101', to: 'fam-x-20250310', share: 1 });
    expect(x.detail.version_change.unit_price_change).toBeCloseTo(0.003 / 0.002 - 1, 9);

    const [y] = byFamily('fam-y');
    expect(y).toMatchObject({ week: '2025-03-10', model: 'fam-y-2024-01-01', causes: ['price_change'] });
    expect(y.detail.price_change[0].unit_price_change).toBeCloseTo(0.00125 / 0.001 - 1, 9);

    const [z] = byFamily('fam-z');
    expect(z.causes).toEqual(['token_mix']);
    expect(z.detail.token_mix).toEqual({ output_per_input_before: 0.1, output_per_input_after: 10 });

    expect(byFamily('fam-w')).toEqual([]);
  });

  it('alerts per tier (the route label) as well', () => {
    const tiers = report.efficiency.alerts.filter((a: any) => a.scope === 'tier').map((a: any) => [a.tier, a.causes[0]]);
    expect(tiers.sort()).toEqual([['big', 'token_mix'], ['cheap', 'price_change'], ['mid', 'version_change']]);
  });

  it('counts the unpriced model instead of pricing it at $0', () => {
    expect(report.efficiency.unpriced).toMatchObject({ requests: 1, models: [{ model: 'in-house-7b', provider: 'self-hosted', requests: 1 }] });
    expect(report.efficiency.unpriced.share).toBeCloseTo(1 / recs.length, 12);
    const m = report.efficiency.weeks[1].models.find((x: any) => x.model === 'in-house-7b');
    expect(m).toMatchObject({ cost_usd: null, tokens_per_dollar: null, unpriced: 1 });
  });

  it('lists the versions of each family with a change event and the unit price before and after', () => {
    expect(report.versions.changes).toHaveLength(1);
    expect(report.versions.changes[0]).toMatchObject({ family: 'fam-x', from: 'fam-x-20250101', to: 'fam-x-20250310', first_seen: B.replace('Z', '.000Z') });
    expect(report.versions.changes[0].unit_price_change).toBeCloseTo(0.5, 9);
    const x = report.versions.families.find((f: any) => f.family === 'fam-x');
    expect(x.versions.map((v: any) => [v.model, v.version, v.weeks.map((w: any) => [w.week, w.share])])).toEqual([
      ['fam-x-20250101', '20250101', [['2025-03-03', 1]]],
      ['fam-x-20250310', '20250310', [['2025-03-10', 1]]],
    ]);
  });

  it('reports weekly spend and its growth', () => {
    const spend = report.spend;
    const cost = (week: string) => priced.filter((r) => monday(r.ts) === week && !r.cache_hit).reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    const count = (week: string) => recs.filter((r) => monday(r.ts) === week).length;
    expect(spend.weeks.map((w: any) => [w.week, w.requests])).toEqual([['2025-03-03', count('2025-03-03')], ['2025-03-10', count('2025-03-10')]]);
    expect(spend.weeks[1].cost_usd).toBeCloseTo(cost('2025-03-10'), 12);
    expect(spend.cost_growth).toBeCloseTo(cost('2025-03-10') / cost('2025-03-03') - 1, 9);
    expect(spend.request_growth).toBeCloseTo(count('2025-03-10') / count('2025-03-03') - 1, 12);
    // cost per request leaves the unpriced request out
    expect(spend.weeks[1].cost_per_request).toBeCloseTo(cost('2025-03-10') / (count('2025-03-10') - 1), 12);
    // the version change: fam-x's week-B tokens cost 0.009 instead of 0.006 at its old price
    expect(spend.explained.version_change.usd).toBeCloseTo(3 * 0.003 - 3 * 0.002, 9);
    expect(spend.explained.price_change.usd).toBeCloseTo(2 * 0.00125 - 2 * 0.001, 9);
  });

  it('takes the alert threshold from the config', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'logs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ efficiency: { alert_drop: 0.25 } }));
    const r = await run(['report', join(dir, 'logs.jsonl'), '--config', join(dir, 'c.json'), '--format', 'json', '--quiet']);
    const families = JSON.parse(r.stdout).efficiency.alerts.filter((a: any) => a.scope === 'family').map((a: any) => a.family);
    // fam-y fell 20%: under a 25% threshold. fam-z is unpriced without the price file.
    expect(families).toEqual(['fam-x']);
  });

  it('names weeks by their first day with --week-start', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'logs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await run(['report', join(dir, 'logs.jsonl'), '--week-start', 'sunday', '--format', 'json', '--quiet']);
    // 2025-03-04 (Tue) is in the week from Sunday 2025-03-02; 2025-03-11 in the week from 2025-03-09
    expect(JSON.parse(r.stdout).efficiency.weeks.map((w: any) => w.week)).toEqual(['2025-03-02', '2025-03-09']);
  });

  it('renders the sections in 100 columns with percentages', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'logs.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await run(['report', join(dir, 'logs.jsonl'), '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Tokens per dollar');
    expect(r.stdout).toContain('Model versions');
    expect(r.stdout).toContain('Spend vs traffic');
    expect(r.stdout).toMatch(/2025-03-10 family fam-x: tokens per dollar −33\.3%/);
    expect(r.stdout).toMatch(/\+50\.0% unit price/);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('on the demo data', () => {
  const truth = demoTruth();
  const bump = truth.version_bump!;
  let recs: Rec[];
  let report: any;
  let withoutPriceFile: any;

  beforeAll(async () => {
    recs = demoRecords();
    // The demo's config and price file as `routecheck demo` writes them next to the logs.
    const dir = tmp();
    writeFileSync(join(dir, 'routecheck.config.json'), JSON.stringify(demoConfig(DEFAULT_DEMO_OPTIONS)));
    writeFileSync(join(dir, 'prices.csv'), demoPricesCsv(DEFAULT_DEMO_OPTIONS));
    const r = await run(['report', '--db', await demoDb(), '--all', '--config', join(dir, 'routecheck.config.json'), '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout);
    const bare = await demoRun(['report', 'fixtures/demo/logs/', '--all', '--format', 'json', '--quiet']);
    withoutPriceFile = JSON.parse(bare.stdout);
  });

  it('alerts on the mid-model version bump in its week, as version_change, by the drop the records show', () => {
    const week = monday(bump.date);
    const family = (w: string) => recs.filter((r) => r.model!.startsWith(bump.family) && monday(r.ts) === w);
    const expectedChange = tpd(family(week)) / tpd(family(monday(new Date(Date.parse(week) - 7 * DAY).toISOString()))) - 1;
    const alerts = report.efficiency.alerts.filter((a: any) => a.family === bump.family);
    expect(alerts.map((a: any) => [a.week, a.scope, a.tier, a.model])).toEqual([
      [week, 'family', null, bump.to],
      [week, 'tier', 'medium', bump.to],
    ]);
    for (const a of alerts) {
      expect(a.causes[0]).toBe('version_change');
      expect(a.wow_change).toBeCloseTo(expectedChange, 9);
      expect(a.detail.version_change).toMatchObject({ from: bump.from, to: bump.to, share: 1 });
      expect(a.detail.version_change.unit_price_change).toBeCloseTo(bump.input_price_change, 6);
    }
    // No other family or tier lost 10% in any week.
    expect(report.efficiency.alerts).toHaveLength(2);
  });

  it('counts the self-hosted model as unpriced', () => {
    expect(report.efficiency.unpriced.requests).toBe(truth.unpriced_requests);
    expect(report.efficiency.unpriced.models).toEqual([
      {
        model: 'acme-llama-3-70b-internal', provider: 'self-hosted', requests: truth.unpriced_requests, share: truth.unpriced_requests / truth.requests,
        catalog_priced: false, logged_zero: 0, no_tier_rate: 0, service_tiers: [],
      },
    ]);
  });

  it('prices the new version from the price file and finds no discrepancy', () => {
    const p = report.efficiency.prices.find((x: any) => x.model === bump.to);
    expect(p.source).toBe('user');
    expect(report.efficiency.discrepancies).toEqual([]);
  });

  it('without the price file, the catalog prices the new version at the old price: an 18% discrepancy from its first day', () => {
    expect(withoutPriceFile.efficiency.discrepancies).toHaveLength(1);
    expect(withoutPriceFile.efficiency.discrepancies[0]).toMatchObject({ model: bump.to, since: bump.date });
    expect(withoutPriceFile.efficiency.discrepancies[0].logged_vs_catalog).toBeCloseTo(bump.input_price_change, 6);
    // The alert does not depend on the price file: logged costs carry the price.
    expect(withoutPriceFile.efficiency.alerts.some((a: any) => a.family === bump.family && a.causes[0] === 'version_change')).toBe(true);
  });

  it('shows the version change with the unit price before and after', () => {
    const changes = report.versions.changes;
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ family: bump.family, from: bump.from, to: bump.to });
    expect(changes[0].first_seen.slice(0, 10)).toBe(bump.date);
    expect(changes[0].unit_price_change).toBeCloseTo(bump.input_price_change, 6);
    expect(changes[0].unit_price_after.input_per_mtok / changes[0].unit_price_before.input_per_mtok - 1).toBeCloseTo(bump.input_price_change, 6);
  });

  it('reports weekly spend as the generator built it, and the extra cost of the version change', () => {
    const spend = report.spend;
    const weeks = Object.values(truth.by_week);
    expect(spend.weeks.map((w: any) => w.requests)).toEqual(weeks.map((w) => w.requests));
    spend.weeks.forEach((w: any, i: number) => expect(w.cost_usd).toBeCloseTo(weeks[i]!.cost_usd, 6));
    expect(spend.cost_growth).toBeCloseTo(weeks[weeks.length - 1]!.cost_usd / weeks[0]!.cost_usd - 1, 6);
    expect(spend.request_growth).toBeCloseTo(weeks[weeks.length - 1]!.requests / weeks[0]!.requests - 1, 9);
    expect(spend.explained.version_change.usd).toBeCloseTo(bump.extra_cost_usd, 4);
    expect(spend.explained.price_change.usd).toBeCloseTo(0, 6);
  });
});
