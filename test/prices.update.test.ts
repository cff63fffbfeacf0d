import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED, BUNDLED_RELEASE, catalogProviders, catalogStatus, STALE_AFTER_DAYS } from '../src/prices/catalog-data.js';
import { PriceCatalog } from '../src/prices/catalog.js';
import { staleCatalogWarning } from '../src/render/prices-cli.js';
import { runCli } from './run-cli.js';

/**
 * `routecheck prices update` against a real HTTP server on 127.0.0.1 (no internet): the download is checked,
 * written atomically, used by later runs instead of the bundled snapshot, and a failed update keeps the old file.
 */
const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-update-'));

/** A small genai-prices data JSON in the package's shape, with prices unlike the bundled ones so their use shows. */
function dataJson(input = 1.23, output = 4.56): unknown[] {
  return [
    {
      id: 'openai', name: 'OpenAI', api_pattern: 'https://api\\.openai\\.com', provider_match: { contains: 'openai' },
      model_match: { starts_with: 'gpt-' },
      models: [{ id: 'gpt-4o', match: { or: [{ equals: 'gpt-4o' }, { equals: 'gpt-4o-2024-08-06' }] }, prices: { input_mtok: input, output_mtok: output } }],
    },
    {
      id: 'anthropic', name: 'Anthropic', api_pattern: 'https://api\\.anthropic\\.com', provider_match: { contains: 'anthropic' },
      models: [{
        id: 'claude-3-5-haiku', match: { starts_with: 'claude-3-5-haiku' },
        prices: [{ prices: { input_mtok: 0.8, output_mtok: 4 } }, { constraint: { start_date: '2025-06-01' }, prices: { input_mtok: 0.7, output_mtok: 3.5 } }],
      }],
    },
  ];
}

let server: Server;
let base = '';
const routes = new Map<string, { status: number; body: string; delayMs?: number }>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const send = () => res.writeHead(route.status, { 'content-type': 'application/json' }).end(route.body);
    if (route.delayMs) setTimeout(send, route.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  routes.set('/data.json', { status: 200, body: JSON.stringify(dataJson()) });
  routes.set('/data2.json', { status: 200, body: JSON.stringify(dataJson(2.5, 10)) });
  routes.set('/broken.json', { status: 500, body: '{"error": {"message": "upstream down"}}' });
  routes.set('/html', { status: 200, body: '<html>maintenance</html>' });
  routes.set('/not-a-catalog.json', { status: 200, body: JSON.stringify([{ id: 'openai', models: [] }]) });
  routes.set('/bad-constraint.json', {
    status: 200,
    body: JSON.stringify(dataJson().map((p: any) => (p.id === 'openai' ? { ...p, models: [{ ...p.models[0], prices: [{ constraint: { start_date: 'soon' }, prices: { input_mtok: 1 } }] }] } : p))),
  });
  routes.set('/slow.json', { status: 200, body: JSON.stringify(dataJson()), delayMs: 3000 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('prices update', () => {
  it('downloads the data into the cache folder, and later runs price with it', async () => {
    const cache = tmp();
    const env = { XDG_CACHE_HOME: cache };
    const r = await runCli(['prices', 'update', '--url', `${base}/data.json`, '--format', 'json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const file = join(cache, 'routecheck', 'prices.json');
    const update = JSON.parse(r.stdout);
    expect(update).toMatchObject({ file, url: `${base}/data.json`, providers: 2, models: 2, previous: null });
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({ routecheck_price_catalog: 1, source_url: `${base}/data.json`, downloaded_at: update.downloaded_at });
    expect(written.providers).toEqual(dataJson());

    const show = await runCli(['prices', 'show', 'gpt-4o-2024-08-06', '--provider', 'openai', '--at', '2025-03-01', '--format', 'json'], { env });
    expect(show.code).toBe(0);
    const s = JSON.parse(show.stdout);
    expect(s.price).toMatchObject({ input_per_mtok: 1.23, output_per_mtok: 4.56, origin: 'genai-prices openai/gpt-4o' });
    expect(s.catalog).toMatchObject({ source: 'file', file, url: `${base}/data.json`, date: update.downloaded_at.slice(0, 10), stale: false, age_days: 0 });

    // The library's own dated prices work on the downloaded data as on the bundled one.
    const dated = await runCli(['prices', 'show', 'claude-3-5-haiku-20241022', '--provider', 'anthropic', '--at', '2025-07-01', '--format', 'json'], { env });
    expect(JSON.parse(dated.stdout).price).toMatchObject({ input_per_mtok: 0.7, output_per_mtok: 3.5 });
    // A model the downloaded data does not list is unpriced, though the bundled snapshot prices it.
    const missing = await runCli(['prices', 'show', 'gpt-4.1', '--provider', 'openai'], { env });
    expect(missing.code).toBe(1);
    expect(new PriceCatalog([]).priceAt('gpt-4.1', 'openai', new Date())).not.toBeNull();
  });

  it('says in the report which catalog priced it, and the same run without the file uses the bundled one', async () => {
    const cache = tmp();
    const env = { XDG_CACHE_HOME: cache };
    const logs = join(tmp(), 'logs.jsonl');
    writeFileSync(logs, [
      { ts: '2025-03-04T10:00:00Z', model: 'gpt-4o', provider: 'openai', input_tokens: 1000, output_tokens: 100 },
      { ts: '2025-03-05T10:00:00Z', model: 'gpt-4o', provider: 'openai', input_tokens: 2000, output_tokens: 200 },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const before = JSON.parse((await runCli(['report', logs, '--all', '--format', 'json', '--quiet'], { env })).stdout);
    expect(before.efficiency.catalog).toMatchObject({ source: 'bundled', version: BUNDLED.info.version, date: BUNDLED.info.date, file: null });

    expect((await runCli(['prices', 'update', '--url', `${base}/data.json`, '--quiet'], { env })).code).toBe(0);
    const after = await runCli(['report', logs, '--all', '--format', 'json', '--quiet'], { env });
    const report = JSON.parse(after.stdout);
    expect(report.efficiency.catalog).toMatchObject({ source: 'file', file: join(cache, 'routecheck', 'prices.json'), stale: false });
    expect(report.efficiency.prices[0]).toMatchObject({ model: 'gpt-4o', source: 'catalog', origin: 'genai-prices openai/gpt-4o' });
    const week = report.efficiency.weeks.find((w: any) => w.week === '2025-03-03');
    expect(week.families.find((f: any) => f.family === 'gpt-4o').cost_usd).toBeCloseTo((3000 * 1.23 + 300 * 4.56) / 1e6, 12);
    const table = await runCli(['report', logs, '--all', '--quiet'], { env });
    expect(table.stdout.replace(/\s+/g, ' ')).toContain(`catalog: genai-prices data downloaded ${report.efficiency.catalog.date} to ${join(cache, 'routecheck', 'prices.json')}.`);
  });

  it('reads the URL from ROUTECHECK_PRICES_URL, writes where --out says, and replaces an older download', async () => {
    const dir = tmp();
    const out = join(dir, 'nested', 'catalog.json');
    const env = { ROUTECHECK_PRICES_URL: `${base}/data.json` };
    const first = await runCli(['prices', 'update', '--out', out], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('price catalog updated: 2 providers, 2 models');
    expect(first.stdout).toContain(`from ${base}/data.json`);
    const second = await runCli(['prices', 'update', '--out', out, '--url', `${base}/data2.json`, '--format', 'json'], { env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).previous).toMatchObject({ source: 'file', url: `${base}/data.json`, file: out });
    expect(JSON.parse(readFileSync(out, 'utf8')).source_url).toBe(`${base}/data2.json`);
    expect(readdirSync(dirname(out))).toEqual(['catalog.json']);
  });

  it('uses the config\'s "price_catalog" path (relative to the config), and "bundled" ignores any download', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'routecheck.config.json'), JSON.stringify({ price_catalog: 'cat/prices.json' }));
    const config = join(dir, 'routecheck.config.json');
    expect((await runCli(['prices', 'update', '--config', config, '--url', `${base}/data.json`, '--quiet'])).code).toBe(0);
    expect(existsSync(join(dir, 'cat', 'prices.json'))).toBe(true);
    const show = JSON.parse((await runCli(['prices', 'show', 'gpt-4o', '--provider', 'openai', '--config', config, '--format', 'json'])).stdout);
    expect(show.price.input_per_mtok).toBe(1.23);

    const cache = tmp();
    const env = { XDG_CACHE_HOME: cache };
    expect((await runCli(['prices', 'update', '--url', `${base}/data.json`, '--quiet'], { env })).code).toBe(0);
    writeFileSync(join(dir, 'bundled.config.json'), JSON.stringify({ price_catalog: 'bundled' }));
    const bundled = JSON.parse((await runCli(['prices', 'show', 'gpt-4o', '--provider', 'openai', '--config', join(dir, 'bundled.config.json'), '--format', 'json'], { env })).stdout);
    expect(bundled.catalog.source).toBe('bundled');
    expect(bundled.price.input_per_mtok).not.toBe(1.23);
    const refused = await runCli(['prices', 'update', '--config', join(dir, 'bundled.config.json'), '--url', `${base}/data.json`], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/"price_catalog" is "bundled": give --out FILE/);
  });

  const failures: [string, string, RegExp][] = [
    ['an HTTP error', '/broken.json', /HTTP 500.*upstream down/],
    ['a body that is not JSON', '/html', /not JSON/],
    ['JSON that is not a whole catalog', '/not-a-catalog.json', /did not send a genai-prices catalog: no "anthropic" provider/],
    ['data the library refuses', '/bad-constraint.json', /did not send a genai-prices catalog: .*start-date/],
    ['a missing file', '/nowhere.json', /HTTP 404/],
  ];
  for (const [what, path, message] of failures) {
    it(`keeps the previous catalog on ${what} (exit 2, one line)`, async () => {
      const dir = tmp();
      const out = join(dir, 'prices.json');
      expect((await runCli(['prices', 'update', '--out', out, '--url', `${base}/data.json`, '--quiet'])).code).toBe(0);
      const before = readFileSync(out, 'utf8');
      const r = await runCli(['prices', 'update', '--out', out, '--url', `${base}${path}`]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(`${out} is unchanged`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readFileSync(out, 'utf8')).toBe(before);
      expect(readdirSync(dir)).toEqual(['prices.json']);
    });
  }

  it('gives up after --timeout and writes nothing', async () => {
    const dir = tmp();
    const r = await runCli(['prices', 'update', '--out', join(dir, 'prices.json'), '--url', `${base}/slow.json`, '--timeout', '300ms']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/timed out after 300ms.*is unchanged \(runs keep the bundled snapshot\)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses bad flags and a place it cannot name, before any request', async () => {
    expect((await runCli(['prices', 'update', '--url', 'ftp://example.com/x.json', '--out', join(tmp(), 'p.json')])).stderr).toMatch(/--url .* must be an http or https URL/);
    const nowhere = await runCli(['prices', 'update', '--url', `${base}/data.json`]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/needs a place for the catalog: --out FILE/);
  });

  it('reports a broken catalog file instead of pricing without it', async () => {
    const cache = tmp();
    mkdirSync(join(cache, 'routecheck'), { recursive: true });
    writeFileSync(join(cache, 'routecheck', 'prices.json'), '{"providers": "nope"}');
    const r = await runCli(['prices', 'show', 'gpt-4o'], { env: { XDG_CACHE_HOME: cache } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/price catalog .*prices\.json: expected an array of providers \(genai-prices data JSON\); run routecheck prices update again, or remove the file/);
    // and update repairs it
    expect((await runCli(['prices', 'update', '--url', `${base}/data.json`, '--quiet'], { env: { XDG_CACHE_HOME: cache } })).code).toBe(0);
    expect((await runCli(['prices', 'show', 'gpt-4o'], { env: { XDG_CACHE_HOME: cache } })).code).toBe(0);
  });
});

describe('catalog date and age', () => {
  it('pins the bundled release date to the installed package version', () => {
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
    // When this fails the package was upgraded: set BUNDLED_RELEASE to its version and npm release date.
    expect(BUNDLED_RELEASE.version).toBe(pkg.version);
    expect(BUNDLED.info).toMatchObject({ source: 'bundled', version: pkg.version, date: BUNDLED_RELEASE.date });
    expect(BUNDLED.info.providers).toBeGreaterThan(10);
  });

  it(`warns when the catalog is more than ${STALE_AFTER_DAYS} days old, not before`, () => {
    const date = new Date(`${BUNDLED_RELEASE.date}T00:00:00Z`).getTime();
    const at = (days: number) => new Date(date + days * 86_400_000 + 3_600_000);
    const fresh = catalogStatus(BUNDLED.info, at(STALE_AFTER_DAYS));
    const old = catalogStatus(BUNDLED.info, at(STALE_AFTER_DAYS + 1));
    expect(fresh).toMatchObject({ age_days: STALE_AFTER_DAYS, stale: false });
    expect(old).toMatchObject({ age_days: STALE_AFTER_DAYS + 1, stale: true });
    expect(staleCatalogWarning(fresh)).toBeNull();
    expect(staleCatalogWarning(old)).toBe(
      `the price catalog (genai-prices ${BUNDLED.info.version}, bundled snapshot of ${BUNDLED_RELEASE.date}) is more than ${STALE_AFTER_DAYS} days old: ` +
        'newer models and price changes may be missing — run routecheck prices update for the current genai-prices data.',
    );
  });

  it('accepts the data JSON as the package ships it, and rejects what is not one', () => {
    expect(catalogProviders(dataJson())).toHaveLength(2);
    expect(catalogProviders({ providers: dataJson() })).toHaveLength(2);
    expect(() => catalogProviders({})).toThrow(/expected an array of providers/);
    expect(() => catalogProviders([])).toThrow(/empty/);
    expect(() => catalogProviders([{ id: 'openai', models: [{ id: 'x', match: {}, prices: 3 }] }])).toThrow(/models\[0\] \(x\)\.prices/);
  });
});
