import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../src/render/check.js';
import { annotationData as escapeData, annotationProperty as escapeProperty } from '../src/render/escape.js';
import { checkView, type CheckResult } from '../src/sections/check.js';
import { runCli } from './run-cli.js';
import { demoDb } from './demo-report.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-check-'));
/** The demo logs, loaded once per test run (a fresh copy of the database each call). */
const demo = async () => ['--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--quiet'];

describe('check on the demo data', () => {
  it('fails every gate: exit 1, a line per gate, ::error annotations, JUnit and JSON', async () => {
    const dir = tmp();
    const junit = join(dir, 'out', 'gates.xml');
    const json = join(dir, 'gates.json');
    const r = await runCli(['check', ...(await demo()), '--junit', junit, '--format', 'json', '--out', json], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);

    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.window_label).toBe('2025-W12');
    expect(result.previous_window).toEqual({ from: '2025-03-10T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' });
    expect(result.gates.map((g: any) => [g.name, g.status])).toEqual([
      ['deviation', 'fail'], ['dilution', 'fail'], ['tpd_drop', 'fail'], ['unpriced', 'fail'],
    ]);
    expect(result.failed).toBe(true);

    // With --out, stdout holds only the workflow commands: one ::error per failed gate.
    const annotations = r.stdout.trim().split('\n');
    expect(annotations).toHaveLength(4);
    expect(annotations[0]).toMatch(/^::error title=routecheck deviation::routing deviation 30\.\d%25 \(.*\) is over 5\.0%25: /);
    expect(annotations[2]).toMatch(/^::error title=routecheck tpd_drop::tokens-per-dollar drop .* claude-3-5-haiku fell/);

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('<testsuites name="routecheck" tests="4" failures="4" errors="0" skipped="0">');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure type="fail" message="[^"<>]+"\/>/g)).toHaveLength(4);
  });

  it('prints a short summary per gate and no annotations outside GitHub Actions', async () => {
    const r = await runCli(['check', ...(await demo())]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^routecheck check: FAIL, 2025-W12, [\d,]+ requests$/);
    expect(lines.filter((l) => /^FAIL +(routing deviation|cache dilution|tokens-per-dollar drop|unpriced requests) /.test(l))).toHaveLength(4);
    expect(r.stdout).not.toContain('::error');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('passes with thresholds from the flags, or from the config', async () => {
    const flags = await runCli(['check', ...(await demo()), '--max-deviation', '0.4', '--max-dilution', '2', '--max-tpd-drop', '0.2', '--max-unpriced', '0.02']);
    expect(flags.code).toBe(0);
    expect(flags.stdout).toMatch(/^routecheck check: PASS/);

    const dir = tmp();
    const config = JSON.parse(readFileSync('fixtures/demo/routecheck.config.json', 'utf8'));
    config.prices = resolve('fixtures/demo/prices.csv');
    config.gates = { max_deviation: 0.4, max_dilution: null, max_tpd_drop: 0.2, max_unpriced: 0.02 };
    writeFileSync(join(dir, 'rc.json'), JSON.stringify(config));
    const fromConfig = await runCli(['check', '--db', await demoDb(), '--config', join(dir, 'rc.json'), '--quiet', '--format', 'json']);
    expect(fromConfig.code).toBe(0);
    const gates = JSON.parse(fromConfig.stdout).gates;
    // null turns the dilution gate off.
    expect(gates.map((g: any) => [g.name, g.threshold, g.status])).toEqual([['deviation', 0.4, 'pass'], ['tpd_drop', 0.2, 'pass'], ['unpriced', 0.02, 'pass']]);
  });
});

describe('check on a healthy generated log', () => {
  it('passes: exit 0', async () => {
    const dir = tmp();
    const made = await runCli(['demo', '--out', dir, '--healthy', '--days', '14', '--quiet']);
    expect(made.code).toBe(0);
    // As generated: the healthy demo's price file prices its self-hosted batch model.
    const r = await runCli(['check', join(dir, 'logs'), '--config', join(dir, 'routecheck.config.json'), '--quiet', '--format', 'json'], { env: { GITHUB_ACTIONS: 'true' } });
    const result = JSON.parse(r.stdout);
    expect(result.gates.map((g: any) => [g.name, g.status])).toEqual([
      ['deviation', 'pass'], ['dilution', 'pass'], ['tpd_drop', 'pass'], ['unpriced', 'pass'],
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('::');
  });
});

describe('--gate-on and --strict on a small labelled sample', () => {
  // One complete week (Monday to Sunday), 20 labelled requests, 2 of them routed to the dear tier by mistake:
  // a 10% point estimate whose 95% interval reaches well under 5%.
  const dir = tmp();
  const log = join(dir, 'logs.jsonl');
  const recs = Array.from({ length: 20 }, (_, i) => ({
    ts: `2025-03-${String(17 + (i % 7)).padStart(2, '0')}T10:${String(i).padStart(2, '0')}:00Z`,
    request_id: `r${i}`,
    input: `question ${i}`,
    model: i < 2 ? 'big-1' : 'small-1',
    ideal: 'small-1',
    input_tokens: 10,
    output_tokens: 10,
    cost_usd: i < 2 ? 0.001 : 0.0001,
  }));
  writeFileSync(log, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const config = join(dir, 'rc.json');
  writeFileSync(config, JSON.stringify({ tiers: [{ name: 'simple', models: ['small-*'] }, { name: 'hard', models: ['big-*'] }] }));
  const only = ['--config', config, '--quiet', '--format', 'json', '--max-dilution', 'off', '--max-tpd-drop', 'off', '--max-unpriced', 'off'];

  it('fails on the point estimate, warns on the interval', async () => {
    const point = await runCli(['check', log, ...only]);
    expect(point.code).toBe(1);
    const g = JSON.parse(point.stdout).gates[0];
    expect(g).toMatchObject({ name: 'deviation', value: 0.1, status: 'fail' });
    expect(g.interval[0]).toBeLessThan(0.05);

    const upper = await runCli(['check', log, ...only, '--gate-on', 'upper']);
    expect(upper.code).toBe(0);
    expect(JSON.parse(upper.stdout).gates[0].status).toBe('warn');
  });

  it('lets an unknown gate pass unless --strict', async () => {
    // The same log without its labels: deviation is unknown.
    const unlabelled = join(dir, 'unlabelled.jsonl');
    writeFileSync(unlabelled, recs.map(({ ideal: _, ...r }) => JSON.stringify(r)).join('\n') + '\n');
    const lax = await runCli(['check', unlabelled, ...only]);
    expect(lax.code).toBe(0);
    expect(JSON.parse(lax.stdout).gates[0].status).toBe('unknown');
    const strict = await runCli(['check', unlabelled, ...only, '--strict']);
    expect(strict.code).toBe(1);
  });
});

describe('usage and input errors: exit 2, one line', () => {
  const dir = tmp();
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const cases: [string, string[], RegExp][] = [
    ['a missing file', ['check', 'no/such/file.jsonl'], /cannot read no\/such\/file\.jsonl/],
    ['no inputs', ['check'], /check needs log files/],
    ['a bad threshold', ['check', 'fixtures/formats/native.jsonl', '--max-deviation', 'lots'], /--max-deviation "lots" must be a number/],
    ['a bad --gate-on', ['check', 'fixtures/formats/native.jsonl', '--gate-on', 'sideways'], /--gate-on must be "point" or "upper"/],
    ['a bad gates config', ['check', 'fixtures/formats/native.jsonl', '--config', writeConfig({ gates: { max_dilution: 'high' } })], /"gates\.max_dilution" must be a number/],
    ['no requests in the window', ['check', empty, '--quiet'], /no requests in the window/],
    ['a week with no requests', ['check', 'fixtures/formats/native.jsonl', '--week', '2024-W01', '--quiet'], /no requests in the window/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  function writeConfig(raw: Record<string, unknown>): string {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  }
});

describe('output helpers (pure)', () => {
  it('escapes workflow-command data and properties', () => {
    expect(escapeData('50% off\nnext')).toBe('50%25 off%0Anext');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('writes unknown gates as skipped, or failed with --strict, and escapes XML', () => {
    const result: CheckResult = {
      window: { from: '2025-03-17T00:00:00.000Z', to: '2025-03-24T00:00:00.000Z' },
      window_label: '2025-W12',
      requests: 10,
      status: 'unknown',
      failed: false,
      gates: [
        { name: 'deviation', value: null, threshold: 0.05, status: 'unknown', interval: null, detail: 'no "ideal" <labels> & no replay' },
        { name: 'unpriced', value: 0, threshold: 0, status: 'pass', interval: null, detail: 'all priced' },
      ],
    };
    const view = checkView(result, result);
    const lax = renderJunit(view, false);
    expect(lax).toContain('<skipped message="no &quot;ideal&quot; &lt;labels&gt; &amp; no replay"/>');
    expect(lax).toContain('failures="0" errors="0" skipped="1"');
    const strict = renderJunit(view, true);
    expect(strict).toContain('<failure type="unknown" message="no &quot;ideal&quot;');
    expect(strict).toContain('failures="1" errors="0" skipped="0"');
  });
});
