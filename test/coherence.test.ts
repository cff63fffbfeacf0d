import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.js';
import { runCli } from './run-cli.js';

/**
 * A Friday report tells one story: every gate and every finding quotes a figure its own section shows, over the
 * same range. Checked on the demo's default week (the version bump lands in it), on a week before the bump, on
 * a window that does not start on a week boundary, and on a healthy demo generated here.
 */

const DEMO = ['fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--quiet', '--format', 'json'];
const FINDINGS = new Set(['over_routing', 'retries', 'cache_dilution', 'version_change', 'price_change', 'classifier']);

async function reportOf(args: string[]): Promise<Report> {
  const run = await runCli(['report', ...args]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

/** Every assertion of the one-story rule, for any report. */
function expectOneStory(r: Report): void {
  const gates = r.gates ?? [];
  expect(gates.map((g) => g.name).sort()).toEqual(['deviation', 'dilution', 'tpd_drop', 'unpriced']);
  for (const g of gates) {
    if (g.status === 'unknown') {
      expect(g.value).toBeNull();
      continue;
    }
    switch (g.name) {
      case 'deviation':
        expect(r.deviation?.available).toBe(true);
        expect(g.value).toBe(r.deviation!.rate);
        expect(g.interval).toEqual(r.deviation!.ci95);
        break;
      case 'dilution':
        expect(r.cache?.available).toBe(true);
        expect(g.value).toBe(r.cache!.available ? r.cache!.dilution_factor : NaN);
        break;
      case 'unpriced':
        expect(g.value).toBe(r.efficiency!.unpriced.share);
        break;
      case 'tpd_drop': {
        const e = r.efficiency!;
        if (!e.available) throw new Error('tpd gate known without a tokens-per-dollar section');
        // The gate is the worst week-over-week change of a family in a week of the window, as the section shows it.
        const shown = e.weeks.filter((w) => w.in_window).flatMap((w) => w.families.filter((f) => f.wow_change !== null).map((f) => ({ week: w.week, ...f })));
        expect(shown.length).toBeGreaterThan(0);
        const worst = shown.reduce((a, b) => (b.wow_change! < a.wow_change! ? b : a));
        expect(g.value).toBeCloseTo(-worst.wow_change!, 12);
        const w = r.headline!.tokens_per_dollar.worst!;
        expect(w.family).toBe(worst.family);
        expect(w.week).toBe(worst.week);
        // A drop over the threshold is an alert of the section, with the causes the gate's detail names.
        if (-worst.wow_change! > e.alert_drop) {
          const alert = e.alerts.find((a) => a.scope === 'family' && a.family === worst.family && a.week === worst.week);
          expect(alert).toBeDefined();
          expect(alert!.wow_change).toBeCloseTo(worst.wow_change!, 12);
          expect(w.causes).toEqual(alert!.causes);
          for (const cause of alert!.causes) expect(g.detail).toContain(cause);
        }
        break;
      }
    }
  }

  for (const f of r.findings ?? []) {
    expect(FINDINGS.has(f.id)).toBe(true);
    switch (f.id) {
      case 'over_routing': {
        expect(f.window_usd).toBe(r.deviation!.available ? r.deviation!.excess_cost_usd : NaN);
        expect(f.monthly_usd).toBe(r.deviation!.monthly_projection?.excess_cost_usd ?? null);
        // When the deviation fails its gate, the fix names calibrate and the deviation the classifier section projects.
        const rc = r.classifier?.recalibration;
        if (rc?.available) {
          expect(f.fix).toContain('routecheck calibrate');
          expect(f.fix).toContain(`${(rc.deviation * 100).toFixed(1)}% projected deviation`);
          expect(r.gates!.find((g) => g.name === 'deviation')!.status).toBe('fail');
        }
        break;
      }
      case 'retries':
        expect(f.window_usd).toBe(r.deviation!.retries.cost_usd);
        expect(f.monthly_usd).toBe(r.deviation!.monthly_projection?.retry_cost_usd ?? null);
        break;
      case 'cache_dilution':
        expect(f.window_usd).toBe(r.cache!.available ? r.cache!.lost_savings_usd : NaN);
        break;
      case 'classifier':
        expect(f.window_usd).toBe(r.classifier!.available ? r.classifier!.cost_usd : NaN);
        expect(f.monthly_usd).toBe(r.classifier!.available ? r.classifier!.monthly_projection_usd : NaN);
        break;
      case 'version_change': {
        const event = r.headline!.price_events.find((e) => e.kind === 'version_change' && e.extra_usd === f.window_usd)!;
        expect(event).toBeDefined();
        const v = r.versions!;
        if (!v.available) throw new Error('a version finding without a versions section');
        const change = v.changes.find((c) => c.to === event.model);
        expect(change).toBeDefined();
        expect(change!.unit_price_change).toBe(event.unit_price_change);
        expect(f.title).toContain(event.model);
        break;
      }
      case 'price_change': {
        const event = r.headline!.price_events.find((e) => e.kind === 'price_change' && e.extra_usd === f.window_usd)!;
        expect(event).toBeDefined();
        const e = r.efficiency!;
        if (!e.available) throw new Error('a price finding without a tokens-per-dollar section');
        expect(e.alerts.some((a) => a.causes.includes('price_change') && a.detail.price_change.some((p) => p.model === event.model))).toBe(true);
        break;
      }
    }
  }

  // The weekly series (deviation, cache dilution) cover the trend weeks, and the window's week shows the window's figures.
  const d = r.deviation!;
  const c = r.cache!;
  const weeks = [...(d.available ? d.by_week.map((w) => w.week) : []), ...(c.available ? c.by_week.map((w) => w.week) : [])];
  for (const week of weeks) {
    if (r.trend_window.from) expect(Date.parse(`${week}T00:00:00Z`)).toBeGreaterThanOrEqual(Date.parse(r.trend_window.from));
    if (r.trend_window.to) expect(Date.parse(`${week}T00:00:00Z`)).toBeLessThan(Date.parse(r.trend_window.to));
  }
  const span = Date.parse(r.window.to) - Date.parse(r.window.from);
  const oneWeek = r.previous_window !== null && span === 7 * 86_400_000 && /^\d{4}-W\d\d$/.test(r.window_label ?? '');
  if (oneWeek) {
    const week = r.window.from.slice(0, 10);
    if (d.available) {
      const w = d.by_week.find((x) => x.week === week)!;
      expect(w.in_window).toBe(true);
      expect(d.by_week.filter((x) => x.in_window)).toHaveLength(1);
      expect([w.evaluated, w.rate, w.ci95]).toEqual([d.evaluated, d.rate, d.ci95]);
    }
    if (c.available) {
      const w = c.by_week.find((x) => x.week === week)!;
      expect([w.requests, w.entries, w.semantic_clusters, w.dilution_factor]).toEqual([c.requests, c.entries, c.semantic_clusters, c.dilution_factor]);
    }
  }
  if (r.trend_window.from === null) {
    // --all: the weeks partition the window.
    if (d.available) expect(d.by_week.reduce((s, w) => s + w.evaluated, 0)).toBe(d.evaluated);
    if (c.available) expect(c.by_week.reduce((s, w) => s + w.requests, 0)).toBe(c.requests);
  }

  // One price chain: the summary's spend is the headline's, and its requests of unknown cost are the two classes the
  // headline, the gate's section and data quality count (no price; a price but no token counts).
  const h = r.headline!;
  expect(r.requests.cost_usd).toBeCloseTo(h.current.spend_usd, 9);
  expect(r.requests.unknown_cost).toBe(h.current.unpriced_requests + h.current.no_token_requests);
  expect(r.efficiency!.unpriced.requests).toBe(h.current.unpriced_requests);
  expect(r.efficiency!.no_token_counts.requests).toBe(h.current.no_token_requests);
  expect(r.requests.models.reduce((sum, m) => sum + (m.cost_usd ?? 0), 0)).toBeCloseTo(h.current.spend_usd, 9);

  // Each price event of the headline is a change the versions section lists, or an alert the efficiency section shows.
  for (const e of r.headline?.price_events ?? []) {
    if (e.kind === 'version_change') {
      expect(r.versions!.available && r.versions!.changes.some((c) => c.to === e.model && c.unit_price_change === e.unit_price_change)).toBe(true);
    }
  }
}

describe('every dollar is the one price chain\'s, also where a gateway logged $0', () => {
  // LiteLLM writes spend 0 when it cannot price a call: five of these six calls have a list price, one (a custom Azure
  // deployment) has none. Two dear calls are labelled cheap: their over-routing costs what spend counts them at.
  const ZERO = 'fixtures/formats/litellm-spendlogs-zero-spend.jsonl';
  const id = (n: number): string => `chatcmpl-0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d0${n}`;
  let dir: string;
  let r: Report;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routecheck-zero-'));
    writeFileSync(join(dir, 'rc.json'), JSON.stringify({
      tiers: [
        { name: 'cheap', models: ['gpt-4o-mini*', '*claude-3-haiku*'] },
        { name: 'dear', models: ['*gpt-4o', 'gemini-1.5-pro*', 'claude-3-5-sonnet*', 'azure/prod-chat-eastus-2'] },
      ],
    }));
    // 1 (gpt-4o), 4 (the unpriced deployment) and 6 (claude-3-5-sonnet) are dear calls that a cheap tier would have served.
    const ideal: Record<number, string> = { 1: 'cheap', 2: 'cheap', 3: 'dear', 4: 'cheap', 5: 'cheap', 6: 'cheap' };
    writeFileSync(join(dir, 'labels.csv'), 'request_id,ideal\n' + Object.entries(ideal).map(([n, t]) => `${id(Number(n))},${t}`).join('\n') + '\n');
    r = await reportOf([ZERO, '--all', '--config', join(dir, 'rc.json'), '--labels', join(dir, 'labels.csv'), '--quiet', '--format', 'json']);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tells one story', () => expectOneStory(r));

  it('counts the logged zeros at their list price everywhere, and the unpriced one as unknown, never $0', () => {
    expect(r.requests.spend_usd).toBe(0); // as logged
    expect(r.requests.cost_usd).toBeGreaterThan(0);
    expect(r.requests.unknown_cost).toBe(1);
    expect(r.requests.models.find((m) => m.model === 'azure/prod-chat-eastus-2')).toMatchObject({ cost_usd: null, unknown_cost: 1 });
    expect(r.quality!.logged_zeros).toMatchObject({ repriced: 5 });
    expect(r.quality!.logged_zeros!.repriced_usd).toBeCloseTo(r.headline!.current.spend_usd, 12);
    expect(r.gates!.find((g) => g.name === 'unpriced')).toMatchObject({ status: 'fail', value: 1 / 6 });
  });

  it('prices the over-routing excess from the same costs: the tiers\' fitted prices and each request\'s spend', () => {
    const d = r.deviation!;
    if (!d.available) throw new Error('deviation not available');
    expect(d.over_routed).toBe(3);
    // The unpriced deployment's excess is unknown, not $0; the other two have one.
    expect(d.excess_unpriced).toBe(1);
    const prices = Object.fromEntries(d.pricing.tiers.map((t) => [t.tier, t]));
    expect(prices['cheap']!.calls).toBe(2);
    expect(prices['dear']!.calls).toBe(3);
    const e = r.efficiency!;
    if (!e.available) throw new Error('efficiency not available');
    const cost = (model: string): number => e.weeks.flatMap((w) => w.models).find((m) => m.model === model)!.cost_usd!;
    // One call per tier and week is too few for a fit: each tier's price is its median cost per token, the same for
    // input and output, so the ideal cost is the request's cost × cheap ÷ dear.
    expect(prices['cheap']!.method).toBe('median');
    const ratio = prices['cheap']!.input_per_mtok / prices['dear']!.input_per_mtok;
    const expected = (cost('azure/gpt-4o') + cost('claude-3-5-sonnet-20241022')) * (1 - ratio);
    expect(d.excess_cost_usd!).toBeGreaterThan(0);
    expect(Math.abs(d.excess_cost_usd! - expected) / expected).toBeLessThan(1e-3);
    // Each example quotes its request's cost as spend counts it.
    for (const x of d.examples.filter((x) => x.direction === 'over' && x.model !== 'azure/prod-chat-eastus-2')) {
      expect(x.cost_usd).toBeCloseTo(cost(x.model!), 12);
    }
  });
});

describe('gates and findings quote their sections', () => {
  let weekly: Report;
  let healthyDir: string;
  beforeAll(async () => {
    weekly = await reportOf(DEMO);
    healthyDir = mkdtempSync(join(tmpdir(), 'routecheck-healthy-'));
    const made = await runCli(['demo', '--out', healthyDir, '--healthy', '--days', '28', '--quiet']);
    expect(made.code).toBe(0);
  }, 180_000);
  afterAll(() => rmSync(healthyDir, { recursive: true, force: true }));

  it('on the demo default week, the sections show what the headline says (the issue’s own case)', () => {
    expect(weekly.window_label).toBe('2025-W12');
    expectOneStory(weekly);
    const e = weekly.efficiency!;
    if (!e.available) throw new Error('efficiency not available');
    // The trend: the weeks that end with the window, each with its week-over-week change.
    expect(e.weeks.length).toBeGreaterThanOrEqual(2);
    expect(e.weeks.at(-1)!.week).toBe('2025-03-17');
    expect(e.weeks.filter((w) => w.in_window).map((w) => w.week)).toEqual(['2025-03-17']);
    const haiku = e.weeks.at(-1)!.families.find((f) => f.family === 'claude-3-5-haiku')!;
    expect(haiku.wow_change).toBeLessThan(-0.1);
    expect(e.alerts.some((a) => a.family === 'claude-3-5-haiku' && a.causes.includes('version_change'))).toBe(true);
    const v = weekly.versions!;
    if (!v.available) throw new Error('versions not available');
    expect(v.changes.map((c) => c.to)).toContain('claude-3-5-haiku-20250317');
    expect(weekly.findings!.map((f) => f.id)).toContain('version_change');
    // Deviation and dilution by week reach back over the trend weeks, not only the window's one week.
    const d = weekly.deviation!;
    const c = weekly.cache!;
    if (!d.available || !c.available) throw new Error('deviation or cache not available');
    expect(d.by_week.map((w) => w.week)).toEqual(e.weeks.map((w) => w.week));
    expect(c.by_week.map((w) => w.week)).toEqual(e.weeks.map((w) => w.week));
  });

  it('draws the same figures in the table', async () => {
    const run = await runCli(['report', ...DEMO.filter((a) => a !== '--format' && a !== 'json')]);
    const text = run.stdout;
    const drop = weekly.headline!.tokens_per_dollar.worst!;
    const shown = `−${(Math.abs(drop.change) * 100).toFixed(1)}%`;
    const section = text.slice(text.indexOf('Tokens per dollar'), text.indexOf('Model versions'));
    expect(section).toContain(shown);
    expect(section).toContain('version change');
    const versions = text.slice(text.indexOf('Model versions'), text.indexOf('Spend vs traffic'));
    expect(versions).toContain('claude-3-5-haiku-20241022 → claude-3-5-haiku-20250317');
    expect(versions).not.toContain('no new version');
  });

  it('on a week before the version change', async () => {
    const r = await reportOf([...DEMO, '--week', '2025-W11']);
    expectOneStory(r);
    expect(r.versions!.available && r.versions!.changes).toEqual([]);
    expect((r.findings ?? []).map((f) => f.id)).not.toContain('version_change');
  });

  it('on a window that starts mid-week (--last 10d)', async () => {
    expectOneStory(await reportOf([...DEMO, '--last', '10d']));
  });

  it('on the whole data (--all)', async () => {
    expectOneStory(await reportOf([...DEMO, '--all']));
  });

  it('on a healthy router', async () => {
    const r = await reportOf([join(healthyDir, 'logs'), '--config', join(healthyDir, 'routecheck.config.json'), '--quiet', '--format', 'json']);
    expectOneStory(r);
    expect(r.headline!.status).not.toBe('fail');
  });
});
