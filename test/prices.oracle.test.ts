import { mkdtempSync, readFileSync, utimesSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../src/config.js';
import { withDatabase } from '../src/db/database.js';
import { ingestFile } from '../src/load/ingest.js';
import { PriceCatalog } from '../src/prices/catalog.js';
import { preparePricing } from '../src/prices/costs.js';
import { normalizePricingSettings } from '../src/prices/settings.js';
import { mulberry32 } from '../src/random.js';
import { runCli } from './run-cli.js';

/**
 * rc_costed against genai-prices' own calcPrice, the oracle: cache writes, time-of-day prices, long-context tiers,
 * regional premiums and the batch/flex multipliers (× the provider's documented 0.5, since the catalog has no batch
 * rates). Each case is a native record; the oracle gets the same usage, model, provider and time.
 */
interface Case {
  model: string;
  /** As logged (a gateway's spelling); `catalog` is genai-prices' provider id for the oracle. */
  provider: string;
  catalog: string;
  ts: string;
  input: number;
  read: number;
  write: number;
  output: number;
  tier?: 'batch' | 'flex';
}

const settings = normalizePricingSettings(normalizeConfig({}, 'c.json'), {});
const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-oracle-'));

function oracle(c: Case): number {
  const r = calcPrice(
    { input_tokens: c.input, cache_read_tokens: c.read, cache_write_tokens: c.write, output_tokens: c.output },
    c.model,
    { providerId: c.catalog, timestamp: new Date(c.ts) },
  );
  if (!r) throw new Error(`calcPrice has no price for ${c.catalog}/${c.model}`);
  return r.total_price * (c.tier ? 0.5 : 1);
}

/** Loads the cases as native records and returns each one's cost and basis, in case order. */
async function costs(cases: readonly Case[]): Promise<{ cost: number | null; basis: string }[]> {
  const file = join(tmp(), 'cases.jsonl');
  writeFileSync(file, cases.map((c, i) => JSON.stringify({
    request_id: `c${i}`, ts: c.ts, model: c.model, provider: c.provider, input_tokens: c.input, cached_tokens: c.read,
    cache_write_tokens: c.write, output_tokens: c.output, service_tier: c.tier ?? null,
  })).join('\n') + '\n');
  return withDatabase({ path: ':memory:' }, async (db) => {
    await ingestFile(db, file, file, {});
    await preparePricing(db, { from: null, to: null }, settings, new PriceCatalog([]));
    const rows = await db.all<{ id: string; cost: number | null; cost_basis: string }>(
      `SELECT r.request_id AS id, c.cost, c.cost_basis FROM rc_costed c JOIN requests r ON r.record_key = c.record_key`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return cases.map((_, i) => ({ cost: byId.get(`c${i}`)!.cost, basis: byId.get(`c${i}`)!.cost_basis }));
  });
}

const near = (actual: number | null, expected: number): void => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(Math.max(expected * 1e-3, 1e-12));
};

const CASES: Case[] = [
  // Cache writes at their own (dearer) rate, reads at theirs; the prompt total includes both.
  { model: 'claude-sonnet-4-20250514', provider: 'anthropic', catalog: 'anthropic', ts: '2025-06-02T10:00:00Z', input: 4740, read: 0, write: 4735, output: 255 },
  { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', catalog: 'anthropic', ts: '2025-03-17T09:00:00Z', input: 6200, read: 4000, write: 2000, output: 310 },
  // Long context: every kind at the tier above 200k input tokens.
  { model: 'claude-sonnet-4-5-20250929', provider: 'anthropic', catalog: 'anthropic', ts: '2025-11-03T12:00:00Z', input: 250000, read: 20000, write: 30000, output: 1200 },
  { model: 'gemini-1.5-pro', provider: 'vertex_ai', catalog: 'google', ts: '2025-03-17T12:00:00Z', input: 150000, read: 0, write: 0, output: 900 },
  // Bedrock: the regional profile carries its premium over the global endpoint, as the catalog lists them.
  { model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', provider: 'bedrock', catalog: 'aws', ts: '2025-11-03T12:00:00Z', input: 9000, read: 3000, write: 4000, output: 500 },
  { model: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', provider: 'bedrock', catalog: 'aws', ts: '2025-11-03T12:00:00Z', input: 9000, read: 3000, write: 4000, output: 500 },
  // DeepSeek's time of day, in UTC: peak 00:30–16:30, off-peak otherwise (boundaries included on the right side).
  { model: 'deepseek-chat', provider: 'deepseek', catalog: 'deepseek', ts: '2025-03-17T10:00:00Z', input: 3000, read: 1000, write: 0, output: 800 },
  { model: 'deepseek-chat', provider: 'deepseek', catalog: 'deepseek', ts: '2025-03-17T20:00:00Z', input: 3000, read: 1000, write: 0, output: 800 },
  { model: 'deepseek-chat', provider: 'deepseek', catalog: 'deepseek', ts: '2025-03-17T00:15:00Z', input: 3000, read: 1000, write: 0, output: 800 },
  { model: 'deepseek-chat', provider: 'deepseek', catalog: 'deepseek', ts: '2025-03-17T16:30:00Z', input: 3000, read: 1000, write: 0, output: 800 },
  { model: 'deepseek-chat', provider: 'deepseek', catalog: 'deepseek', ts: '2025-03-17T00:30:00Z', input: 3000, read: 1000, write: 0, output: 800 },
  { model: 'deepseek-reasoner', provider: 'deepseek', catalog: 'deepseek', ts: '2025-03-17T08:00:00Z', input: 2000, read: 0, write: 0, output: 4000 },
  // V4: two peak windows, and a dated off-peak rate from 2026-08-17.
  { model: 'deepseek-v4-flash', provider: 'deepseek', catalog: 'deepseek', ts: '2026-08-20T02:00:00Z', input: 5000, read: 2000, write: 0, output: 600 },
  { model: 'deepseek-v4-flash', provider: 'deepseek', catalog: 'deepseek', ts: '2026-08-20T12:00:00Z', input: 5000, read: 2000, write: 0, output: 600 },
  { model: 'deepseek-v4-flash', provider: 'deepseek', catalog: 'deepseek', ts: '2026-08-10T12:00:00Z', input: 5000, read: 2000, write: 0, output: 600 },
  { model: 'deepseek-v4-pro', provider: 'deepseek', catalog: 'deepseek', ts: '2026-08-10T07:30:00Z', input: 5000, read: 2000, write: 0, output: 600 },
  // Batch and flex: the provider's documented half price on every kind (cache writes included).
  { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', catalog: 'openai', ts: '2025-03-17T09:00:00Z', input: 1320, read: 1152, write: 0, output: 18, tier: 'batch' },
  { model: 'gpt-4o-mini', provider: 'openai', catalog: 'openai', ts: '2025-03-17T09:00:00Z', input: 4000, read: 1000, write: 0, output: 100, tier: 'flex' },
  { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', catalog: 'anthropic', ts: '2025-03-17T09:00:00Z', input: 2062, read: 0, write: 2048, output: 31, tier: 'batch' },
];

describe('rc_costed matches genai-prices calcPrice (the oracle)', () => {
  it('on cache writes, time of day, long context, regional premiums, batch and flex', async () => {
    const got = await costs(CASES);
    CASES.forEach((c, i) => {
      near(got[i]!.cost, oracle(c));
      expect(got[i]!.basis).toBe(c.tier ? `catalog_${c.tier}` : 'catalog');
    });
    // The cases are not trivially equal: peak costs twice off-peak, the regional profile 10% more than global.
    expect(got[6]!.cost! / got[7]!.cost!).toBeCloseTo(2, 6);
    expect(got[4]!.cost! / got[5]!.cost!).toBeCloseTo(1.1, 6);
  });

  it('on a seeded sweep of usage, times and tiers', async () => {
    const rand = mulberry32(20251117);
    const models: [string, string, string, ('batch' | 'flex')[]][] = [
      ['claude-sonnet-4-5-20250929', 'anthropic', 'anthropic', ['batch']],
      ['claude-3-5-haiku-20241022', 'anthropic', 'anthropic', ['batch']],
      ['deepseek-chat', 'deepseek', 'deepseek', []],
      ['deepseek-reasoner', 'deepseek', 'deepseek', []],
      ['deepseek-v4-flash', 'deepseek', 'deepseek', []],
      ['deepseek-v4-pro', 'deepseek', 'deepseek', []],
      ['gpt-4o-mini', 'openai', 'openai', ['batch', 'flex']],
      ['gemini-1.5-pro', 'vertex_ai', 'google', []],
      ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock', 'aws', []],
    ];
    const int = (n: number) => Math.floor(rand() * n);
    const start = Date.parse('2025-01-01T00:00:00Z');
    // In the past: the loader rejects a time more than a day after the load ("ts out of range").
    const span = Date.parse('2026-11-01T00:00:00Z') - start;
    const cases: Case[] = Array.from({ length: 300 }, () => {
      const [model, provider, catalog, tiers] = models[int(models.length)]!;
      const read = rand() < 0.5 ? int(60000) : 0;
      const write = rand() < 0.4 ? int(40000) : 0;
      const plain = rand() < 0.15 ? 150000 + int(150000) : int(20000);
      const tier = tiers.length > 0 && rand() < 0.3 ? tiers[int(tiers.length)] : undefined;
      return {
        model, provider, catalog, ts: new Date(start + Math.floor(rand() * span)).toISOString(),
        input: plain + read + write, read, write, output: int(8000), ...(tier ? { tier } : {}),
      };
    });
    const got = await costs(cases);
    cases.forEach((c, i) => near(got[i]!.cost, oracle(c)));
  });
});

describe('batch output files', () => {
  it('the real OpenAI Batch output file costs half its list price', async () => {
    const lines = readFileSync('fixtures/formats/openai-batch-output.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const done = lines.filter((l) => l.response?.body?.usage);
    const list = done.reduce((s, l) => {
      const u = l.response.body.usage;
      const r = calcPrice({ input_tokens: u.prompt_tokens, cache_read_tokens: u.prompt_tokens_details?.cached_tokens ?? 0, output_tokens: u.completion_tokens },
        l.response.body.model, { providerId: 'openai', timestamp: new Date(l.response.body.created * 1000) });
      return s + r!.total_price;
    }, 0);
    const dir = tmp();
    const out = join(dir, 'batch.csv');
    const r = await runCli(['export', 'fixtures/formats/openai-batch-output.jsonl', '--all', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const rows = await withDatabase({ path: ':memory:' }, (db) => db.all<{ cost: number; cost_basis: string; service_tier: string; tier_multiplier: number }>(
      `SELECT cost, cost_basis, service_tier, tier_multiplier FROM read_csv_auto($f)`, { f: out }));
    expect(rows).toHaveLength(done.length);
    expect(rows.every((x) => x.cost_basis === 'catalog_batch' && x.service_tier === 'batch' && x.tier_multiplier === 0.5)).toBe(true);
    near(rows.reduce((s, x) => s + x.cost, 0), list / 2);
  });

  it('Anthropic Message Batches results: half price, cache writes and reads at their rates, dated by the file', async () => {
    const dir = tmp();
    const file = join(dir, 'results.jsonl');
    copyFileSync('fixtures/formats/anthropic-batch-results.jsonl', file);
    const when = new Date('2025-03-18T06:00:00Z');
    utimesSync(file, when, when);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const expected = lines.filter((l) => l.result.type === 'succeeded').map((l) => {
      const u = l.result.message.usage;
      const read = u.cache_read_input_tokens ?? 0;
      const write = u.cache_creation_input_tokens ?? 0;
      return calcPrice({ input_tokens: u.input_tokens + read + write, cache_read_tokens: read, cache_write_tokens: write, output_tokens: u.output_tokens },
        l.result.message.model, { providerId: 'anthropic', timestamp: when })!.total_price / 2;
    });
    const out = join(dir, 'out.csv');
    expect((await runCli(['export', file, '--all', '--out', out, '--quiet'])).code).toBe(0);
    const rows = await withDatabase({ path: ':memory:' }, (db) => db.all<{ ts: Date; cost: number; cost_basis: string }>(
      `SELECT ts, cost, cost_basis FROM read_csv_auto($f) ORDER BY source_line`, { f: out }));
    expect(rows.map((x) => x.cost_basis)).toEqual(['catalog_batch', 'catalog_batch', 'catalog_batch']);
    rows.forEach((x, i) => near(x.cost, expected[i]!));
    expect(rows.every((x) => new Date(x.ts).getTime() === when.getTime())).toBe(true);
  });
});

describe('a logged $0 is evidence, not a price', () => {
  it('LiteLLM spend 0: five rows priced from the catalog, the custom Azure deployment unpriced, check exits 1', async () => {
    const file = 'fixtures/formats/litellm-spendlogs-zero-spend.jsonl';
    const dir = tmp();
    const out = join(dir, 'zero.csv');
    expect((await runCli(['export', file, '--all', '--out', out, '--quiet'])).code).toBe(0);
    const rows = await withDatabase({ path: ':memory:' }, (db) => db.all<{ model: string; cost: number | null; cost_basis: string; cost_usd: number }>(
      `SELECT model, cost, cost_basis, cost_usd FROM read_csv_auto($f) ORDER BY source_line`, { f: out }));
    expect(rows.every((r) => r.cost_usd === 0)).toBe(true);
    expect(rows.map((r) => [r.model, r.cost_basis])).toEqual([
      ['azure/gpt-4o', 'logged_zero_repriced'],
      ['anthropic.claude-3-haiku-20240307-v1:0', 'logged_zero_repriced'],
      ['gemini-1.5-pro', 'logged_zero_repriced'],
      ['azure/prod-chat-eastus-2', 'unpriced'],
      ['gpt-4o-mini', 'logged_zero_repriced'],
      ['claude-3-5-sonnet-20241022', 'logged_zero_repriced'],
    ]);
    expect(rows[3]!.cost).toBeNull();
    // The Anthropic row through LiteLLM: prompt_tokens 3000 hold 800 cache reads and 2000 cache writes.
    near(rows[5]!.cost, calcPrice({ input_tokens: 3000, cache_read_tokens: 800, cache_write_tokens: 2000, output_tokens: 420 },
      'claude-3-5-sonnet-20241022', { providerId: 'anthropic' })!.total_price);
    for (const i of [0, 1, 2, 4]) expect(rows[i]!.cost).toBeGreaterThan(0);

    const check = await runCli(['check', file, '--all', '--format', 'json', '--quiet']);
    expect(check.code).toBe(1);
    const gates = JSON.parse(check.stdout).gates as { name: string; status: string }[];
    expect(gates.find((g) => g.name === 'unpriced')?.status).toBe('fail');

    const report = JSON.parse((await runCli(['report', file, '--all', '--format', 'json', '--quiet'])).stdout);
    expect(report.quality.logged_zeros).toMatchObject({ repriced: 5, kept: 0 });
    expect(report.quality.unpriced.models).toEqual([{ model: 'azure/prod-chat-eastus-2', provider: 'azure', requests: 1, catalog_priced: false }]);
    expect(report.efficiency.unpriced.models[0]).toMatchObject({ model: 'azure/prod-chat-eastus-2', logged_zero: 1 });
  });
});
