import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { starterConfig } from '../src/routing/init.js';
import { demoConfig, DEFAULT_DEMO_OPTIONS } from '../src/demo/generate.js';
import { UsageError } from '../src/errors.js';
import {
  applyRoutingFlags,
  globRegExp,
  inferTiers,
  normalizeRoutingPolicy,
  parseWindow,
  tierOfLabel,
  tierOfModel,
} from '../src/routing/policy.js';
import { runCli } from './run-cli.js';

/** The shape issue 5 says must load. */
const ISSUE_SHAPE = {
  tiers: [
    { name: 'simple', models: ['gpt-3.5-turbo*'], below_score: 0.8 },
    { name: 'medium', models: ['claude-3-haiku*'], below_score: 0.92 },
    { name: 'hard', models: ['gpt-4o*'] },
  ],
  trivial: { max_chars: 10, tier: 'simple' },
  classifier: { cost_per_call_usd: 0.003 },
};

/** The demo's earlier config: tiers as an object in order, exact models, thresholds naming where a tier starts. */
const OBJECT_SHAPE = {
  tiers: {
    simple: { route: 'simple_complexity', model: 'gpt-4o-mini-2024-07-18' },
    medium: { route: 'medium_complexity', model: 'claude-3-5-haiku-20241022' },
    hard: { route: 'hard_complexity', model: 'gpt-4o-2024-08-06' },
  },
  classifier: { thresholds: { medium: 0.8, hard: 0.92 } },
  trivial: { max_chars: 9 },
};

const tierName = (t: { name: string } | null): string | null => t?.name ?? null;

describe('normalizeRoutingPolicy: shapes that load', () => {
  it("loads the issue's shape: ordered tiers, thresholds, trivial rule, classifier price", () => {
    const p = normalizeRoutingPolicy(ISSUE_SHAPE, 'rc.json');
    expect(p.tiers.map((t) => [t.name, t.rank, t.models, t.belowScore])).toEqual([
      ['simple', 0, ['gpt-3.5-turbo*'], 0.8],
      ['medium', 1, ['claude-3-haiku*'], 0.92],
      ['hard', 2, ['gpt-4o*'], null],
    ]);
    expect(p.tiersSource).toBe('config');
    expect(p.classifier).toEqual({ costPerCallUsd: 0.003, costSource: 'config', thresholds: [0.8, 0.92] });
    expect(p.trivial).toEqual({ maxChars: 10, tier: 'simple', configured: true });
    expect(p.retries.windowMs).toBe(10 * 60_000);
    expect(p.jitter.band).toBe(0.03);
  });

  it('loads the config the demo generator writes', () => {
    const p = normalizeRoutingPolicy(demoConfig(DEFAULT_DEMO_OPTIONS), 'demo.json');
    expect(p.tiers.map((t) => t.name)).toEqual(['simple', 'medium', 'hard']);
    expect(p.classifier.thresholds).toEqual([0.8, 0.92]);
    expect(p.retries.windowMs).toBe(600_000);
  });

  it('loads the demo fixture config', () => {
    const raw = JSON.parse(readFileSync('fixtures/demo/routecheck.config.json', 'utf8')) as Record<string, unknown>;
    const p = normalizeRoutingPolicy(raw, 'fixtures/demo/routecheck.config.json');
    expect(p.tiers.map((t) => t.name)).toEqual(['simple', 'medium', 'hard']);
    expect(p.classifier.thresholds).toEqual([0.8, 0.92]);
  });

  it('loads the object form with exact models, routes and classifier.thresholds', () => {
    const p = normalizeRoutingPolicy(OBJECT_SHAPE, 'old.json');
    expect(p.tiers.map((t) => [t.name, t.route, t.models])).toEqual([
      ['simple', 'simple_complexity', ['gpt-4o-mini-2024-07-18']],
      ['medium', 'medium_complexity', ['claude-3-5-haiku-20241022']],
      ['hard', 'hard_complexity', ['gpt-4o-2024-08-06']],
    ]);
    // {"medium": 0.8, "hard": 0.92}: the score from which each tier is used.
    expect(p.tiers.map((t) => t.belowScore)).toEqual([0.8, 0.92, null]);
    expect(p.trivial.maxChars).toBe(9);
    expect(p.trivial.tier).toBe('simple');
  });

  it('has defaults for everything: no tiers, the post-mortem’s $0.003 (marked as a default), 10 chars, 10 min, ±0.03', () => {
    const p = normalizeRoutingPolicy({}, undefined);
    expect(p.tiers).toEqual([]);
    expect(p.tiersSource).toBe('none');
    expect(p.classifier).toEqual({ costPerCallUsd: 0.003, costSource: 'default', thresholds: [] });
    expect(p.trivial).toEqual({ maxChars: 10, tier: null, configured: false });
    expect(p.file).toBe('config');
  });

  it('takes thresholds as a list in tier order', () => {
    const p = normalizeRoutingPolicy({ tiers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], classifier: { thresholds: [0.3, 0.6] } }, 'f');
    expect(p.tiers.map((t) => t.belowScore)).toEqual([0.3, 0.6, null]);
    expect(p.trivial.tier).toBe('a');
  });
});

describe('normalizeRoutingPolicy: errors name the file and the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['tiers of the wrong type', { tiers: 'simple,hard' }, /^rc\.json: "tiers" must be an array/],
    ['a tier without a name', { tiers: [{ name: 'a' }, { models: ['x'] }] }, /"tiers\[1\]\.name" must be a non-empty string/],
    ['models that are not strings', { tiers: [{ name: 'a', models: [1] }] }, /"tiers\[0\]\.models" must be an array of model names/],
    ['a repeated tier name', { tiers: [{ name: 'a' }, { name: 'A' }] }, /"tiers\[1\]" repeats the tier name "A"/],
    ['a score that is not a number', { tiers: [{ name: 'a', below_score: '0.8' }, { name: 'b' }] }, /"tiers\[0\]\.below_score" must be a number/],
    ['falling thresholds', { tiers: [{ name: 'a', below_score: 0.9 }, { name: 'b', below_score: 0.5 }, { name: 'c' }] }, /"tiers" score thresholds must rise/],
    ['a threshold on the last tier', { tiers: [{ name: 'a', below_score: 0.5 }, { name: 'b', below_score: 0.9 }] }, /"tiers\[1\]\.below_score" must be left out on the most expensive tier/],
    ['an unknown trivial tier', { tiers: [{ name: 'a' }], trivial: { tier: 'b' } }, /"trivial\.tier" "b" is not one of the tiers \(a\)/],
    ['a negative max_chars', { trivial: { max_chars: -1 } }, /"trivial\.max_chars" must be a whole number ≥ 0/],
    ['a fractional max_chars', { trivial: { max_chars: 2.5 } }, /"trivial\.max_chars" must be a whole number ≥ 0/],
    ['a negative classifier price', { classifier: { cost_per_call_usd: -1 } }, /"classifier\.cost_per_call_usd" must be a number ≥ 0/],
    ['a threshold for an unknown tier', { tiers: [{ name: 'a' }, { name: 'b' }], classifier: { thresholds: { c: 0.5 } } }, /"classifier\.thresholds\.c" is not one of the tiers/],
    ['a threshold on the cheapest tier', { tiers: [{ name: 'a' }, { name: 'b' }], classifier: { thresholds: { a: 0.5 } } }, /"classifier\.thresholds\.a" cannot be set on the cheapest tier/],
    ['a retry window of 0', { retries: { window_minutes: 0 } }, /"retries\.window_minutes" must be a number above 0/],
    ['a jitter band above 0.5', { classifier: { jitter_band: 0.7 } }, /"classifier\.jitter_band" must be a number above 0 and at most 0\.5/],
  ];
  it.each(cases)('%s', (_name, raw, message) => {
    expect(() => normalizeRoutingPolicy(raw, 'rc.json')).toThrow(UsageError);
    expect(() => normalizeRoutingPolicy(raw, 'rc.json')).toThrow(message);
  });
});

it('takes "max_chars": 0 as no trivial rule (what calibrate writes when the rule does not pay)', () => {
  expect(normalizeRoutingPolicy({ tiers: [{ name: 'a' }, { name: 'b' }], trivial: { max_chars: 0 } }, 'rc.json').trivial).toEqual({ maxChars: 0, tier: 'a', configured: true });
});

describe('tier of a model', () => {
  const issue = normalizeRoutingPolicy(ISSUE_SHAPE, 'f');
  const demo = normalizeRoutingPolicy(demoConfig(DEFAULT_DEMO_OPTIONS), 'f');
  const exact = normalizeRoutingPolicy(OBJECT_SHAPE, 'f');

  it('maps by pattern, first tier in order, case-insensitive', () => {
    expect(tierName(tierOfModel(issue, 'gpt-3.5-turbo-0125'))).toBe('simple');
    expect(tierName(tierOfModel(issue, 'claude-3-haiku-20240317'))).toBe('medium');
    expect(tierName(tierOfModel(issue, 'gpt-4o-2024-08-06'))).toBe('hard');
    expect(tierName(tierOfModel(issue, 'GPT-4o-2024-08-06'))).toBe('hard');
    // gpt-4o* also matches the mini model; with the demo's order the mini tier comes first.
    expect(tierName(tierOfModel(issue, 'gpt-4o-mini-2024-07-18'))).toBe('hard');
    expect(tierName(tierOfModel(demo, 'gpt-4o-mini-2024-07-18'))).toBe('simple');
    expect(tierName(tierOfModel(demo, 'gpt-4o-2024-11-20'))).toBe('hard');
  });

  it('maps a new dated version of an exact model to its tier (family), and strips gateway prefixes', () => {
    expect(tierName(tierOfModel(exact, 'claude-3-5-haiku-20241022'))).toBe('medium');
    expect(tierName(tierOfModel(exact, 'claude-3-5-haiku-20250317'))).toBe('medium');
    expect(tierName(tierOfModel(exact, 'anthropic/claude-3-5-haiku-20250317'))).toBe('medium');
    expect(tierName(tierOfModel(exact, 'openai/gpt-4o-2024-08-06'))).toBe('hard');
    expect(tierName(tierOfModel(exact, 'gpt-4o-mini'))).toBe('simple');
  });

  it('prefers an exact name in any tier over a pattern in an earlier tier', () => {
    const p = normalizeRoutingPolicy({ tiers: [{ name: 'cheap', models: ['gpt-4o*'] }, { name: 'dear', models: ['gpt-4o-2024-08-06'] }] }, 'f');
    expect(tierName(tierOfModel(p, 'gpt-4o-2024-08-06'))).toBe('dear');
    expect(tierName(tierOfModel(p, 'gpt-4o-mini'))).toBe('cheap');
  });

  it('returns null for models no tier claims', () => {
    expect(tierOfModel(demo, 'acme-llama-3-70b-internal')).toBeNull();
    expect(tierOfModel(demo, '')).toBeNull();
    expect(tierOfModel(demo, null)).toBeNull();
  });

  it('treats only * as special in patterns', () => {
    expect(globRegExp('gpt-3.5*').test('gpt-3.5-turbo')).toBe(true);
    expect(globRegExp('gpt-3.5*').test('gpt-3x5-turbo')).toBe(false);
    expect(globRegExp('a*b').test('a-anything-b')).toBe(true);
    expect(globRegExp('a*b').test('a-b-c')).toBe(false);
  });
});

describe('tier of a label', () => {
  const p = normalizeRoutingPolicy(
    { tiers: [{ name: 'small', models: ['gpt-4o-mini*'] }, { name: 'small-plus', models: ['claude-3-5-haiku*'], route: 'mid_route' }, { name: 'hard', models: ['gpt-4o-2024-*'] }] },
    'f',
  );
  it('reads tier names, configured routes, models and router labels', () => {
    expect(tierName(tierOfLabel(p, 'small'))).toBe('small');
    expect(tierName(tierOfLabel(p, 'HARD'))).toBe('hard');
    expect(tierName(tierOfLabel(p, 'mid_route'))).toBe('small-plus');
    expect(tierName(tierOfLabel(p, 'gpt-4o-mini-2024-07-18'))).toBe('small');
    expect(tierName(tierOfLabel(p, 'claude-3-5-haiku-20250317'))).toBe('small-plus');
    expect(tierName(tierOfLabel(p, 'hard_complexity'))).toBe('hard');
    expect(tierName(tierOfLabel(p, 'hard-tier'))).toBe('hard');
    // The longest tier name that prefixes the label wins.
    expect(tierName(tierOfLabel(p, 'small-plus_complexity'))).toBe('small-plus');
    expect(tierName(tierOfLabel(p, 'small_complexity'))).toBe('small');
  });
  it('needs a separator after the tier name, and null for the rest', () => {
    expect(tierOfLabel(p, 'hardest')).toBeNull();
    expect(tierOfLabel(p, 'medium_complexity')).toBeNull();
    expect(tierOfLabel(p, '  ')).toBeNull();
  });
});

describe('routing flags', () => {
  const base = normalizeRoutingPolicy(ISSUE_SHAPE, 'f');
  it('reads --labels, --retry-window and --jitter-band over the config', () => {
    const p = applyRoutingFlags(base, { labels: 'l.csv', retryWindow: '90s', jitterBand: '0.05' });
    expect(p.labels).toBe('l.csv');
    expect(p.retries.windowMs).toBe(90_000);
    expect(p.jitter.band).toBe(0.05);
    expect(applyRoutingFlags(base, {}).labels).toBeNull();
    expect(applyRoutingFlags(base, {}).retries.windowMs).toBe(600_000);
  });
  it('parses durations: s, m, h, bare minutes', () => {
    expect(parseWindow('10m', 'x')).toBe(600_000);
    expect(parseWindow('1h', 'x')).toBe(3_600_000);
    expect(parseWindow('2.5', 'x')).toBe(150_000);
  });
  it('names the flag in errors', () => {
    expect(() => applyRoutingFlags(base, { retryWindow: 'soon' })).toThrow(/--retry-window "soon" must be a duration/);
    expect(() => applyRoutingFlags(base, { retryWindow: '0m' })).toThrow(/--retry-window/);
    expect(() => applyRoutingFlags(base, { jitterBand: 'wide' })).toThrow(/--jitter-band "wide"/);
    expect(() => applyRoutingFlags(base, { jitterBand: '0.9' })).toThrow(/--jitter-band "0.9"/);
    expect(() => applyRoutingFlags(base, { labels: '' })).toThrow(/--labels needs a file/);
  });
});

describe('tiers inferred from the log', () => {
  it('orders families by cost per token, merging dated versions and leaving unpriced models out', () => {
    const tiers = inferTiers([
      { model: 'gpt-4o-2024-08-06', requests: 100, usdPerToken: 6e-6 },
      { model: 'claude-3-5-haiku-20241022', requests: 300, usdPerToken: 2e-6 },
      { model: 'claude-3-5-haiku-20250317', requests: 100, usdPerToken: 2.4e-6 },
      { model: 'gpt-4o-mini-2024-07-18', requests: 400, usdPerToken: 4e-7 },
      { model: 'acme-llama', requests: 50, usdPerToken: null },
    ]);
    expect(tiers.map((t) => [t.name, t.rank, t.models])).toEqual([
      ['gpt-4o-mini', 0, ['gpt-4o-mini']],
      ['claude-3-5-haiku', 1, ['claude-3-5-haiku']],
      ['gpt-4o', 2, ['gpt-4o']],
    ]);
    expect(tierName(tierOfModel({ tiers }, 'claude-3-5-haiku-20250317'))).toBe('claude-3-5-haiku');
    // Three inferred tiers also answer to the usual words, so labels and classifier answers map.
    expect(tierName(tierOfLabel({ tiers }, 'medium_complexity'))).toBe('claude-3-5-haiku');
    expect(tierName(tierOfLabel({ tiers }, 'simple'))).toBe('gpt-4o-mini');
  });
  it('leaves out families below the minimum share of traffic', () => {
    expect(inferTiers([{ model: 'a-model', requests: 1000, usdPerToken: 1e-6 }, { model: 'b-model', requests: 5, usdPerToken: 9e-6 }]).map((t) => t.name)).toEqual(['a-model']);
  });
});

describe('routecheck init', () => {
  it('writes tiers by logged price, thresholds in the score gaps and the dominant route (pure)', () => {
    const config = starterConfig([
      { model: 'gpt-4o-2024-08-06', requests: 100, usdPerToken: 6e-6, minScore: 0.93, maxScore: 0.99, routes: [{ route: 'hard_complexity', requests: 100 }] },
      { model: 'claude-3-5-haiku-20241022', requests: 300, usdPerToken: 2e-6, minScore: 0.81, maxScore: 0.9, routes: [{ route: 'medium_complexity', requests: 300 }] },
      { model: 'gpt-4o-mini-2024-07-18', requests: 400, usdPerToken: 4e-7, minScore: 0.1, maxScore: 0.79, routes: [{ route: 'simple_complexity', requests: 350 }, { route: 'other', requests: 50 }] },
    ]);
    expect(config['tiers']).toEqual([
      { name: 'simple', models: ['gpt-4o-mini'], below_score: 0.8 },
      { name: 'medium', models: ['claude-3-5-haiku'], route: 'medium_complexity', below_score: 0.915 },
      { name: 'hard', models: ['gpt-4o'], route: 'hard_complexity' },
    ]);
    expect(config['trivial']).toEqual({ max_chars: 10, tier: 'simple' });
    expect(normalizeRoutingPolicy(config, 'x').classifier.thresholds).toEqual([0.8, 0.915]);
  });

  it('writes a config the report loads, from the demo log, and never overwrites without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-init-'));
    const out = join(dir, 'routecheck.config.json');
    const first = await runCli(['init', 'fixtures/demo/logs/2025-W07.jsonl.gz', '--out', out]);
    expect(first.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(first.stderr).toMatch(/3 tiers by logged price, cheapest first/);
    const p = normalizeRoutingPolicy(JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>, out);
    expect(p.tiers.map((t) => t.name)).toEqual(['simple', 'medium', 'hard']);
    // The generator's router: simple < 0.80 ≤ medium < 0.92 ≤ hard (scores are in thousandths).
    expect(p.classifier.thresholds[0]).toBeCloseTo(0.8, 2);
    expect(p.classifier.thresholds[1]).toBeCloseTo(0.92, 2);
    expect(tierName(tierOfModel(p, 'gpt-4o-mini-2024-07-18'))).toBe('simple');
    expect(tierName(tierOfModel(p, 'claude-3-5-haiku-20250317'))).toBe('medium');
    expect(tierName(tierOfModel(p, 'gpt-4o-2024-08-06'))).toBe('hard');
    expect(tierOfModel(p, 'acme-llama-3-70b-internal')).toBeNull();

    const again = await runCli(['init', 'fixtures/demo/logs/2025-W07.jsonl.gz', '--out', out, '--quiet']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: choose another --out, or --force/);
    const stdout = await runCli(['init', 'fixtures/demo/logs/2025-W07.jsonl.gz', '--out', '-', '--quiet']);
    expect(stdout.code).toBe(0);
    expect(JSON.parse(stdout.stdout)).toEqual(JSON.parse(readFileSync(out, 'utf8')));
  });
});
