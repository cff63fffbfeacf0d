import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gridStep, normalizeCalibrationSettings, thresholdGrid, TRIVIAL_CHAR_OPTIONS, type Calibration } from '../src/analyses/calibration.js';
import { UsageError } from '../src/errors.js';
import { mulberry32 } from '../src/random.js';
import { normalizeRoutingPolicy } from '../src/routing/policy.js';
import { runCli } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-calibrate-'));

/**
 * A small router with a known best policy. Three tiers priced so that a request costs exactly 1, 4 or 16 dollars
 * (1M input tokens at $1, $4, $16 per M) and a classifier call 0.25: every sum is exact, so the SQL sweep and the
 * brute force below agree to the bit. Ideal simple prompts score 0.05–0.45, medium 0.55–0.75, hard 0.85–0.99, except
 * a few noisy ones that score in the next tier's range; greetings (under 12 characters) are ideal simple but score like medium (the brevity shortcut).
 * Every task prompt is 30 characters or longer. The router uses 0.5 / 0.8 and no trivial rule.
 */
const PRICES = { 'm-small': 1, 'm-mid': 4, 'm-big': 16 } as const;
const MODELS = ['m-small', 'm-mid', 'm-big'] as const;
const TIERS = ['simple', 'medium', 'hard'] as const;
const CALL = 0.25;

interface Rec {
  input: string;
  score: number;
  ideal: number;
  served: number;
}

function scenario(): Rec[] {
  const rand = mulberry32(7);
  const between = (lo: number, hi: number): number => Math.round((lo + (hi - lo) * rand()) * 1000) / 1000;
  const pad = (n: number): string => 'please help with this task '.repeat(4).slice(0, n);
  const recs: Rec[] = [];
  const route = (s: number): number => (s >= 0.8 ? 2 : s >= 0.5 ? 1 : 0);
  for (let i = 0; i < 400; i++) {
    const kind = i % 5;
    let input: string;
    let ideal: number;
    let score: number;
    if (kind === 0) {
      input = ['hi', 'thanks!', 'ok cool', 'bye now', 'hello there'][Math.floor(i / 5) % 5]!;
      ideal = 0;
      score = between(0.6, 0.7);
    } else {
      ideal = kind === 1 || kind === 2 ? 0 : kind === 3 ? 1 : 2;
      input = pad(30 + Math.floor(rand() * 60)) + ` #${i}`;
      score = ideal === 0 ? between(0.05, 0.45) : ideal === 1 ? between(0.55, 0.75) : between(0.85, 0.99);
      // One in twenty-five is noisy: a score in the next tier's range (no threshold can route it right).
      if (i % 25 === 7) score = [between(0.05, 0.45), between(0.55, 0.75), between(0.85, 0.99)][(ideal + 1) % 3]!;
    }
    recs.push({ input, score, ideal, served: route(score) });
  }
  return recs;
}

function writeScenario(dir: string, recs: Rec[]): { logs: string; config: string } {
  const logs = join(dir, 'logs.jsonl');
  const start = Date.parse('2025-03-17T00:00:00Z');
  writeFileSync(
    logs,
    recs
      .map((r, i) =>
        JSON.stringify({
          ts: new Date(start + i * 1_000_000).toISOString(),
          request_id: `r${i}`,
          input: r.input,
          model: MODELS[r.served],
          provider: 'acme',
          score: r.score,
          ideal: TIERS[r.ideal],
          input_tokens: 1_000_000,
          output_tokens: 0,
          cost_usd: PRICES[MODELS[r.served]!],
        }),
      )
      .join('\n') + '\n',
  );
  writeFileSync(join(dir, 'prices.csv'), 'model,provider,effective_from,input_per_mtok,output_per_mtok\n' + MODELS.map((m) => `${m},acme,,${PRICES[m]},0`).join('\n') + '\n');
  const config = join(dir, 'routecheck.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      tiers: [
        { name: 'simple', models: ['m-small'], below_score: 0.5 },
        { name: 'medium', models: ['m-mid'], below_score: 0.8 },
        { name: 'hard', models: ['m-big'] },
      ],
      trivial: { max_chars: 10, tier: 'simple' },
      classifier: { cost_per_call_usd: CALL },
      prices: 'prices.csv',
    }),
  );
  return { logs, config };
}

/** The sweep done by hand: every candidate, in the calibrate's order of choice. */
function bruteForce(recs: Rec[], maxDeviation: number | null) {
  const grid = thresholdGrid({ lo: 0, hi: 1 }, gridStep(3), [0.5, 0.8]);
  const options = [...new Set([...TRIVIAL_CHAR_OPTIONS, 0])].sort((a, b) => a - b);
  const cost = (tier: number): number => PRICES[MODELS[tier]!];
  const all: { t: [number, number]; c: number; err: number; cost: number; distance: number }[] = [];
  for (let a = 0; a < grid.length; a++) {
    for (let b = a + 1; b < grid.length; b++) {
      for (const c of options) {
        let err = 0;
        let total = 0;
        for (const r of recs) {
          const trivial = r.input.length < c;
          const tier = trivial ? 0 : Number(r.score >= grid[a]!) + Number(r.score >= grid[b]!);
          if (tier !== r.ideal) err++;
          total += cost(tier) + (trivial ? 0 : CALL);
        }
        all.push({ t: [grid[a]!, grid[b]!], c, err, cost: total, distance: Math.abs(grid[a]! - 0.5) + Math.abs(grid[b]! - 0.8) });
      }
    }
  }
  const n = recs.length;
  const within = (x: (typeof all)[number]): boolean => maxDeviation !== null && x.err <= maxDeviation * n;
  const sorted = [...all].sort((x, y) => {
    if (maxDeviation !== null && within(x) !== within(y)) return within(x) ? -1 : 1;
    if (maxDeviation !== null && within(x)) return x.cost - y.cost || x.err - y.err || x.distance - y.distance || x.c - y.c || x.t[0] - y.t[0] || x.t[1] - y.t[1];
    return x.err - y.err || x.cost - y.cost || x.distance - y.distance || x.c - y.c || x.t[0] - y.t[0] || x.t[1] - y.t[1];
  });
  // The frontier: each candidate no cheaper one beats on errors.
  const byCost = [...all].sort((x, y) => x.cost - y.cost || x.err - y.err);
  const frontier: { err: number; cost: number }[] = [];
  let best = Infinity;
  for (const x of byCost) {
    if (x.err < best) {
      frontier.push({ err: x.err, cost: x.cost });
      best = x.err;
    }
  }
  return { best: sorted[0]!, frontier, candidates: all.length };
}

describe('routecheck calibrate on a small router with a known optimum', () => {
  const recs = scenario();
  let dir: string;
  let files: { logs: string; config: string };
  let cal: Calibration;

  beforeAll(async () => {
    dir = tmp();
    files = writeScenario(dir, recs);
    const r = await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--format', 'json', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    cal = (JSON.parse(r.stdout) as { calibration: Calibration }).calibration;
  });

  it('chooses what an exhaustive sweep chooses', () => {
    const brute = bruteForce(recs, null);
    expect(cal.requests).toBe(recs.length);
    expect(cal.sweep.candidates).toBe(brute.candidates);
    expect(cal.recommended.thresholds).toEqual(brute.best.t);
    expect(cal.recommended.trivial_chars).toBe(brute.best.c);
    expect(cal.recommended.in_sample_deviation).toBe(brute.best.err / recs.length);
    // The known optimum: the thresholds in the gaps (the current ones, the nearest), a trivial rule that takes every
    // greeting (up to 11 characters) and no task prompt (30 or more): 15, 20, 25 and 30 cost the same, the smallest
    // wins; only the noisy prompts stay off their tier.
    const noisy = recs.filter((_, i) => i % 25 === 7 && i % 5 !== 0).length;
    expect(brute.best.t).toEqual([0.5, 0.8]);
    expect(brute.best.c).toBe(15);
    expect(brute.best.err).toBe(noisy);
  });

  it('reports the frontier of the exhaustive sweep, and the current policy as served', () => {
    const brute = bruteForce(recs, null);
    const days = (recs.length - 1) * 1_000_000 / 86_400_000;
    expect(cal.frontier.map((p) => Math.round(p.deviation * recs.length))).toEqual(brute.frontier.map((p) => p.err));
    cal.frontier.forEach((p, i) => expect(p.monthly_cost_usd).toBeCloseTo((brute.frontier[i]!.cost / days) * 30, 6));
    const served = recs.filter((r) => r.served !== r.ideal).length;
    expect(cal.current).toMatchObject({ thresholds: [0.5, 0.8], trivial_chars: 0, source: 'config', agreement: 1, trivial_configured: 10 });
    expect(cal.current.deviation).toBe(served / recs.length);
  });

  it('cross-validates the recommendation: its deviation is the pooled held-out one', () => {
    expect(cal.folds).toHaveLength(5);
    expect(cal.folds.reduce((s, f) => s + f.requests, 0)).toBe(recs.length);
    const held = cal.folds.reduce((s, f) => s + f.deviation * f.requests, 0) / recs.length;
    expect(cal.recommended.deviation).toBeCloseTo(held, 12);
    // Held-out is never better than the in-sample optimum on the same requests.
    expect(cal.recommended.deviation).toBeGreaterThanOrEqual(cal.recommended.in_sample_deviation);
    expect(cal.recommended.ci95[0]).toBeLessThanOrEqual(cal.recommended.deviation);
  });

  it('with --max-deviation recommends the cheapest policy within it', async () => {
    const r = await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--format', 'json', '--quiet', '--max-deviation', '0.3']);
    expect(r.code).toBe(0);
    const c = (JSON.parse(r.stdout) as { calibration: Calibration }).calibration;
    const brute = bruteForce(recs, 0.3);
    expect(c.recommended).toMatchObject({ rule: 'max_deviation', max_deviation: 0.3, within_max: true, thresholds: brute.best.t, trivial_chars: brute.best.c });
    expect(brute.best.err).toBeLessThanOrEqual(0.3 * recs.length);
    expect(brute.best.cost).toBeLessThan(bruteForce(recs, null).best.cost);
  });

  it('writes the recommended policy as a config that loads, with its paths still pointing at the same files', async () => {
    const out = join(tmp(), 'sub', 'calibrated.json');
    const r = await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--quiet', '--write-config', out]);
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    const policy = normalizeRoutingPolicy(written, out);
    expect(policy.classifier.thresholds).toEqual(cal.recommended.thresholds);
    expect(policy.trivial).toMatchObject({ maxChars: cal.recommended.trivial_chars, tier: 'simple' });
    expect(existsSync(join(out, '..', written.prices))).toBe(true);
    expect(written.classifier).toEqual({ cost_per_call_usd: CALL });
    // It does not overwrite a file unless told to.
    const again = await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--quiet', '--write-config', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect((await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--quiet', '--write-config', out, '--force'])).code).toBe(0);
  });

  it('draws the frontier in HTML and the tables in Markdown', async () => {
    const html = await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--quiet', '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('data-chart="calibration-frontier"');
    expect(html.stdout).toContain('<title id="chart-calibration-frontier-title">');
    const md = await runCli(['calibrate', files.logs, '--config', files.config, '--all', '--quiet', '--format', 'markdown']);
    expect(md.stdout).toMatch(/\| recommended \| 0\.5 \/ 0\.8 \| \\?< 15 chars \|/);
  });
});

describe('routecheck calibrate refuses what it cannot calibrate (exit 2)', () => {
  const write = (rows: Record<string, unknown>[]): string => {
    const file = join(tmp(), 'logs.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file;
  };
  const base = (i: number) => ({ ts: `2025-03-17T10:00:${String(i % 60).padStart(2, '0')}Z`, request_id: `q${i}`, input: `question number ${i}`, input_tokens: 10, output_tokens: 10 });
  const config = (): string => {
    const file = join(tmp(), 'rc.json');
    writeFileSync(file, JSON.stringify({ tiers: [{ name: 'simple', models: ['gpt-4o-mini'], below_score: 0.5 }, { name: 'hard', models: ['gpt-4o'] }] }));
    return file;
  };

  it('says so when no request logs a score', async () => {
    const logs = write(Array.from({ length: 30 }, (_, i) => ({ ...base(i), model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini', ideal: 'simple' })));
    const r = await runCli(['calibrate', logs, '--config', config(), '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no routed request in the window logs a router score \(30 routed requests\)/);
  });

  it('says so when no scored request has an ideal route, or too few do', async () => {
    const none = write(Array.from({ length: 30 }, (_, i) => ({ ...base(i), model: 'gpt-4o', score: 0.9 })));
    const r = await runCli(['calibrate', none, '--config', config(), '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no scored request has an ideal route: .*--labels FILE.*--classifier/);
    const few = write(Array.from({ length: 30 }, (_, i) => ({ ...base(i), model: 'gpt-4o', score: 0.9, ...(i < 3 ? { ideal: 'hard' } : {}) })));
    const f = await runCli(['calibrate', few, '--config', config(), '--all']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/only 3 scored requests have an ideal route: too few to calibrate/);
  });

  it('checks its flags before reading anything', async () => {
    expect((await runCli(['calibrate', '/no/such/file', '--max-deviation', '2'])).stderr).toMatch(/--max-deviation "2" must be a fraction between 0 and 1/);
    expect((await runCli(['calibrate', '/no/such/file', '--folds', '1'])).stderr).toMatch(/--folds "1" must be a whole number from 2 to 20/);
    expect((await runCli(['calibrate'])).stderr).toMatch(/calibrate needs log files/);
  });
});

describe('calibration settings and grid (pure)', () => {
  it('normalizes the flags', () => {
    expect(normalizeCalibrationSettings({})).toEqual({ maxDeviation: null, writeConfig: null, force: false, folds: 5 });
    expect(normalizeCalibrationSettings({ calibrateMaxDeviation: '0.1', folds: '10', writeConfig: 'x.json', force: true })).toEqual({
      maxDeviation: 0.1,
      writeConfig: 'x.json',
      force: true,
      folds: 10,
    });
    expect(() => normalizeCalibrationSettings({ calibrateMaxDeviation: 'ten' })).toThrow(UsageError);
  });

  it('tries every step over [0, 1] plus the current thresholds, or the scores\' own range', () => {
    const g = thresholdGrid({ lo: 0.1, hi: 0.9 }, 0.01, [0.805]);
    expect(g).toHaveLength(102);
    expect(g[0]).toBe(0);
    expect(g.at(-1)).toBe(1);
    expect(g).toContain(0.805);
    expect(thresholdGrid({ lo: -2, hi: 2 }, 0.25, [])).toEqual([-2, -1, 0, 1, 2]);
    expect(gridStep(3)).toBe(0.01);
    expect(gridStep(5)).toBe(0.05);
  });
});

describe('routecheck calibrate on the demo', () => {
  it('recommends a policy whose cross-validated deviation is well below today\'s, which the report quotes', async () => {
    const { demoDb, demoRun } = await import('./demo-report.js');
    const r = await runCli(['calibrate', '--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { window_label: string; calibration: Calibration };
    const c = out.calibration;
    expect(out.window_label).toBe('2025-W12');
    // Today's policy, replayed on the logged scores, sends every request where the router sent it.
    expect(c.current.agreement).toBe(1);
    expect(c.current.deviation).toBeGreaterThan(0.3);
    expect(c.recommended.deviation).toBeLessThan(0.15);
    expect(c.recommended.deviation).toBeLessThan(c.current.deviation / 2);
    expect(c.recommended.monthly_cost_usd!).toBeLessThan(c.current.monthly_cost_usd!);
    // The report's classifier section quotes the same recommendation (the deviation gate fails on the demo).
    const report = JSON.parse((await demoRun(['report', 'fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--format', 'json', '--quiet'])).stdout);
    expect(report.classifier.recalibration).toMatchObject({
      available: true,
      command: 'routecheck calibrate',
      thresholds: c.recommended.thresholds,
      trivial_chars: c.recommended.trivial_chars,
      deviation: c.recommended.deviation,
      current_deviation: c.current.deviation,
      requests: c.requests,
    });
  }, 120_000);
});

describe('routecheck calibrate from a labelled sample', () => {
  it('estimates the costs of all scored traffic from the sample (the demo\'s 2% hand labels)', async () => {
    const { demoRecords } = await import('./demo-records.js');
    const { demoDb } = await import('./demo-report.js');
    // The demo's last week without its records' own ideal routes: only labels.csv says where requests belonged.
    const w12 = demoRecords().filter((r) => r.ts >= '2025-03-17');
    const logs = join(tmp(), 'w12.jsonl');
    writeFileSync(logs, w12.map(({ ideal: _ideal, ...r }) => JSON.stringify(r)).join('\n') + '\n');
    const args = ['--config', 'fixtures/demo/routecheck.config.json', '--week', '2025-W12', '--format', 'json', '--quiet'];
    const sample = (JSON.parse((await runCli(['calibrate', logs, '--labels', 'fixtures/demo/labels.csv', ...args])).stdout) as { calibration: Calibration }).calibration;
    const full = (JSON.parse((await runCli(['calibrate', '--db', await demoDb(), ...args])).stdout) as { calibration: Calibration }).calibration;
    expect(sample.estimate).toBe(true);
    expect(sample.requests).toBeLessThan(full.requests / 20);
    // Costs of ~280 labelled requests scaled to all 13,938: within 10% of the figures from every request's label.
    expect(Math.abs(sample.current.monthly_cost_usd! / full.current.monthly_cost_usd! - 1)).toBeLessThan(0.1);
    expect(Math.abs(sample.retry_rate / full.retry_rate - 1)).toBeLessThan(0.2);
    // The sample's current deviation's interval covers the full data's.
    expect(sample.current.ci95[0]).toBeLessThan(full.current.deviation);
    expect(sample.current.ci95[1]).toBeGreaterThan(full.current.deviation);
  }, 120_000);
});
