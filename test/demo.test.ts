import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeConfig } from '../src/config.js';
import {
  BATCH_MODEL, DEFAULT_DEMO_OPTIONS, TIER_MODELS, TIERS, bumpedModel, generateDemo, isoWeek,
  type DemoOptions, type DemoTruth, type Tier,
} from '../src/demo/generate.js';
import { writeDemo } from '../src/demo/write.js';
import { loadFile } from './helpers.js';

type Rec = Record<string, unknown> & { ts: string; request_id: string; session_id: string; input: string; model: string };

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-demo-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Every line of every week file, in file order: parsed when it is a valid record, else kept as text. */
function readLogs(dir: string): { week: string; line: string; rec: Rec | null }[] {
  const out: { week: string; line: string; rec: Rec | null }[] = [];
  for (const name of readdirSync(join(dir, 'logs')).sort()) {
    const text = gunzipSync(readFileSync(join(dir, 'logs', name))).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) {
      out.push({ week: name.replace('.jsonl.gz', ''), line, rec: validRecord(line) });
    }
  }
  return out;
}

/** The record when the line is one a loader must accept; null for the deliberately bad lines. */
function validRecord(line: string): Rec | null {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof r['ts'] !== 'string' || !/^\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/.test(r['ts'])) return null;
  for (const k of ['input_tokens', 'output_tokens']) if (!Number.isInteger(r[k]) || (r[k] as number) < 0) return null;
  if (r['cost_usd'] !== undefined && (typeof r['cost_usd'] !== 'number' || r['cost_usd'] < 0)) return null;
  return r as Rec;
}

const prices = (date: string | null): Map<string, { tier: Tier; input: number; output: number }> => {
  const m = new Map<string, { tier: Tier; input: number; output: number }>();
  for (const t of TIERS) m.set(TIER_MODELS[t].model, { tier: t, ...TIER_MODELS[t] });
  if (date) m.set(bumpedModel(date).model, { tier: 'medium', ...bumpedModel(date) });
  return m;
};
const rank = (t: Tier): number => TIERS.indexOf(t);
const digest = (input: string): string => createHash('sha256').update(input.trim().toLowerCase()).digest('hex').slice(0, 16);
const ms = (ts: string): number => Date.parse(ts);

/** Recomputes the truth from the written records alone. */
function recount(recs: Rec[], bumpDate: string | null) {
  const price = prices(bumpDate);
  const tierOf = (model: unknown): Tier => price.get(model as string)!.tier;
  const byId = new Map(recs.map((r) => [r.request_id, r]));
  const evaluated = recs.filter((r) => r['ideal'] !== undefined);
  const byWeek: Record<string, { requests: number; cost_usd: number }> = {};
  for (const r of recs) {
    const w = (byWeek[isoWeek(ms(r.ts))] ??= { requests: 0, cost_usd: 0 });
    w.requests++;
    w.cost_usd += (r['cost_usd'] as number | undefined) ?? 0;
  }
  // Retries: linked by retry_of, or found by session + same input + 1..8 minutes after an under-routed call.
  const underRouted = evaluated.filter((r) => rank(tierOf(r['ideal'])) > rank(tierOf(r.model)));
  const retries = new Set<Rec>();
  for (const r of recs) if (r['retry_of'] !== undefined) retries.add(r);
  const bySessionInput = new Map<string, Rec[]>();
  for (const r of recs) {
    const k = `${r.session_id}\u0000${r.input}`;
    bySessionInput.set(k, [...(bySessionInput.get(k) ?? []), r]);
  }
  for (const u of underRouted) {
    for (const r of bySessionInput.get(`${u.session_id}\u0000${u.input}`) ?? []) {
      const dt = ms(r.ts) - ms(u.ts);
      if (r !== u && dt >= 60_000 && dt <= 480_000 && r['route'] === 'hard_complexity') retries.add(r);
    }
  }
  const keysByInput = new Map<string, Set<string>>();
  for (const r of recs) {
    if (typeof r['cache_key'] !== 'string') continue;
    const d = digest(r.input);
    keysByInput.set(d, (keysByInput.get(d) ?? new Set()).add(r['cache_key']));
  }
  return {
    byId, underRouted, retries: [...retries], keysByInput, byWeek, tierOf, price,
    requests: recs.length,
    evaluated: evaluated.length,
    over: evaluated.filter((r) => rank(tierOf(r['ideal'])) < rank(tierOf(r.model))).length,
    under: underRouted.length,
    short: recs.filter((r) => r.input.length < 10).length,
    unpriced: recs.filter((r) => r.model === BATCH_MODEL).length,
    entries: new Set(recs.map((r) => r['cache_key']).filter((k) => k !== undefined)).size,
    hits: recs.filter((r) => r['cache_hit'] === true).length,
  };
}

function dailyCounts(recs: Rec[]): Map<string, number> {
  const days = new Map<string, number>();
  for (const r of recs) days.set(r.ts.slice(0, 10), (days.get(r.ts.slice(0, 10)) ?? 0) + 1);
  return days;
}

describe('demo generator: determinism', () => {
  const small: DemoOptions = { ...DEFAULT_DEMO_OPTIONS, days: 9, scale: 0.3 };

  it('gives identical lines and truth for the same options, different ones for another seed', () => {
    const a = generateDemo(small);
    const b = generateDemo(small);
    expect(a.lines.map((l) => l.text).join('\n')).toBe(b.lines.map((l) => l.text).join('\n'));
    expect(a.truth).toEqual(b.truth);
    const c = generateDemo({ ...small, seed: 2 });
    expect(c.lines.map((l) => l.text).join('\n')).not.toBe(a.lines.map((l) => l.text).join('\n'));
  });

  it('writes byte-identical files for the same options', async () => {
    const [d1, d2] = [tempDir(), tempDir()];
    const r1 = await writeDemo(d1, small);
    const r2 = await writeDemo(d2, small);
    const rel = (files: string[], dir: string) => files.map((f) => f.slice(dir.length));
    expect(rel(r1.files, d1)).toEqual(rel(r2.files, d2));
    expect(rel(r1.files, d1)).toEqual([
      '/logs/2025-W07.jsonl.gz', '/logs/2025-W08.jsonl.gz', '/routecheck.config.json', '/prices.csv', '/labels.csv', '/truth.json',
    ]);
    for (const f of rel(r1.files, d1)) expect(readFileSync(join(d2, f)).equals(readFileSync(join(d1, f)))).toBe(true);
  });

  it('shares the traffic between healthy and unhealthy runs of one seed (only routing differs)', () => {
    const sick = generateDemo(small).lines.flatMap((l) => (l.record ? [l.record] : []));
    const well = generateDemo({ ...small, healthy: true }).lines.flatMap((l) => (l.record ? [l.record] : []));
    const primaries = (rs: typeof sick) => rs.filter((r) => !isRetry(r, rs)).map((r) => `${r.ts} ${r.session_id} ${r.input}`);
    expect(primaries(well)).toEqual(primaries(sick));
  });
});

/** A retry record, by the generator's construction: hard tier, and an earlier same-session same-input call. */
function isRetry(r: { session_id: string; input: string; ts: string; route?: string; request_id: string }, all: { session_id: string; input: string; ts: string; request_id: string; route?: string; ideal?: string; model: string }[]): boolean {
  if (r.route !== 'hard_complexity') return false;
  return all.some((o) => o !== r && o.session_id === r.session_id && o.input === r.input && o.route === 'medium_complexity'
    && ms(r.ts) - ms(o.ts) >= 60_000 && ms(r.ts) - ms(o.ts) <= 480_000);
}

describe('demo generator: the default run (42 days, seed 1)', () => {
  let dir = '';
  let truth: DemoTruth;
  let files: string[] = [];
  let lines: { week: string; line: string; rec: Rec | null }[] = [];
  let recs: Rec[] = [];
  let count: ReturnType<typeof recount>;

  beforeAll(async () => {
    dir = tempDir();
    ({ files, truth } = await writeDemo(dir, DEFAULT_DEMO_OPTIONS));
    lines = readLogs(dir);
    recs = lines.flatMap((l) => (l.rec ? [l.rec] : []));
    count = recount(recs, '2025-03-17');
  });

  it('writes six ISO-week files, in time order, well under 5 MB, and a truth.json equal to the returned truth', () => {
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['2025-W07', '2025-W08', '2025-W09', '2025-W10', '2025-W11', '2025-W12'].map((w) => `${w}.jsonl.gz`));
    const bytes = files.filter((f) => f.endsWith('.gz')).reduce((n, f) => n + readFileSync(f).length, 0);
    expect(bytes).toBeLessThan(4_000_000);
    expect(truth.requests).toBeGreaterThan(35_000);
    expect(truth.requests).toBeLessThan(45_000);
    expect(lines.filter((l) => l.rec && isoWeek(ms(l.rec.ts)) !== l.week)).toEqual([]);
    const times = recs.map((r) => ms(r.ts));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'))).toEqual(truth);
  });

  it('gives every record the native fields with valid types', () => {
    // Problems are collected rather than asserted one by one: 40k × 15 expect() calls take seconds.
    const problems: string[] = [];
    const check = (ok: boolean, r: Rec, what: string) => {
      if (!ok) problems.push(`${r.request_id}: ${what}`);
    };
    for (const r of recs) {
      for (const k of ['request_id', 'session_id', 'user_id', 'input', 'model', 'provider']) check(typeof r[k] === 'string' && r[k] !== '', r, k);
      check(r.input.trim() === r.input && r.input !== '', r, 'input trimmed, not empty');
      check(r['status'] === 'success', r, 'status');
      check(typeof r['cache_hit'] === 'boolean', r, 'cache_hit');
      check(Number.isInteger(r['latency_ms']) && (r['latency_ms'] as number) > 0, r, 'latency_ms');
      check(r['retry_of'] === undefined || typeof r['retry_of'] === 'string', r, 'retry_of');
      if (r.model === BATCH_MODEL) {
        check(['cost_usd', 'route', 'score', 'ideal', 'cache_key'].every((k) => r[k] === undefined), r, 'batch record carries no price or route');
        continue;
      }
      const tier = count.tierOf(r.model);
      check(r['provider'] === (r.model.startsWith('gpt-') ? 'openai' : 'anthropic'), r, 'provider');
      check(r['route'] === `${tier}_complexity`, r, 'route names the serving tier');
      const score = r['score'] as number;
      check(typeof score === 'number' && Math.round(score * 1000) / 1000 === score && score >= 0 && score <= 1, r, 'score 0..1, 3 decimals');
      // The route follows the thresholds: simple < 0.80 <= medium < 0.92 <= hard.
      check((score < 0.8 ? 'simple' : score < 0.92 ? 'medium' : 'hard') === tier, r, 'score thresholds');
      check(count.price.has(r['ideal'] as string), r, 'ideal is a tier model');
      check(typeof r['cost_usd'] === 'number' && typeof r['cache_key'] === 'string', r, 'cost and cache key');
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(new Set(recs.map((r) => r.request_id)).size).toBe(recs.length);
  });

  it('prices every call at the serving model, cache hits at zero', () => {
    const wrong = recs.filter((r) => {
      if (r.model === BATCH_MODEL) return false;
      const p = count.price.get(r.model)!;
      const expected = r['cache_hit'] ? 0 : ((r['input_tokens'] as number) * p.input + (r['output_tokens'] as number) * p.output) / 1e6;
      return !(Math.abs((r['cost_usd'] as number) - expected) < 1e-12);
    });
    expect(wrong).toEqual([]);
  });

  it('has truth figures equal to counts recomputed from the records', () => {
    expect(truth.requests).toBe(count.requests);
    expect(truth.evaluated).toBe(count.evaluated);
    expect(truth.over_routed).toBe(count.over);
    expect(truth.under_routed).toBe(count.under);
    expect(truth.short_requests).toBe(count.short);
    expect(truth.unpriced_requests).toBe(count.unpriced);
    expect(truth.cache.entries).toBe(count.entries);
    expect(truth.cache.hits).toBe(count.hits);
    expect(truth.cache.distinct_inputs).toBe(count.keysByInput.size);
    expect(truth.retries).toBe(count.retries.length);
    expect(truth.retries_linked).toBe(count.retries.filter((r) => r['retry_of'] !== undefined).length);
    expect(truth.retry_cost_usd).toBeCloseTo(count.retries.reduce((s, r) => s + (r['cost_usd'] as number), 0), 6);
    expect(truth.cost_usd).toBeCloseTo(recs.reduce((s, r) => s + ((r['cost_usd'] as number | undefined) ?? 0), 0), 6);
    expect(Object.keys(truth.by_week)).toEqual(Object.keys(count.byWeek));
    for (const [week, w] of Object.entries(count.byWeek)) {
      expect(truth.by_week[week]!.requests).toBe(w.requests);
      expect(truth.by_week[week]!.cost_usd).toBeCloseTo(w.cost_usd, 6);
    }
    expect(truth.rejects_written).toBe(lines.filter((l) => !l.rec).length);
  });

  it('over-routes ~23% (mostly short chit-chat) and under-routes ~8% of evaluated requests', () => {
    const over = count.over / count.evaluated;
    const under = count.under / count.evaluated;
    expect(over).toBeGreaterThan(0.2);
    expect(over).toBeLessThan(0.26);
    expect(under).toBeGreaterThan(0.05);
    expect(under).toBeLessThan(0.11);
    expect(over + under).toBeGreaterThan(0.28);
    expect(over + under).toBeLessThan(0.34);
    expect(count.unpriced / count.requests).toBeGreaterThan(0.005);
    expect(count.unpriced / count.requests).toBeLessThan(0.015);
    // The brevity shortcut: most short inputs are scored medium, and over-routing is mostly short text.
    const overRouted = recs.filter((r) => r['ideal'] !== undefined && rank(count.tierOf(r['ideal'])) < rank(count.tierOf(r.model)));
    expect(overRouted.filter((r) => r.input.length < 20).length / overRouted.length).toBeGreaterThan(0.5);
    const short = recs.filter((r) => r.input.length < 10);
    expect(short.filter((r) => r['route'] === 'medium_complexity').length / short.length).toBeGreaterThan(0.6);
  });

  it('retries ~70% of under-routed calls on the hard tier within 1-8 minutes, ~60% of them linked by retry_of', () => {
    for (const r of count.retries) {
      expect(r['route']).toBe('hard_complexity');
      expect(r['ideal']).toBe(TIER_MODELS.hard.model);
      if (r['retry_of'] !== undefined) {
        const o = count.byId.get(r['retry_of'] as string)!;
        expect(o).toBeDefined();
        expect([o.session_id, o.input, o['route']]).toEqual([r.session_id, r.input, 'medium_complexity']);
        const dt = ms(r.ts) - ms(o.ts);
        expect(dt).toBeGreaterThanOrEqual(60_000);
        expect(dt).toBeLessThanOrEqual(480_000);
      }
    }
    const hardUnder = count.underRouted.filter((r) => r['ideal'] === TIER_MODELS.hard.model);
    const retried = count.retries.length / hardUnder.length;
    expect(retried).toBeGreaterThan(0.62);
    expect(retried).toBeLessThan(0.78);
    const linked = count.retries.filter((r) => r['retry_of'] !== undefined).length / count.retries.length;
    expect(linked).toBeGreaterThan(0.52);
    expect(linked).toBeLessThan(0.68);
  });

  it('grows traffic about 8x from the first week to the last', () => {
    const days = [...dailyCounts(recs).values()];
    expect(days).toHaveLength(42);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = mean(days.slice(-7)) / mean(days.slice(0, 7));
    expect(ratio).toBeGreaterThan(6);
    expect(ratio).toBeLessThan(10);
    expect(days[0]).toBeGreaterThan(200);
    expect(days[0]).toBeLessThan(400);
  });

  it('moves the medium tier to an 18% dearer dated version on 2025-03-17', () => {
    expect(truth.version_bump).toMatchObject({
      family: 'claude-3-5-haiku', from: 'claude-3-5-haiku-20241022', to: 'claude-3-5-haiku-20250317', date: '2025-03-17', input_price_change: 0.18,
    });
    const medium = recs.filter((r) => r['route'] === 'medium_complexity');
    expect(medium.filter((r) => r.model !== (r.ts >= '2025-03-17' ? 'claude-3-5-haiku-20250317' : 'claude-3-5-haiku-20241022'))).toEqual([]);
    expect(truth.version_bump!.requests).toBe(medium.filter((r) => r.ts >= '2025-03-17').length);
    // The price each paid call implies (output tokens at the same ratio), before and after.
    const implied = (model: string) => {
      const paid = medium.filter((r) => r.model === model && !r['cache_hit']);
      const tokens = paid.reduce((s, r) => s + (r['input_tokens'] as number) + 5 * (r['output_tokens'] as number), 0);
      return paid.reduce((s, r) => s + (r['cost_usd'] as number), 0) / tokens;
    };
    expect(implied('claude-3-5-haiku-20250317') / implied('claude-3-5-haiku-20241022')).toBeCloseTo(1.18, 6);
  });

  it('keys the cache on model + input, so one question is cached under two models', () => {
    expect(recs.filter((r) => r.model !== BATCH_MODEL && r['cache_key'] !== `${r.model}:${digest(r.input)}`)).toEqual([]);
    const split = [...count.keysByInput.values()].filter((keys) => keys.size >= 2).length;
    expect(split).toBeGreaterThan(100);
    expect(truth.cache.entries / truth.cache.distinct_inputs).toBeGreaterThan(1.2);
    // The write-up's example: scores wobble around 0.80, so the same question lands on both sides.
    const lc = recs.filter((r) => r.input.toLowerCase().trim() === 'how do python list comprehensions work?');
    const scores = lc.map((r) => r['score'] as number);
    expect(Math.min(...scores)).toBeLessThan(0.8);
    expect(Math.max(...scores)).toBeGreaterThanOrEqual(0.8);
    expect(Math.max(...scores) - Math.min(...scores)).toBeLessThanOrEqual(0.09);
    expect(new Set(lc.map((r) => r['cache_key'])).size).toBeGreaterThanOrEqual(2);
    // A cache keyed on the input alone would have hit more often.
    expect(truth.cache.hits_input_key).toBeGreaterThan(truth.cache.hits * 1.1);
    // Light paraphrases recur: the lower-case form shares the key, the word-order one does not.
    expect(recs.some((r) => r.input === 'how do list comprehensions work in python')).toBe(true);
  });

  it('writes ~2% hand labels that agree with the records, and a config routecheck accepts', () => {
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('request_id,ideal');
    const labels = rows.slice(1).map((l) => l.split(','));
    expect(labels.length / truth.requests).toBeGreaterThan(0.015);
    expect(labels.length / truth.requests).toBeLessThan(0.025);
    for (const [id, tier] of labels) expect(count.tierOf(count.byId.get(id!)!['ideal'])).toBe(tier);
    const config = normalizeConfig(JSON.parse(readFileSync(join(dir, 'routecheck.config.json'), 'utf8')), 'routecheck.config.json');
    expect(config.unknownKeys).toEqual([]);
  });

  it('puts 5 bad lines in the last week only, and the loader rejects exactly those', async () => {
    const bad = lines.filter((l) => !l.rec);
    expect(bad).toHaveLength(5);
    expect(new Set(bad.map((l) => l.week))).toEqual(new Set(['2025-W12']));
    const { summary, rejects } = await loadFile(join(dir, 'logs', '2025-W12.jsonl.gz'));
    const good = lines.filter((l) => l.week === '2025-W12' && l.rec).length;
    expect(summary).toMatchObject({ format: 'native', loaded: good, rejected: 5, duplicates: 0 });
    expect(rejects.map((r) => String(r['reason']).split(':')[0]).sort()).toEqual(
      ['cost_usd is not a number', 'malformed JSON', 'malformed JSON', 'negative output_tokens', 'unparseable ts'],
    );
  });
});

describe('demo generator: healthy mode and short runs', () => {
  it('healthy: deviation under 5%, no version bump, cache key without the model, no bad lines', () => {
    const { lines, truth } = generateDemo({ ...DEFAULT_DEMO_OPTIONS, days: 42, scale: 0.25, healthy: true });
    const recs = lines.flatMap((l) => (l.record ? [l.record as unknown as Rec] : []));
    expect(lines.every((l) => l.record)).toBe(true);
    expect(truth.version_bump).toBeNull();
    expect(truth.rejects_written).toBe(0);
    const count = recount(recs, null);
    expect(count.over + count.under).toBeGreaterThan(0);
    expect((count.over + count.under) / count.evaluated).toBeLessThan(0.05);
    expect([truth.over_routed, truth.under_routed]).toEqual([count.over, count.under]);
    expect(new Set(recs.filter((r) => r['route'] === 'medium_complexity').map((r) => r.model))).toEqual(new Set([TIER_MODELS.medium.model]));
    expect(recs.filter((r) => r.model !== BATCH_MODEL && r['cache_key'] !== digest(r.input))).toEqual([]);
    expect(truth.cache.hits_input_key).toBe(truth.cache.hits);
    // Scores stay away from the thresholds.
    const near = recs.filter((r) => typeof r['score'] === 'number' && (Math.abs((r['score'] as number) - 0.8) < 0.02 || Math.abs((r['score'] as number) - 0.92) < 0.02));
    expect(near.length / recs.length).toBeLessThan(0.01);
    const days = [...dailyCounts(recs).values()];
    const ratio = days.slice(-7).reduce((a, b) => a + b) / days.slice(0, 7).reduce((a, b) => a + b);
    expect(ratio).toBeGreaterThan(6);
    expect(ratio).toBeLessThan(10);
  });

  it('skips the bump when the run is 35 days or shorter, and scales volume', () => {
    const short = generateDemo({ ...DEFAULT_DEMO_OPTIONS, days: 35, scale: 0.1 });
    expect(short.truth.version_bump).toBeNull();
    const one = generateDemo({ ...DEFAULT_DEMO_OPTIONS, days: 1 });
    const two = generateDemo({ ...DEFAULT_DEMO_OPTIONS, days: 1, scale: 2 });
    expect(one.truth.requests).toBeGreaterThan(250);
    expect(two.truth.requests / one.truth.requests).toBeGreaterThan(1.8);
    expect(two.truth.requests / one.truth.requests).toBeLessThan(2.2);
    // The one-day run's bad lines land in its only week.
    expect(one.truth.rejects_written).toBe(5);
  });

  it('rejects options out of range', () => {
    expect(() => generateDemo({ ...DEFAULT_DEMO_OPTIONS, start: '2025-02-30' })).toThrow(/start/);
    expect(() => generateDemo({ ...DEFAULT_DEMO_OPTIONS, days: 0 })).toThrow(/days/);
    expect(() => generateDemo({ ...DEFAULT_DEMO_OPTIONS, scale: 0 })).toThrow(/scale/);
  });
});
