import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../src/config.js';
import { withDatabase } from '../src/db/database.js';
import { ingestFile } from '../src/load/ingest.js';
import { toDiscrepancies, toNoTokenCounts, toUnpriced } from '../src/analyses/efficiency.js';
import { toLoggedZeros } from '../src/analyses/quality.js';
import { PriceCatalog } from '../src/prices/catalog.js';
import { loadCostFacts, preparePricing } from '../src/prices/costs.js';
import { loadPriceRows, normalizePricingSettings } from '../src/prices/settings.js';

/** Prices (USD per million tokens) of the made-up models below; the catalog is left out so the numbers are ours. */
const PRICE_ROWS = [
  { model: 'm-a', input_per_mtok: 1, output_per_mtok: 2, cached_input_per_mtok: 0.25, cache_write_per_mtok: 1.25 },
  { model: 'm-b', effective_to: '2025-03-12', input_per_mtok: 1, output_per_mtok: 1 },
  { model: 'm-b', effective_from: '2025-03-12', input_per_mtok: 3, output_per_mtok: 3 },
  { model: 'm-c', provider: 'azure', input_per_mtok: 5, output_per_mtok: 5 },
];

const RECORDS = [
  { request_id: 'logged', ts: '2025-03-10T10:00:00Z', model: 'm-a', input_tokens: 1000, output_tokens: 500, cost_usd: 0.123 },
  { request_id: 'cached-input', ts: '2025-03-10T11:00:00Z', model: 'm-a', input_tokens: 1000, cached_tokens: 400, output_tokens: 500 },
  { request_id: 'cache-hit', ts: '2025-03-10T12:00:00Z', model: 'm-a', input_tokens: 1000, output_tokens: 500, cost_usd: 0.5, cache_hit: true },
  { request_id: 'before-change', ts: '2025-03-11T23:59:59Z', model: 'm-b', input_tokens: 100, output_tokens: 100 },
  { request_id: 'after-change', ts: '2025-03-12T00:00:00Z', model: 'm-b', input_tokens: 100, output_tokens: 100 },
  { request_id: 'unknown-model', ts: '2025-03-12T01:00:00Z', model: 'm-zzz', input_tokens: 100, output_tokens: 100 },
  { request_id: 'wrong-provider', ts: '2025-03-12T02:00:00Z', model: 'm-c', provider: 'openai', input_tokens: 100, output_tokens: 100 },
  { request_id: 'right-provider', ts: '2025-03-12T03:00:00Z', model: 'm-c', provider: 'azure', input_tokens: 100, output_tokens: 100 },
  { request_id: 'no-tokens', ts: '2025-03-12T04:00:00Z', model: 'm-a' },
  { request_id: 'no-model', ts: '2025-03-12T05:00:00Z', input_tokens: 10, output_tokens: 10 },
  // Anthropic-style usage as a nested object: input_tokens leaves cache reads and writes out.
  { request_id: 'cache-write', ts: '2025-03-12T06:00:00Z', model: 'm-a', usage: { input_tokens: 500, cache_read_input_tokens: 300, cache_creation_input_tokens: 200, output_tokens: 100 } },
  // Reads and writes logged beyond the prompt: clamped to it, reads first.
  { request_id: 'over-logged', ts: '2025-03-12T07:00:00Z', model: 'm-a', input_tokens: 100, cached_tokens: 80, cache_write_tokens: 50, output_tokens: 0 },
  { request_id: 'batch-documented', ts: '2025-03-12T08:00:00Z', model: 'm-c', provider: 'azure', service_tier: 'batch', input_tokens: 100, output_tokens: 100 },
  { request_id: 'flex-documented', ts: '2025-03-12T08:30:00Z', model: 'm-c', provider: 'azure', service_tier: 'flex', input_tokens: 100, output_tokens: 100 },
  { request_id: 'standard-is-default', ts: '2025-03-12T08:45:00Z', model: 'm-c', provider: 'azure', service_tier: 'standard', input_tokens: 100, output_tokens: 100 },
  // Azure documents no priority rate; m-a's provider is unknown, so no batch rate either: never the list price.
  { request_id: 'priority-no-rate', ts: '2025-03-12T09:00:00Z', model: 'm-c', provider: 'azure', service_tier: 'priority', input_tokens: 100, output_tokens: 100 },
  { request_id: 'batch-no-rate', ts: '2025-03-12T10:00:00Z', model: 'm-a', service_tier: 'batch', input_tokens: 100, output_tokens: 100 },
  { request_id: 'batch-logged', ts: '2025-03-12T11:00:00Z', model: 'm-a', service_tier: 'batch', input_tokens: 100, output_tokens: 100, cost_usd: 0.0001 },
  // A native record that logs $0 keeps it (only formats whose cost defaults to 0 are repriced).
  { request_id: 'native-zero', ts: '2025-03-12T12:00:00Z', model: 'm-a', input_tokens: 100, output_tokens: 100, cost_usd: 0 },
];

/** The cost each request must get, by hand: logged first, cache hits 0, else price in force × tokens, else unknown. */
const EXPECTED: Record<string, [cost: number | null, basis: string]> = {
  logged: [0.123, 'logged'],
  'cached-input': [(600 * 1 + 400 * 0.25 + 500 * 2) / 1e6, 'price_file'],
  'cache-hit': [0, 'cache_hit'],
  'before-change': [(100 * 1 + 100 * 1) / 1e6, 'price_file'],
  'after-change': [(100 * 3 + 100 * 3) / 1e6, 'price_file'],
  'unknown-model': [null, 'unpriced'],
  'wrong-provider': [null, 'unpriced'],
  'right-provider': [(100 * 5 + 100 * 5) / 1e6, 'price_file'],
  'no-tokens': [null, 'no_tokens'],
  'no-model': [null, 'unpriced'],
  'cache-write': [(500 * 1 + 300 * 0.25 + 200 * 1.25 + 100 * 2) / 1e6, 'price_file'],
  'over-logged': [(80 * 0.25 + 20 * 1.25) / 1e6, 'price_file'],
  'batch-documented': [0.5 * (100 * 5 + 100 * 5) / 1e6, 'price_file_batch'],
  'flex-documented': [0.5 * (100 * 5 + 100 * 5) / 1e6, 'price_file_flex'],
  'standard-is-default': [(100 * 5 + 100 * 5) / 1e6, 'price_file'],
  'priority-no-rate': [null, 'unpriced'],
  'batch-no-rate': [null, 'unpriced'],
  'batch-logged': [0.0001, 'logged'],
  'native-zero': [0, 'logged'],
};

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-costs-'));
  const file = join(dir, 'tiny.jsonl');
  writeFileSync(file, RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const settings = normalizePricingSettings(normalizeConfig({ prices: PRICE_ROWS }, 'c.json'), {});
  const catalog = new PriceCatalog(loadPriceRows(settings), { bundled: false });
  return { file, settings, catalog };
}

describe('toDiscrepancies (pure)', () => {
  const day = (d: string, week: string, logged: number, list: number) => ({ model: 'm', day: d, week, logged, list, requests: 10, origin: 'o' });

  it('dates a gap from its first day, even when it began too late in a week to move that week', () => {
    const rows = [
      ...['03', '04', '05', '06', '07'].map((d) => day(`2025-03-${d}`, '2025-03-03', 10, 10)),
      day('2025-03-08', '2025-03-03', 1.2, 1),
      day('2025-03-09', '2025-03-03', 1.2, 1),
      ...['10', '11', '12'].map((d) => day(`2025-03-${d}`, '2025-03-10', 12, 10)),
    ];
    // Week of 03-03: 52.4 logged vs 52 listed (+0.8%), under 5%; week of 03-10: +20%.
    const [gap] = toDiscrepancies(rows, 0.05);
    expect(gap).toMatchObject({ model: 'm', since: '2025-03-08', requests: 30 });
    expect(gap!.logged_vs_catalog).toBeCloseTo(36 / 30 - 1, 12);
  });

  it('reports nothing under the threshold', () => {
    expect(toDiscrepancies([day('2025-03-10', '2025-03-10', 10.4, 10)], 0.05)).toEqual([]);
  });
});

describe('cost of each request (rc_costed)', () => {
  it('uses the logged cost, then the price in force × tokens with cached input at its own rate; cache hits 0; else unknown', async () => {
    const { file, settings, catalog } = setup();
    await withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, file, file, {});
      await preparePricing(db, { from: null, to: null }, settings, catalog);
      const rows = await db.all<{ request_id: string; cost: number | null; cost_basis: string | null }>(
        `SELECT r.request_id, c.cost, c.cost_basis FROM rc_costed c JOIN requests r ON r.record_key = c.record_key`,
      );
      expect(rows).toHaveLength(RECORDS.length);
      for (const r of rows) {
        const [cost, basis] = EXPECTED[r.request_id]!;
        expect([r.request_id, r.cost_basis]).toEqual([r.request_id, basis]);
        if (cost === null) expect(r.cost).toBeNull();
        else expect(r.cost).toBeCloseTo(cost, 12);
      }
    });
  });

  it('joins each request to at most one price period', async () => {
    const { file, settings, catalog } = setup();
    await withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, file, file, {});
      await preparePricing(db, { from: null, to: null }, settings, catalog);
      expect(await db.scalar('SELECT count(*) FROM rc_costed')).toBe(await db.scalar('SELECT count(*) FROM requests'));
    });
  });

  it('counts unpriced requests by model and finds logged-vs-list gaps with their first day', async () => {
    const { file, settings, catalog } = setup();
    await withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, file, file, {});
      const facts = await loadCostFacts(db, { from: null, to: null }, settings, catalog);
      const unpriced = toUnpriced(facts.rows.unpriced, RECORDS.length);
      // unknown-model, wrong-provider, no-model, priority-no-rate, batch-no-rate: no price applies
      expect(unpriced.requests).toBe(5);
      expect(unpriced.share).toBeCloseTo(5 / RECORDS.length, 12);
      // catalog_priced: the model has a price, only not for these requests (their service tier has no rate)
      expect(unpriced.models.map((m) => [m.model, m.provider, m.requests, m.no_tier_rate, m.service_tiers, m.catalog_priced]).sort()).toEqual(
        [['', null, 1, 0, [], false], ['m-a', null, 1, 1, ['batch'], true], ['m-c', 'openai', 1, 0, [], false], ['m-zzz', null, 1, 0, [], false], ['m-c', 'azure', 1, 1, ['priority'], true]].sort(),
      );
      // no-tokens: m-a has a price in force, but the request has no token counts: its own class, not unpriced
      const noTokens = toNoTokenCounts(facts.rows.unpriced, RECORDS.length);
      expect(noTokens).toEqual({ requests: 1, share: 1 / RECORDS.length, models: [{ model: 'm-a', provider: null, requests: 1, share: 1 / RECORDS.length }] });
      const weeks = facts.rows.modelWeeks;
      expect(weeks.reduce((s, r) => s + Number(r['unpriced']), 0)).toBe(5);
      expect(weeks.reduce((s, r) => s + Number(r['no_tokens']), 0)).toBe(1);
      // A native $0 on a priced model is kept, and listed.
      expect(toLoggedZeros(facts.rows.loggedZeros)).toMatchObject({ repriced: 0, kept: 1, models: [{ model: 'm-a', format: 'native', kept: 1 }] });
      expect(toLoggedZeros(facts.rows.loggedZeros).kept_list_usd).toBeCloseTo((100 * 1 + 100 * 2) / 1e6, 12);
      // Only `logged` has both a logged cost and a list price (cache hits are left out): 0.123 vs 0.002.
      const gaps = toDiscrepancies(facts.rows.discrepancyDays, 0.05);
      expect(gaps).toHaveLength(1);
      expect(gaps[0]).toMatchObject({ model: 'm-a', since: '2025-03-10', requests: 1 });
      expect(gaps[0]!.logged_vs_catalog).toBeCloseTo(0.123 / ((1000 * 1 + 500 * 2) / 1e6) - 1, 9);
    });
  });

  it('restricts everything to the window', async () => {
    const { file, settings, catalog } = setup();
    await withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, file, file, {});
      const facts = await loadCostFacts(db, { from: '2025-03-12T00:00:00Z', to: null }, settings, catalog);
      const weekRows = facts.rows.modelWeeks;
      expect(weekRows.reduce((s, r) => s + Number(r['requests']), 0)).toBe(RECORDS.filter((r) => r.ts >= '2025-03-12').length);
      expect(facts.rows.discrepancyDays).toHaveLength(0);
    });
  });
});
