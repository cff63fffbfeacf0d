import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../src/config.js';
import { PriceCatalog } from '../src/prices/catalog.js';
import { loadPriceRows, normalizePricingSettings } from '../src/prices/settings.js';
import { parseUserPrices } from '../src/prices/userPrices.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-prices-'));
const at = (s: string) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s);

/** What the bundled library itself charges per million tokens of each kind at a time (the oracle). */
function libraryRates(model: string, when: string, providerId?: string, inputTokens = 1000) {
  const opts = { timestamp: at(when), ...(providerId ? { providerId } : {}) };
  const per = (usage: Record<string, number>, count: number) => (calcPrice(usage, model, opts)!.total_price * 1e6) / count;
  return {
    input: per({ input_tokens: inputTokens }, inputTokens),
    output: per({ input_tokens: inputTokens, output_tokens: 1000 }, 1000) - per({ input_tokens: inputTokens }, 1000),
  };
}

describe('user price file', () => {
  const CSV = [
    'model,provider,effective_from,effective_to,input_per_mtok,output_per_mtok,cached_input_per_mtok,cache_write_per_mtok',
    'claude-3-5-haiku-20250317,anthropic,2025-03-17,,0.944,4.72,,1.18',
    'gpt-4o*,,,,2,8,1',
    'gpt-4o-mini*,,,,0.1,0.4,',
    '/^acme-.*-internal$/,,,2025-03-01,0.5,0.5,',
    '/^acme-.*-internal$/,,2025-03-01,,0.7,0.7,',
    'my-azure-deployment,azure,,,3,12,',
  ].join('\n');
  const rows = parseUserPrices(CSV, 'prices.csv');
  const catalog = new PriceCatalog(rows, { bundled: false });

  it('reads every row with its line number', () => {
    expect(rows.map((r) => r.where)).toEqual([2, 3, 4, 5, 6, 7].map((n) => `prices.csv line ${n}`));
    expect(rows[0]).toMatchObject({ provider: 'anthropic', input_per_mtok: 0.944, output_per_mtok: 4.72, cached_input_per_mtok: null, cache_write_per_mtok: 1.18, to: null });
    expect(rows[1]!.cache_write_per_mtok).toBeNull();
    expect(rows[0]!.from!.toISOString()).toBe('2025-03-17T00:00:00.000Z');
  });

  it('matches exact names, * patterns (the longest first) and regular expressions', () => {
    expect(catalog.priceAt('claude-3-5-haiku-20250317', 'anthropic', at('2025-03-20'))?.input_per_mtok).toBe(0.944);
    expect(catalog.priceAt('gpt-4o-2024-08-06', null, at('2025-03-20'))?.input_per_mtok).toBe(2);
    // gpt-4o-mini* is longer than gpt-4o*, so it wins for the mini model
    expect(catalog.priceAt('gpt-4o-mini-2024-07-18', null, at('2025-03-20'))?.input_per_mtok).toBe(0.1);
    expect(catalog.priceAt('acme-llama-3-70b-internal', 'self-hosted', at('2025-02-20'))?.input_per_mtok).toBe(0.5);
    expect(catalog.priceAt('claude-3-opus-20240229', null, at('2025-03-20'))).toBeNull();
  });

  it('matches a model with its gateway prefix too, case-insensitively', () => {
    expect(catalog.priceAt('openai/GPT-4o', null, at('2025-03-20'))?.input_per_mtok).toBe(2);
  });

  it('honours effective_from (inclusive) and effective_to (exclusive)', () => {
    expect(catalog.priceAt('claude-3-5-haiku-20250317', 'anthropic', at('2025-03-16T23:59:59Z'))).toBeNull();
    expect(catalog.priceAt('claude-3-5-haiku-20250317', 'anthropic', at('2025-03-17T00:00:00Z'))?.input_per_mtok).toBe(0.944);
    expect(catalog.priceAt('acme-x-internal', null, at('2025-02-28T23:59:59Z'))?.input_per_mtok).toBe(0.5);
    expect(catalog.priceAt('acme-x-internal', null, at('2025-03-01T00:00:00Z'))?.input_per_mtok).toBe(0.7);
    const periods = catalog.periods('acme-x-internal', null);
    expect(periods.map((p) => [p.from?.toISOString() ?? null, p.to?.toISOString() ?? null, p.input_per_mtok])).toEqual([
      [null, '2025-03-01T00:00:00.000Z', 0.5],
      ['2025-03-01T00:00:00.000Z', null, 0.7],
    ]);
  });

  it('applies a provider row only to requests logged with that provider', () => {
    expect(catalog.priceAt('my-azure-deployment', 'azure', at('2025-03-20'))?.input_per_mtok).toBe(3);
    expect(catalog.priceAt('azure/my-azure-deployment', null, at('2025-03-20'))?.input_per_mtok).toBe(3);
    expect(catalog.priceAt('my-azure-deployment', 'openai', at('2025-03-20'))).toBeNull();
  });

  it('reads JSON: an array, or {"prices": [...]}', () => {
    const a = parseUserPrices(JSON.stringify([{ model: 'x', input_per_mtok: 1, output_per_mtok: 2 }]), 'p.json');
    const b = parseUserPrices(JSON.stringify({ prices: [{ model: 'x', input_per_mtok: '1', output_per_mtok: '2', cached_input_per_mtok: 0.5 }] }), 'p.json');
    expect(a[0]).toMatchObject({ pattern: 'x', input_per_mtok: 1, output_per_mtok: 2, where: 'p.json row 1' });
    expect(b[0]).toMatchObject({ input_per_mtok: 1, cached_input_per_mtok: 0.5 });
  });

  const bad: [string, string, string, RegExp][] = [
    ['a price that is not a number', 'p.csv', 'model,input_per_mtok,output_per_mtok\nx,1,2\ny,abc,2', /^p\.csv line 3: input_per_mtok "abc" is not a price/],
    ['a negative price', 'p.csv', 'model,input_per_mtok,output_per_mtok\nx,-1,2', /^p\.csv line 2: input_per_mtok "-1"/],
    ['a missing output price', 'p.csv', 'model,input_per_mtok,output_per_mtok\nx,1,', /^p\.csv line 2: "output_per_mtok" is required/],
    ['a missing model', 'p.csv', 'model,input_per_mtok,output_per_mtok\n,1,2', /^p\.csv line 2: "model" is required/],
    ['a bad date', 'p.csv', 'model,effective_from,input_per_mtok,output_per_mtok\nx,2025-02-30,1,2', /^p\.csv line 2: effective_from "2025-02-30" is not a date/],
    ['dates in the wrong order', 'p.csv', 'model,effective_from,effective_to,input_per_mtok,output_per_mtok\nx,2025-03-01,2025-02-01,1,2', /^p\.csv line 2: effective_from must be before effective_to/],
    ['a bad regex', 'p.csv', 'model,input_per_mtok,output_per_mtok\n/gpt-(/,1,2', /^p\.csv line 2: model \/gpt-\(\/ is not a valid regular expression/],
    ['an unknown column', 'p.csv', 'model,input_per_mtoken,output_per_mtok\nx,1,2', /^price file p\.csv: unknown column "input_per_mtoken"/],
    ['an unknown JSON field', 'p.json', '[{"model":"x","input_per_mtok":1,"output_per_mtok":2},{"model":"y","input":1}]', /^p\.json row 2: unknown field "input"/],
    ['JSON that is not rows', 'p.json', '{"models": []}', /^price file p\.json: expected an array of rows/],
  ];
  for (const [name, file, text, message] of bad) {
    it(`rejects ${name}, naming the file and row`, () => {
      expect(() => parseUserPrices(text, file)).toThrow(message);
    });
  }
});

describe('bundled catalog (genai-prices)', () => {
  const catalog = new PriceCatalog([]);

  it('prices a dated model as the library does', () => {
    const p = catalog.priceAt('gpt-4o-mini-2024-07-18', 'openai', at('2025-03-01'))!;
    const lib = libraryRates('gpt-4o-mini-2024-07-18', '2025-03-01', 'openai');
    expect(p.source).toBe('catalog');
    expect(p.input_per_mtok).toBeCloseTo(lib.input, 9);
    expect(p.output_per_mtok).toBeCloseTo(lib.output, 9);
  });

  it('maps logged provider names (bedrock → aws) and strips gateway prefixes', () => {
    const p = catalog.priceAt('bedrock/anthropic.claude-3-haiku-20240307-v1:0', null, at('2025-03-01'))!;
    const lib = libraryRates('anthropic.claude-3-haiku-20240307-v1:0', '2025-03-01', 'aws');
    expect(p.origin).toMatch(/^genai-prices aws\//);
    expect(p.input_per_mtok).toBeCloseTo(lib.input, 9);
  });

  it('splits a model whose catalog price changed on a date into periods', () => {
    const periods = catalog.periods('o3-2025-04-16', 'openai');
    expect(periods).toHaveLength(2);
    const boundary = periods[1]!.from!;
    expect(periods[0]!.to!.getTime()).toBe(boundary.getTime());
    const before = new Date(boundary.getTime() - 1000).toISOString();
    const after = new Date(boundary.getTime() + 1000).toISOString();
    expect(periods[0]!.input_per_mtok).toBeCloseTo(libraryRates('o3-2025-04-16', before, 'openai').input, 9);
    expect(periods[1]!.input_per_mtok).toBeCloseTo(libraryRates('o3-2025-04-16', after, 'openai').input, 9);
    expect(periods[0]!.input_per_mtok).not.toBeCloseTo(periods[1]!.input_per_mtok, 3);
  });

  it('turns long-context tiers into periods keyed on input tokens', () => {
    const periods = catalog.periods('gemini-2.5-pro', 'google');
    const small = catalog.priceAt('gemini-2.5-pro', 'google', at('2025-06-01'), 1000)!;
    const large = catalog.priceAt('gemini-2.5-pro', 'google', at('2025-06-01'), 300_000)!;
    expect(periods.length).toBeGreaterThanOrEqual(2);
    expect(small.input_per_mtok).toBeCloseTo(libraryRates('gemini-2.5-pro', '2025-06-01', 'google', 1000).input, 9);
    expect(large.input_per_mtok).toBeCloseTo(libraryRates('gemini-2.5-pro', '2025-06-01', 'google', 300_000).input, 9);
    expect(large.input_per_mtok).toBeGreaterThan(small.input_per_mtok);
  });

  it('keeps time-of-day prices as daily UTC windows, resolved as the library does', () => {
    const periods = catalog.periods('deepseek-chat', 'deepseek');
    // Off-peak before 00:30 and from 16:30, peak between: three windows that cover the day once.
    expect(periods.map((p) => [p.day_from_s, p.day_to_s])).toEqual([[0, 1800], [1800, 59400], [59400, 86400]]);
    for (const when of ['2025-03-17T00:29:59Z', '2025-03-17T00:30:00Z', '2025-03-17T10:00:00Z', '2025-03-17T16:29:59Z', '2025-03-17T16:30:00Z', '2025-03-17T23:59:59Z']) {
      const p = catalog.priceAt('deepseek-chat', 'deepseek', at(when))!;
      const lib = libraryRates('deepseek-chat', when, 'deepseek');
      expect([when, p.input_per_mtok]).toEqual([when, expect.closeTo(lib.input, 9)]);
      expect(p.output_per_mtok).toBeCloseTo(lib.output, 9);
    }
    expect(catalog.priceAt('deepseek-chat', 'deepseek', at('2025-03-17T10:00:00Z'))!.input_per_mtok)
      .toBeCloseTo(2 * catalog.priceAt('deepseek-chat', 'deepseek', at('2025-03-17T20:00:00Z'))!.input_per_mtok, 9);
  });

  it('combines dated and time-of-day prices (DeepSeek V4 from 2026-08-17)', () => {
    for (const when of ['2026-08-10T02:00:00Z', '2026-08-10T12:00:00Z', '2026-08-20T02:00:00Z', '2026-08-20T07:00:00Z', '2026-08-20T12:00:00Z']) {
      const p = catalog.priceAt('deepseek-v4-flash', 'deepseek', at(when))!;
      expect([when, p.input_per_mtok]).toEqual([when, expect.closeTo(libraryRates('deepseek-v4-flash', when, 'deepseek').input, 9)]);
    }
  });

  it('prices cache writes at their own rate, and names the provider\'s documented batch and flex multipliers', () => {
    const claude = catalog.priceAt('claude-3-5-haiku-20241022', 'anthropic', at('2025-03-17'))!;
    const lib = calcPrice({ input_tokens: 1e6, cache_write_tokens: 1e6 }, 'claude-3-5-haiku-20241022', { providerId: 'anthropic' })!.total_price;
    expect(claude.cache_write_per_mtok).toBeCloseTo(lib, 9);
    expect(claude.cache_write_per_mtok).toBeGreaterThan(claude.input_per_mtok);
    expect(claude.service_tiers).toEqual({ batch: 0.5 });
    expect(catalog.priceAt('gpt-4o-mini', 'openai', at('2025-03-17'))!).toMatchObject({ cache_write_per_mtok: null, service_tiers: { batch: 0.5, flex: 0.5 } });
    // DeepSeek documents no batch or flex tier here: none.
    expect(catalog.priceAt('deepseek-chat', 'deepseek', at('2025-03-17'))!.service_tiers).toEqual({});
  });

  it('gives no price to a provider it does not know rather than guessing from the name', () => {
    expect(catalog.periods('gpt-4o', 'self-hosted')).toEqual([]);
    expect(catalog.periods('acme-llama-3-70b-internal', null)).toEqual([]);
  });

  it('lets the user file override the catalog from its effective date on', () => {
    const rows = parseUserPrices('model,provider,effective_from,input_per_mtok,output_per_mtok\nclaude-3-5-haiku-20250317,anthropic,2025-03-17,0.944,4.72\n', 'prices.csv');
    const both = new PriceCatalog(rows);
    const before = both.priceAt('claude-3-5-haiku-20250317', 'anthropic', at('2025-03-10'))!;
    const after = both.priceAt('claude-3-5-haiku-20250317', 'anthropic', at('2025-03-18'))!;
    expect(before.source).toBe('catalog');
    expect(before.input_per_mtok).toBeCloseTo(libraryRates('claude-3-5-haiku-20250317', '2025-03-10', 'anthropic').input, 9);
    expect(after).toMatchObject({ source: 'user', input_per_mtok: 0.944, output_per_mtok: 4.72, origin: 'prices.csv line 2 (claude-3-5-haiku-20250317)' });
  });
});

describe('price settings from the config and flags', () => {
  it('resolves "prices" against the config file folder; --prices wins', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'prices.csv'), 'model,input_per_mtok,output_per_mtok\nx,1,2\n');
    const config = normalizeConfig({ prices: 'prices.csv' }, join(dir, 'routecheck.config.json'));
    const s = normalizePricingSettings(config, {});
    expect(s.priceFile).toBe(join(dir, 'prices.csv'));
    expect(loadPriceRows(s)[0]!.where).toBe(`${join(dir, 'prices.csv')} line 2`);
    expect(normalizePricingSettings(config, { prices: 'other.json' }).priceFile).toBe('other.json');
  });

  it('takes inline rows, week_start, efficiency thresholds and tiers', () => {
    const config = normalizeConfig({
      prices: [{ model: 'x*', input_per_mtok: 1, output_per_mtok: 2 }],
      week_start: 'Sunday',
      efficiency: { alert_drop: 0.2, discrepancy: 0.1 },
      tiers: [{ name: 'simple', models: ['gpt-4o-mini*'], below_score: 0.8 }, { name: 'hard', models: ['gpt-4o-2024-*'] }],
    }, 'c.json');
    const s = normalizePricingSettings(config, {});
    expect(s).toMatchObject({ weekStart: 'sunday', alertDrop: 0.2, discrepancy: 0.1 });
    expect(s.tiers.map((t) => t.name)).toEqual(['simple', 'hard']);
    expect(loadPriceRows(s)[0]!.where).toBe('c.json: "prices[0]"');
    expect(normalizePricingSettings(config, { weekStart: 'tue' }).weekStart).toBe('tuesday');
  });

  const bad: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    ['prices of the wrong type', { prices: { 'gpt-4o': { input: 1 } } }, {}, /c\.json: "prices" must be the path of a price file/],
    ['a bad week_start', { week_start: 'funday' }, {}, /c\.json: "week_start" "funday" is not a day of the week/],
    ['a bad --week-start', {}, { weekStart: 'x' }, /--week-start "x" is not a day of the week/],
    ['an alert_drop of 10 (not a fraction)', { efficiency: { alert_drop: 10 } }, {}, /c\.json: "efficiency.alert_drop" must be a fraction/],
    ['an unknown efficiency key', { efficiency: { drop: 0.1 } }, {}, /c\.json: "efficiency.drop" is not a known key/],
    ['tiers with a model that is not a string', { tiers: [{ name: 'a', models: ['x', 5] }] }, {}, /c\.json: "tiers\[0\]\.models" must be an array/],
  ];
  for (const [name, raw, flags, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => normalizePricingSettings(normalizeConfig(raw, 'c.json'), flags)).toThrow(message);
    });
  }
});
