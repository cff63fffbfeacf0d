import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeLabel, renderPrometheus } from '../src/render/prometheus.js';
import { reportMetrics } from '../src/sections/metrics.js';
import { demoRecords, inRange, tokensPerDollar, type DemoRec } from './demo-records.js';
import { runCli } from './run-cli.js';
import { demoDb } from './demo-report.js';

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the text exposition format, line by line: `# HELP name text`, `# TYPE name gauge`, then the
 * samples of that metric, `name{label="value",…} number`. Throws on anything else.
 */
function parseExposition(text: string): { series: Series[]; help: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)\\})? (\\S+)$`);
  const help = new Map<string, string>();
  const typed = new Set<string>();
  const series: Series[] = [];
  const seen = new Set<string>();
  let current: string | null = null;
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${line}`;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) (.+)$`).exec(line))) {
      expect(help.has(m[1]!), `${where}: HELP twice`).toBe(false);
      help.set(m[1]!, m[2]!);
      current = m[1]!;
    } else if ((m = new RegExp(`^# TYPE (${NAME}) (gauge|counter|untyped)$`).exec(line))) {
      expect(m[1], `${where}: TYPE not right after its HELP`).toBe(current);
      typed.add(m[1]!);
    } else if ((m = sample.exec(line))) {
      expect(m[1], `${where}: sample outside its metric's group`).toBe(current);
      expect(typed.has(m[1]!), `${where}: sample before TYPE`).toBe(true);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      const value = Number(m[3]);
      expect(Number.isNaN(value), `${where}: value`).toBe(false);
      const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`;
      expect(seen.has(key), `${where}: duplicate series`).toBe(false);
      seen.add(key);
      series.push({ name: m[1]!, labels, value });
    } else {
      throw new Error(`${where}: not exposition format`);
    }
  }
  return { series, help };
}

const get = (s: Series[], name: string, labels: Record<string, string> = {}): number | undefined =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v) && Object.keys(x.labels).length === Object.keys(labels).length)?.value;

describe('--format prometheus on the demo data', () => {
  let series: Series[];
  let help: Map<string, string>;
  let w12: DemoRec[];
  let w11: DemoRec[];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-prom-'));
    const file = join(dir, 'routecheck.prom');
    // --out with .prom picks the format.
    const r = await runCli(['report', '--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--quiet', '--out', file]);
    expect(r.code).toBe(0);
    ({ series, help } = parseExposition(readFileSync(file, 'utf8')));
    const recs = demoRecords();
    w12 = inRange(recs, '2025-03-17', '2025-03-24');
    w11 = inRange(recs, '2025-03-10', '2025-03-17');
  });

  it('parses line by line, every metric with HELP and TYPE', () => {
    expect(series.length).toBeGreaterThan(30);
    for (const s of series) expect(s.name.startsWith('routecheck_')).toBe(true);
    for (const name of new Set(series.map((s) => s.name))) expect(help.get(name)!.length).toBeGreaterThan(10);
  });

  it('exposes the window, the deviation rate and the unpriced share as the records give them', () => {
    expect(get(series, 'routecheck_window_start_seconds')).toBe(Date.parse('2025-03-17T00:00:00Z') / 1000);
    expect(get(series, 'routecheck_window_end_seconds')).toBe(Date.parse('2025-03-24T00:00:00Z') / 1000);
    expect(get(series, 'routecheck_requests', { window: 'current' })).toBe(w12.length);
    expect(get(series, 'routecheck_requests', { window: 'previous' })).toBe(w11.length);
    const tier = (m?: string) => (!m ? null : m.startsWith('gpt-4o-mini') ? 0 : m.startsWith('claude-3-5-haiku') ? 1 : m.startsWith('gpt-4o-2024') ? 2 : null);
    const evaluated = w12.filter((r) => tier(r.model) !== null && tier(r.ideal) !== null);
    expect(get(series, 'routecheck_deviation_rate')).toBeCloseTo(evaluated.filter((r) => tier(r.model) !== tier(r.ideal)).length / evaluated.length, 12);
    expect(get(series, 'routecheck_deviation_rate_ci95', { bound: 'lower' })).toBeLessThan(get(series, 'routecheck_deviation_rate')!);
    const unpriced = w12.filter((r) => r.cost_usd === undefined).length;
    expect(get(series, 'routecheck_unpriced_share')).toBeCloseTo(unpriced / w12.length, 12);
    expect(get(series, 'routecheck_unpriced_requests')).toBe(unpriced);
  });

  it('exposes tokens per dollar by family, and the version bump as a change', () => {
    const fam = (rs: DemoRec[], f: string) => rs.filter((r) => r.model?.startsWith(f) && !(f === 'gpt-4o' && r.model.startsWith('gpt-4o-mini')));
    for (const f of ['claude-3-5-haiku', 'gpt-4o-mini', 'gpt-4o']) {
      expect(get(series, 'routecheck_tokens_per_dollar', { family: f })).toBeCloseTo(tokensPerDollar(fam(w12, f)), 6);
    }
    // The self-hosted model has no price: no series, rather than a 0.
    expect(series.filter((s) => s.name === 'routecheck_tokens_per_dollar').map((s) => s.labels.family).sort()).toEqual(['claude-3-5-haiku', 'gpt-4o', 'gpt-4o-mini']);
    const change = tokensPerDollar(fam(w12, 'claude-3-5-haiku')) / tokensPerDollar(fam(w11, 'claude-3-5-haiku')) - 1;
    expect(get(series, 'routecheck_tokens_per_dollar_change', { family: 'claude-3-5-haiku' })).toBeCloseTo(change, 9);
  });

  it("exposes the router's net cost and its savings against each policy with no router", () => {
    // The demo's W12 routed records (every record on a tier's model) and one $0.003 classifier call each.
    const routed = w12.filter((r) => /^(gpt-4o-mini|claude-3-5-haiku|gpt-4o-2024)/.test(r.model ?? ''));
    const net = routed.reduce((s, r) => s + (r.cost_usd ?? 0), 0) + routed.length * 0.003;
    expect(get(series, 'routecheck_router_net_cost_usd')).toBeCloseTo(net, 9);
    const hard = get(series, 'routecheck_router_savings_usd', { policy: 'all_hard' })!;
    // Against gpt-4o for every first call the router loses money: its classifier calls cost more than it saves.
    expect(hard).toBeLessThan(0);
    expect(series.filter((s) => s.name === 'routecheck_router_savings_usd').map((s) => s.labels.policy)).toEqual(['all_simple', 'all_medium', 'all_hard', 'ideal']);
  });

  it('exposes dilution and each gate as a state set', () => {
    expect(get(series, 'routecheck_cache_dilution')).toBeGreaterThan(1.2);
    expect(get(series, 'routecheck_cache_key_includes_model')).toBe(1);
    for (const gate of ['deviation', 'dilution', 'tpd_drop', 'unpriced']) {
      const states = series.filter((s) => s.name === 'routecheck_gate_status' && s.labels.gate === gate);
      expect(states.map((s) => s.labels.status).sort()).toEqual(['fail', 'pass', 'unknown', 'warn']);
      expect(states.filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual(['fail']);
    }
    expect(get(series, 'routecheck_gate_threshold', { gate: 'dilution' })).toBe(1.2);
    expect(get(series, 'routecheck_status', { status: 'fail' })).toBe(1);
  });
});

describe('prometheus rendering (pure)', () => {
  it('leaves unknown values out and escapes label values', () => {
    const text = renderPrometheus(
      reportMetrics({
        window: { from: null, to: null },
        requests: { total: 0 },
        rejects: { total: 0 },
        gates: [{ name: 'deviation', value: null, threshold: 0.05, status: 'unknown', interval: null, detail: '' }],
        findings: [],
      } as any),
    );
    const { series } = parseExposition(text);
    expect(series.find((s) => s.name === 'routecheck_gate_value')).toBeUndefined();
    expect(get(series, 'routecheck_gate_status', { gate: 'deviation', status: 'unknown' })).toBe(1);
    expect(series.find((s) => s.name === 'routecheck_window_start_seconds')).toBeUndefined();
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });
});
