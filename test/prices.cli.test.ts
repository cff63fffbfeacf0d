import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const run = (argv: string[]) => runCli(argv);

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-pcli-'));

function priceFile(text: string, name = 'prices.csv'): string {
  const file = join(tmp(), name);
  writeFileSync(file, text);
  return file;
}

const DEMO_PRICES = 'model,provider,effective_from,input_per_mtok,output_per_mtok\nclaude-3-5-haiku-20250317,anthropic,2025-03-17,0.944,4.72\n';

describe('prices show', () => {
  it('shows the user price in force and where it comes from', async () => {
    const file = priceFile(DEMO_PRICES);
    const r = await run(['prices', 'show', 'claude-3-5-haiku-20250317', '--provider', 'anthropic', '--at', '2025-03-20', '--prices', file, '--format', 'json']);
    expect(r.code).toBe(0);
    const show = JSON.parse(r.stdout);
    expect(show.identity).toMatchObject({ provider: 'anthropic', family: 'claude-3-5-haiku', version: '20250317' });
    expect(show.price).toMatchObject({ input_per_mtok: 0.944, output_per_mtok: 4.72, source: 'user', origin: `${file} line 2 (claude-3-5-haiku-20250317)` });
    expect(show.price.from).toBe('2025-03-17T00:00:00.000Z');
  });

  it('falls back to the bundled catalog before the file row takes effect', async () => {
    const file = priceFile(DEMO_PRICES);
    const r = await run(['prices', 'show', 'claude-3-5-haiku-20250317', '--provider', 'anthropic', '--at', '2025-03-10', '--prices', file, '--format', 'json']);
    const show = JSON.parse(r.stdout);
    const lib = calcPrice({ input_tokens: 1_000_000 }, 'claude-3-5-haiku-20250317', { providerId: 'anthropic', timestamp: new Date('2025-03-10T00:00:00Z') })!;
    expect(show.price.source).toBe('catalog');
    expect(show.price.input_per_mtok).toBeCloseTo(lib.total_price, 9);
    expect(show.periods.map((p: any) => p.source)).toEqual(['catalog', 'user']);
  });

  it('prints a table', async () => {
    const r = await run(['prices', 'show', 'gpt-4o-mini-2024-07-18', '--at', '2025-03-10', '--config', join(tmp(), 'none.json')]);
    expect(r.code).toBe(2); // a missing --config is a usage error
    const ok = await run(['prices', 'show', 'gpt-4o-mini-2024-07-18', '--at', '2025-03-10']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('identity: provider openai, family gpt-4o-mini, version 2024-07-18');
    expect(ok.stdout).toMatch(/at 2025-03-10: \$0\.150 input, \$0\.600 output/);
    expect(ok.stdout).toContain('genai-prices openai/gpt-4o-mini');
  });

  it('exits 1 for a model nothing prices', async () => {
    const r = await run(['prices', 'show', 'acme-llama-3-70b-internal', '--provider', 'self-hosted', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ price: null, periods: [] });
  });

  it('rejects a bad --at and a bad price file with one line, exit 2', async () => {
    const a = await run(['prices', 'show', 'gpt-4o', '--at', 'yesterday']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--at "yesterday" is not a date/);
    const file = priceFile('model,input_per_mtok,output_per_mtok\ngpt-4o,2.5,ten\n');
    const b = await run(['prices', 'show', 'gpt-4o', '--prices', file]);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe(`routecheck: ${file} line 2: output_per_mtok "ten" is not a price (a number ≥ 0, USD per million tokens)`);
  });
});

describe('prices check', () => {
  const logs = (records: object[]): string => {
    const file = join(tmp(), 'logs.jsonl');
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file;
  };
  const base = { ts: '2025-03-18T10:00:00Z', input_tokens: 100, output_tokens: 100 };

  it('lists unpriced models and exits 1', async () => {
    const file = logs([
      { ...base, request_id: 'a', model: 'gpt-4o-mini-2024-07-18', provider: 'openai' },
      { ...base, request_id: 'b', model: 'acme-internal', provider: 'self-hosted' },
      { ...base, request_id: 'c', model: 'acme-internal', provider: 'self-hosted' },
      { ...base, request_id: 'd', model: 'acme-internal', provider: 'self-hosted', cost_usd: 0.01 },
    ]);
    const r = await run(['prices', 'check', file, '--format', 'json', '--quiet']);
    expect(r.code).toBe(1);
    const check = JSON.parse(r.stdout);
    expect(check.unpriced).toMatchObject({ requests: 2, share: 0.5, models: [{ model: 'acme-internal', provider: 'self-hosted', requests: 2 }] });
    expect(check.models.find((m: any) => m.model === 'gpt-4o-mini-2024-07-18')).toMatchObject({ source: 'catalog', unpriced: 0 });
    const table = await run(['prices', 'check', file, '--quiet']);
    expect(table.stdout).toMatch(/! 2 requests \(50\.0%\) have no logged cost and no price: acme-internal \(self-hosted\) 2/);
  });

  it('finds a logged cost that disagrees with the list price, and exits 0 once the price file fixes it', async () => {
    // Logged at the demo's bumped price; the catalog still has the old one.
    const cost = (100 * 0.944 + 100 * 4.72) / 1e6;
    const file = logs([
      { ...base, request_id: 'a', model: 'claude-3-5-haiku-20250317', provider: 'anthropic', cost_usd: cost },
      { ...base, request_id: 'b', ts: '2025-03-19T10:00:00Z', model: 'claude-3-5-haiku-20250317', provider: 'anthropic', cost_usd: cost },
    ]);
    const lib = calcPrice({ input_tokens: 100, output_tokens: 100 }, 'claude-3-5-haiku-20250317', { providerId: 'anthropic', timestamp: new Date(base.ts) })!;
    const r = await run(['prices', 'check', file, '--format', 'json', '--quiet']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout).discrepancies;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ model: 'claude-3-5-haiku-20250317', since: '2025-03-18', requests: 2 });
    expect(d[0].logged_vs_catalog).toBeCloseTo(cost / lib.total_price - 1, 9);

    const fixed = await run(['prices', 'check', file, '--prices', priceFile(DEMO_PRICES), '--format', 'json', '--quiet']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ unpriced: { requests: 0 }, discrepancies: [] });
  });

  it('says which requests have a price but no token counts (a streamed OpenInference span), and exits 0', async () => {
    const file = 'fixtures/formats/otel-openinference.jsonl';
    const table = await run(['prices', 'check', file, '--quiet']);
    expect(table.code).toBe(0);
    // Wrapped to the width: compared with its line breaks and indents as single spaces.
    expect(table.stdout.replace(/\s*\n\s*/g, ' ')).toContain('! 1 request (33.3%) has a price but no token counts, so an unknown cost (in no total): claude-3-5-sonnet-20241022 (anthropic) 1.');
    expect(table.stdout).toContain('every model is priced and logged costs match the list prices.');
    expect(table.stdout).not.toContain('every request is priced');
    const json = JSON.parse((await run(['prices', 'check', file, '--format', 'json', '--quiet'])).stdout);
    expect(json.no_token_counts).toMatchObject({ requests: 1, models: [{ model: 'claude-3-5-sonnet-20241022', requests: 1 }] });
  });

  it('needs inputs or a database', async () => {
    const r = await run(['prices', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/prices check needs log files/);
  });
});
