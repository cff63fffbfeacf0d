import { runCli } from './run-cli.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { UsageError } from '../src/errors.js';
import {
  normalizeWatchConfig,
  parseSourceFlag,
  parseTimeout,
  requestHeaders,
  resolveSources,
  DEFAULT_URLS,
} from '../src/prices/sources.js';
import { watchSlackMessage } from '../src/render/prices-watch.js';
import {
  diffSnapshots,
  MalformedPayload,
  parseGenaiPrices,
  parseModelList,
  parseOpenRouter,
  parsePayload,
  type WatchResult,
} from '../src/prices/watch.js';

const fixture = (name: string) => readFileSync(join('fixtures/prices', name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as unknown;
const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-watch-'));

/** Runs the CLI in-process with captured output and the given environment. */
const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => runCli(argv, { env });

const by = <T extends { model: string }>(rows: T[]) => Object.fromEntries(rows.map((r) => [r.model, r]));

describe('genai-prices data.json', () => {
  const at = new Date('2025-03-17T02:00:00Z');

  it('reads each provider/model with the price in force, base tier, unknown when not per token', () => {
    const rows = by(parseGenaiPrices(json('genai-prices.before.json'), at));
    expect(Object.keys(rows).sort()).toEqual([
      'anthropic/claude-3-5-sonnet', 'anthropic/claude-3-haiku', 'deepseek/deepseek-chat',
      'openai/dall-e-3', 'openai/gpt-3.5-turbo', 'openai/gpt-4o',
    ]);
    expect(rows['anthropic/claude-3-haiku']).toMatchObject({ input_per_mtok: 0.25, output_per_mtok: 1.25 });
    expect(rows['anthropic/claude-3-5-sonnet']).toMatchObject({ input_per_mtok: 3, output_per_mtok: 15 }); // tiered: base
    expect(rows['openai/gpt-4o']).toMatchObject({ input_per_mtok: 2.5, output_per_mtok: 10 }); // 2024-08-06 entry, not 2099
    expect(rows['deepseek/deepseek-chat']).toMatchObject({ input_per_mtok: 0.135, output_per_mtok: 0.55 }); // time of day ignored
    expect(rows['openai/dall-e-3']).toMatchObject({ input_per_mtok: null, output_per_mtok: null });
    expect(JSON.parse(rows['anthropic/claude-3-haiku']!.raw).match).toEqual({ starts_with: 'claude-3-haiku' });
  });

  it('picks dated prices by the fetch time', () => {
    const before = by(parseGenaiPrices(json('genai-prices.before.json'), new Date('2024-08-05T23:59:59Z')));
    expect(before['openai/gpt-4o']).toMatchObject({ input_per_mtok: 5, output_per_mtok: 15 });
    const later = by(parseGenaiPrices(json('genai-prices.before.json'), new Date('2099-01-01T00:00:00Z')));
    expect(later['openai/gpt-4o']).toMatchObject({ input_per_mtok: 99, output_per_mtok: 99 });
  });

  it('reads the v3 shape ({"providers": [...]}) the same', () => {
    const v2 = parseGenaiPrices(json('genai-prices.before.json'), at);
    const v3 = parseGenaiPrices({ units: {}, providers: json('genai-prices.before.json') }, at);
    expect(v3).toEqual(v2);
  });

  const malformed: [string, unknown, RegExp][] = [
    ['not an array', { models: [] }, /expected an array of providers/],
    ['a provider without models', [{ id: 'x' }], /\[0\] \(x\)\.models is not an array/],
    ['a model without id', [{ id: 'x', models: [{ prices: {} }] }], /\[0\]\.models\[0\]\.id/],
    ['a price that is text', [{ id: 'x', models: [{ id: 'm', prices: { input_mtok: '3' } }] }], /\[0\]\.models\[0\]\.prices\.input_mtok is not a price/],
    ['a negative price', [{ id: 'x', models: [{ id: 'm', prices: { output_mtok: -1 } }] }], /output_mtok is not a price/],
    ['prices neither object nor list', [{ id: 'x', models: [{ id: 'm', prices: 3 }] }], /prices is neither/],
    ['a bad start_date', [{ id: 'x', models: [{ id: 'm', prices: [{ prices: {} }, { constraint: { start_date: 'soon' }, prices: {} }] }] }], /start_date "soon"/],
  ];
  it.each(malformed)('rejects %s', (_name, payload, message) => {
    expect(() => parseGenaiPrices(payload, at)).toThrow(MalformedPayload);
    expect(() => parseGenaiPrices(payload, at)).toThrow(message);
  });
});

describe('OpenRouter /api/v1/models', () => {
  it('turns USD per token strings into exact $/MTok and -1 into unknown', () => {
    const rows = by(parseOpenRouter(json('openrouter.before.json')));
    expect(Object.keys(rows).sort()).toEqual(['anthropic/claude-3-haiku', 'openai/gpt-3.5-turbo-0613', 'openai/gpt-4o-2024-08-06', 'openrouter/auto']);
    expect(rows['anthropic/claude-3-haiku']).toMatchObject({ input_per_mtok: 0.25, output_per_mtok: 1.25 });
    expect(rows['openai/gpt-4o-2024-08-06']).toMatchObject({ input_per_mtok: 2.5, output_per_mtok: 10 });
    expect(rows['openrouter/auto']).toMatchObject({ input_per_mtok: null, output_per_mtok: null });
    const after = by(parseOpenRouter(json('openrouter.after.json')));
    expect(after['anthropic/claude-3-haiku']).toMatchObject({ input_per_mtok: 0.295, output_per_mtok: 1.475 });
    // 0.0000008 × 1e6 is 0.7999999999999999 in floating point; the parser must give 0.8.
    expect(after['anthropic/claude-3.5-haiku-20241022']).toMatchObject({ input_per_mtok: 0.8, output_per_mtok: 4 });
  });

  it('rejects a price that is not a number, naming the field', () => {
    expect(() => parseOpenRouter(json('openrouter.malformed.json'))).toThrow(/data\[1\]\.pricing\.prompt is not a number \("two dollars"\)/);
    expect(() => parseOpenRouter({ models: [] })).toThrow(/expected \{"data": \[models\]\}/);
    expect(() => parseOpenRouter({ data: [{ id: 'a' }] })).toThrow(/data\[0\]\.pricing is not an object/);
  });
});

describe('OpenAI and Anthropic /v1/models', () => {
  it('lists the ids, without prices', () => {
    expect(parseModelList(json('openai-models.json'), 'openai').map((m) => m.model)).toEqual([
      'gpt-3.5-turbo-0125', 'gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18', 'text-embedding-3-small',
    ]);
    const anthropic = parseModelList(json('anthropic-models.page1.json'), 'anthropic');
    expect(anthropic[0]).toMatchObject({ model: 'claude-3-5-haiku-20241022', input_per_mtok: null, output_per_mtok: null });
    expect(() => parseModelList([], 'openai')).toThrow(MalformedPayload);
    expect(() => parseModelList({ data: [{ name: 'x' }] }, 'anthropic')).toThrow(/data\[0\]\.id/);
  });

  it('refuses an empty list (storing it would report every model removed)', () => {
    expect(() => parsePayload('openai', { object: 'list', data: [] }, new Date())).toThrow(/lists no models/);
  });
});

describe('diffSnapshots', () => {
  const m = (model: string, input: number | null, output: number | null) => ({ model, input_per_mtok: input, output_per_mtok: output });

  it('finds new, removed and repriced models with fractional changes', () => {
    const diff = diffSnapshots(
      [m('a', 0.25, 1.25), m('b', 1, 2), m('c', 3, 15), m('d', null, null), m('e', 2, 8)],
      [m('a', 0.295, 1.475), m('c', 3, 15), m('d', 1, 4), m('e', 2, 6), m('f', 0.15, 0.6)],
    );
    expect(diff.added).toEqual([m('f', 0.15, 0.6)]);
    expect(diff.removed).toEqual([m('b', 1, 2)]);
    expect(diff.price_changes.map((p) => p.model)).toEqual(['a', 'd', 'e']);
    const [a, d, e] = diff.price_changes;
    expect(a!.input_per_mtok.change).toBeCloseTo(0.295 / 0.25 - 1, 12);
    expect(a!.output_per_mtok.change).toBeCloseTo(0.18, 12);
    expect(d!.input_per_mtok).toEqual({ before: null, after: 1, change: null }); // unknown → known is a change
    expect(e!.input_per_mtok).toEqual({ before: 2, after: 2, change: 0 });
    expect(e!.output_per_mtok.change).toBeCloseTo(-0.25, 12);
  });

  it('sees no change in the same list, nor in float noise', () => {
    const diff = diffSnapshots([m('a', 0.8, 4)], [m('a', 0.0000008 * 1e6, 4)]);
    expect(diff).toEqual({ added: [], removed: [], price_changes: [] });
  });
});

describe('sources', () => {
  it('parses --source FORMAT[=URL]', () => {
    expect(parseSourceFlag('openrouter')).toEqual({ name: 'openrouter', format: 'openrouter', url: DEFAULT_URLS.openrouter });
    expect(parseSourceFlag('openai=http://127.0.0.1:9/v1/models')).toEqual({ name: 'openai', format: 'openai', url: 'http://127.0.0.1:9/v1/models' });
    expect(() => parseSourceFlag('litellm=http://x')).toThrow(/must be one of genai-prices, openrouter, openai, anthropic \(got "litellm"\)/);
    expect(() => parseSourceFlag('openai=ftp://x')).toThrow(/http or https/);
    expect(() => resolveSources({ sources: [] }, ['openai', 'openai=http://a.test'])).toThrow(/given twice/);
    expect(() => resolveSources({ sources: [] }, undefined)).toThrow(/needs sources/);
  });

  it('validates prices_watch in the config, naming the file and field', () => {
    const config = normalizeWatchConfig({ sources: [{ format: 'openrouter' }, { name: 'mine', format: 'genai-prices', url: 'http://h.test/d.json' }], timeout: '30s' }, 'rc.json');
    expect(config.sources).toEqual([
      { name: 'openrouter', format: 'openrouter', url: DEFAULT_URLS.openrouter },
      { name: 'mine', format: 'genai-prices', url: 'http://h.test/d.json' },
    ]);
    const bad: [unknown, RegExp][] = [
      [[], /rc\.json: "prices_watch" must be an object/],
      [{ sources: {} }, /rc\.json: "prices_watch\.sources" must be an array/],
      [{ sources: [{ url: 'http://x.test' }] }, /rc\.json: "prices_watch\.sources\[0\]\.format" must be one of/],
      [{ sources: [{ format: 'openai', url: 'nope' }] }, /"prices_watch\.sources\[0\]\.url" "nope" is not a URL/],
      [{ sources: [{ format: 'openai' }, { format: 'openai' }] }, /two sources are named "openai"/],
      [{ timeout: 'soon' }, /"prices_watch\.timeout" "soon" must be a duration/],
      [{ webhook: 12 }, /"prices_watch\.webhook" must be a non-empty string/],
    ];
    for (const [raw, message] of bad) {
      expect(() => normalizeWatchConfig(raw, 'rc.json')).toThrow(UsageError);
      expect(() => normalizeWatchConfig(raw, 'rc.json')).toThrow(message);
    }
  });

  it('parses timeouts', () => {
    expect(parseTimeout('10s')).toBe(10_000);
    expect(parseTimeout('500ms')).toBe(500);
    expect(parseTimeout('2m')).toBe(120_000);
    expect(parseTimeout('3')).toBe(3000);
    for (const bad of ['0s', '-1s', '11m', 'ten', '']) expect(() => parseTimeout(bad)).toThrow(/--timeout/);
  });

  it('reads API keys from the environment only for the source that needs them', () => {
    const openai = { name: 'openai', format: 'openai' as const, url: 'http://x.test' };
    const anthropic = { name: 'anthropic', format: 'anthropic' as const, url: 'http://x.test' };
    const openrouter = { name: 'openrouter', format: 'openrouter' as const, url: 'http://x.test' };
    expect(requestHeaders(openai, { OPENAI_API_KEY: 'sk-1' })['authorization']).toBe('Bearer sk-1');
    expect(requestHeaders(anthropic, { ANTHROPIC_API_KEY: 'ak-1' })).toMatchObject({ 'x-api-key': 'ak-1', 'anthropic-version': '2023-06-01' });
    expect(requestHeaders(openrouter, {})).not.toHaveProperty('authorization');
    expect(() => requestHeaders(openai, {})).toThrow(/needs OPENAI_API_KEY/);
    expect(() => requestHeaders(anthropic, { OPENAI_API_KEY: 'x' })).toThrow(/needs ANTHROPIC_API_KEY/);
  });
});

// ---------------------------------------------------------------------------------------------
// The command, against a real HTTP server on 127.0.0.1.

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
const routes = new Map<string, Handler>();
const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

const serve = (status: number, text: string, type = 'application/json'): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': type });
  res.end(text);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const handler = routes.get(url.pathname);
      if (handler) handler(req, res, body);
      else serve(404, '{"error":{"message":"no such route"}}')(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  routes.clear();
  requests.length = 0;
});

async function dbRows(db: string, sql: string) {
  return withDatabase({ path: db }, (d) => d.all(sql));
}

describe('routecheck prices watch', () => {
  it('first run stores a baseline (exit 0), an unchanged list exits 0, a changed one exits 1 with the diff', async () => {
    const db = join(tmp(), 'w.duckdb');
    const args = ['prices', 'watch', '--source', `openrouter=${base}/api/v1/models`, '--db', db];
    routes.set('/api/v1/models', serve(200, fixture('openrouter.before.json')));

    const first = await run(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('baseline: 4 models');
    expect(first.stdout).toContain(`snapshots stored in ${db}`);

    const second = await run([...args, '--format', 'json']);
    expect(second.code).toBe(0);
    const unchanged = JSON.parse(second.stdout);
    expect(unchanged.changed).toBe(false);
    expect(unchanged.sources[0]).toMatchObject({ name: 'openrouter', status: 'unchanged', models: 4, added: [], removed: [], price_changes: [] });
    expect(unchanged.sources[0].previous_fetched_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    routes.set('/api/v1/models', serve(200, fixture('openrouter.after.json')));
    const third = await run([...args, '--format', 'json']);
    expect(third.code).toBe(1);
    const changed = JSON.parse(third.stdout);
    expect(changed.changed).toBe(true);
    const s = changed.sources[0];
    expect(s.status).toBe('changed');
    expect(s.added).toEqual([{ model: 'anthropic/claude-3.5-haiku-20241022', input_per_mtok: 0.8, output_per_mtok: 4 }]);
    expect(s.removed).toEqual([{ model: 'openai/gpt-3.5-turbo-0613', input_per_mtok: 1, output_per_mtok: 2 }]);
    expect(s.price_changes).toHaveLength(1);
    expect(s.price_changes[0].model).toBe('anthropic/claude-3-haiku');
    expect(s.price_changes[0].input_per_mtok).toMatchObject({ before: 0.25, after: 0.295 });
    expect(s.price_changes[0].input_per_mtok.change).toBeCloseTo(0.18, 9);
    expect(s.price_changes[0].output_per_mtok.change).toBeCloseTo(1.475 / 1.25 - 1, 9);

    // Three runs; the unchanged one stored no rows of its own.
    const runs = await dbRows(db, 'SELECT run_id, models, rows_run_id FROM price_snapshot_runs ORDER BY run_id');
    expect(runs.map((r) => [Number(r['run_id']), Number(r['models']), Number(r['rows_run_id'])])).toEqual([[1, 4, 1], [2, 4, 1], [3, 4, 3]]);
    const rows = await dbRows(db, 'SELECT run_id, count(*) AS n FROM price_snapshots GROUP BY run_id ORDER BY run_id');
    expect(rows.map((r) => [Number(r['run_id']), Number(r['n'])])).toEqual([[1, 4], [3, 4]]);
    const haiku = await dbRows(db, "SELECT input_per_mtok, output_per_mtok, raw FROM price_snapshots WHERE run_id = 3 AND model = 'anthropic/claude-3-haiku'");
    expect(haiku[0]).toMatchObject({ input_per_mtok: 0.295, output_per_mtok: 1.475 });
    expect(JSON.parse(String(haiku[0]!['raw'])).pricing.prompt).toBe('0.000000295');

    // The next run compares with the changed list: nothing new.
    expect((await run(args)).code).toBe(0);
  });

  it('prints the changes as a table that fits 100 columns', async () => {
    const db = join(tmp(), 'w.duckdb');
    const args = ['prices', 'watch', '--source', `genai-prices=${base}/data.json`, '--db', db];
    routes.set('/data.json', serve(200, fixture('genai-prices.before.json')));
    expect((await run(args)).code).toBe(0);
    routes.set('/data.json', serve(200, fixture('genai-prices.after.json')));
    const { code, stdout } = await run(args);
    expect(code).toBe(1);
    expect(stdout).toContain('6 models; changed since');
    expect(stdout).toContain('1 new, 1 removed, 1 price change');
    expect(stdout).toMatch(/new\s+│ openai\/gpt-4o-mini\s+│\s+0\.15 │\s+0\.6 │/);
    expect(stdout).toMatch(/removed │ openai\/gpt-3\.5-turbo\s+│\s+0\.5 │\s+1\.5 │/);
    expect(stdout).toMatch(/price\s+│ anthropic\/claude-3-haiku\s+│ 0\.25 → 0\.295 \(\+18\.0%\) │ 1\.25 → 1\.475 \(\+18\.0%\) │/);
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('a timeout exits 2 with one line and keeps the previous snapshot', async () => {
    const db = join(tmp(), 'w.duckdb');
    const args = ['prices', 'watch', '--source', `openrouter=${base}/api/v1/models`, '--db', db, '--timeout', '300ms'];
    routes.set('/api/v1/models', serve(200, fixture('openrouter.before.json')));
    expect((await run(args)).code).toBe(0);

    routes.set('/api/v1/models', () => undefined); // never answers
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `routecheck: prices watch: source "openrouter": timed out after 300ms fetching ${base}/api/v1/models; previous snapshot kept`,
    ]);
    const runs = await dbRows(db, 'SELECT count(*) AS n FROM price_snapshot_runs');
    expect(Number(runs[0]!['n'])).toBe(1);

    // The stored snapshot is still the comparison point: the changed list is reported next time.
    routes.set('/api/v1/models', serve(200, fixture('openrouter.after.json')));
    expect((await run(args)).code).toBe(1);
  });

  it('an HTTP error exits 2, names the status and the provider message, and stores nothing', async () => {
    const db = join(tmp(), 'w.duckdb');
    routes.set('/v1/models', serve(500, '{"error":{"message":"overloaded, try later","type":"api_error"}}'));
    const { code, stdout, stderr } = await run(
      ['prices', 'watch', '--source', `openai=${base}/v1/models`, '--db', db, '--format', 'json'],
      { OPENAI_API_KEY: 'sk-test' },
    );
    expect(code).toBe(2);
    expect(stderr).toBe(`routecheck: prices watch: source "openai": HTTP 500 Internal Server Error from ${base}/v1/models: overloaded, try later; previous snapshot kept\n`);
    expect(JSON.parse(stdout).sources[0]).toMatchObject({ status: 'error', models: null });
    expect(Number((await dbRows(db, 'SELECT count(*) AS n FROM price_snapshot_runs'))[0]!['n'])).toBe(0);
  });

  it('a malformed payload exits 2 naming the field; a non-JSON body too', async () => {
    const db = join(tmp(), 'w.duckdb');
    const args = ['prices', 'watch', '--source', `openrouter=${base}/api/v1/models`, '--db', db];
    routes.set('/api/v1/models', serve(200, fixture('openrouter.before.json')));
    expect((await run(args)).code).toBe(0);

    routes.set('/api/v1/models', serve(200, fixture('openrouter.malformed.json')));
    const bad = await run(args);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      `routecheck: prices watch: source "openrouter": malformed openrouter payload from ${base}/api/v1/models: ` +
        `data[1].pricing.prompt is not a number ("two dollars"); previous snapshot kept\n`,
    );

    routes.set('/api/v1/models', serve(200, '<html>maintenance</html>', 'text/html'));
    const html = await run(args);
    expect(html.code).toBe(2);
    expect(html.stderr).toContain('is not JSON (starts with "<html>maintenance</html>")');

    const rows = await dbRows(db, 'SELECT count(*) AS n FROM price_snapshot_runs');
    expect(Number(rows[0]!['n'])).toBe(1);
  });

  it('posts a Slack-compatible message to --webhook when something changed', async () => {
    const db = join(tmp(), 'w.duckdb');
    const args = ['prices', 'watch', '--source', `openrouter=${base}/api/v1/models`, '--db', db, '--webhook', `${base}/hooks/T000/B000/xyz`];
    routes.set('/hooks/T000/B000/xyz', serve(200, 'ok', 'text/plain'));
    routes.set('/api/v1/models', serve(200, fixture('openrouter.before.json')));
    expect((await run(args)).code).toBe(0);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0); // a baseline is not news

    routes.set('/api/v1/models', serve(200, fixture('openrouter.after.json')));
    expect((await run(args)).code).toBe(1);
    const posts = requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.url).toBe('/hooks/T000/B000/xyz');
    expect(posts[0]!.headers['content-type']).toBe('application/json');
    const message = JSON.parse(posts[0]!.body);
    expect(message.text).toBe('routecheck prices watch: openrouter: 1 new, 1 removed, 1 price change');
    const body = message.blocks.map((b: { text?: { text?: string } }) => b.text?.text ?? '').join('\n');
    expect(body).toContain('• new `anthropic/claude-3.5-haiku-20241022` (input $0.8, output $4 per MTok)');
    expect(body).toContain('• removed `openai/gpt-3.5-turbo-0613`');
    expect(body).toContain('• price `anthropic/claude-3-haiku`: input $0.25 → $0.295 (+18.0%), output $1.25 → $1.475 (+18.0%) per MTok');

    // No change: no post.
    expect((await run(args)).code).toBe(0);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a webhook that fails exits 2 and stores nothing, so the change is reported again', async () => {
    const db = join(tmp(), 'w.duckdb');
    const args = ['prices', 'watch', '--source', `openrouter=${base}/api/v1/models`, '--db', db, '--webhook', `${base}/hook/secret-token`];
    routes.set('/api/v1/models', serve(200, fixture('openrouter.before.json')));
    expect((await run(args)).code).toBe(0);
    routes.set('/api/v1/models', serve(200, fixture('openrouter.after.json')));
    routes.set('/hook/secret-token', serve(500, 'no_service', 'text/plain'));
    const failed = await run(args);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain(`webhook 127.0.0.1:${new URL(base).port} answered HTTP 500: no_service; nothing stored`);
    expect(failed.stderr).not.toContain('secret-token');
    expect(failed.stdout).toContain('nothing stored');
    routes.set('/hook/secret-token', serve(200, 'ok', 'text/plain'));
    expect((await run(args)).code).toBe(1);
  });

  it('sends the Anthropic headers, follows its pages, and reads keys only for sources in use', async () => {
    const db = join(tmp(), 'w.duckdb');
    routes.set('/v1/models', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const page = url.searchParams.get('after_id') === 'claude-3-haiku-20240317' ? 'page2' : 'page1';
      serve(200, fixture(`anthropic-models.${page}.json`))(req, res, '');
    });
    const args = ['prices', 'watch', '--source', `anthropic=${base}/v1/models`, '--db', db, '--format', 'json'];
    const missing = await run(args, { OPENAI_API_KEY: 'sk-unused' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('routecheck: source "anthropic" (anthropic) needs ANTHROPIC_API_KEY in the environment\n');
    expect(requests).toHaveLength(0);

    const { code, stdout } = await run(args, { ANTHROPIC_API_KEY: 'ak-test' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).sources[0]).toMatchObject({ status: 'baseline', models: 3 });
    expect(requests.map((r) => r.url)).toEqual(['/v1/models?limit=1000', '/v1/models?limit=1000&after_id=claude-3-haiku-20240317']);
    for (const r of requests) {
      expect(r.headers['x-api-key']).toBe('ak-test');
      expect(r.headers['anthropic-version']).toBe('2023-06-01');
      expect(r.headers['authorization']).toBeUndefined();
    }
    const models = await dbRows(db, 'SELECT model FROM price_snapshots ORDER BY model');
    expect(models.map((r) => r['model'])).toEqual(['claude-3-5-haiku-20241022', 'claude-3-haiku-20240307', 'claude-3-haiku-20240317']);
  });

  it('reads sources from the config; one failing source does not hide another one\'s changes', async () => {
    const dir = tmp();
    const db = join(dir, 'w.duckdb');
    const config = join(dir, 'routecheck.config.json');
    writeFileSync(config, JSON.stringify({
      prices_watch: {
        sources: [
          { name: 'catalog', format: 'genai-prices', url: `${base}/data.json` },
          { name: 'openai-models', format: 'openai', url: `${base}/v1/models` },
        ],
      },
    }));
    const args = ['prices', 'watch', '--config', config, '--db', db, '--format', 'json'];
    const env = { OPENAI_API_KEY: 'sk-test' };
    routes.set('/data.json', serve(200, fixture('genai-prices.before.json')));
    routes.set('/v1/models', serve(200, fixture('openai-models.json')));
    const first = await run(args, env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).sources.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['catalog', 'baseline'], ['openai-models', 'baseline'],
    ]);
    expect(requests.find((r) => r.url === '/v1/models')!.headers['authorization']).toBe('Bearer sk-test');
    expect(requests.find((r) => r.url === '/data.json')!.headers['authorization']).toBeUndefined();

    routes.set('/data.json', serve(200, fixture('genai-prices.after.json')));
    routes.set('/v1/models', serve(503, 'upstream down', 'text/plain'));
    const second = await run(args, env);
    expect(second.code).toBe(2); // an error outranks a change
    const result = JSON.parse(second.stdout);
    expect(result.sources[0]).toMatchObject({ name: 'catalog', status: 'changed' });
    expect(result.sources[0].added.map((m: { model: string }) => m.model)).toEqual(['openai/gpt-4o-mini']);
    expect(result.sources[0].removed.map((m: { model: string }) => m.model)).toEqual(['openai/gpt-3.5-turbo']);
    expect(result.sources[1]).toMatchObject({ name: 'openai-models', status: 'error' });
    expect(second.stderr).toContain('source "openai-models": HTTP 503');
    const latest = await dbRows(db, 'SELECT source, max(run_id) AS run FROM price_snapshot_runs GROUP BY source ORDER BY source');
    expect(latest.map((r) => [r['source'], Number(r['run'])])).toEqual([['catalog', 3], ['openai-models', 2]]);
  });

  it('usage errors: no sources, a bad --timeout, a bad --webhook', async () => {
    const dir = tmp();
    const db = join(dir, 'w.duckdb');
    const cases: [string[], RegExp][] = [
      [['prices', 'watch', '--db', db], /prices watch needs sources/],
      [['prices', 'watch', '--db', db, '--source', 'openrouter', '--timeout', 'forever'], /--timeout "forever" must be a duration/],
      [['prices', 'watch', '--db', db, '--source', 'openrouter', '--webhook', 'slack'], /--webhook "slack" is not a URL/],
      [['prices', 'watch', '--db', db, '--source', 'bedrock'], /must be one of genai-prices, openrouter, openai, anthropic/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(requests).toHaveLength(0);
  });

  it('an unknown flag is a usage error, not a process exit', async () => {
    const { code, stderr } = await run(['prices', 'watch', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown option '--bogus'/);
  });
});

describe('watchSlackMessage', () => {
  it('escapes mrkdwn and keeps a section under Slack\'s 3,000 characters', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ model: `vendor/model-<${i}>&x`, input_per_mtok: 1, output_per_mtok: 2 }));
    const result: WatchResult = {
      fetched_at: '2025-03-17T02:00:00.000Z', changed: true, stored: true,
      sources: [{
        name: 'openrouter', format: 'openrouter', url: 'http://x.test', status: 'changed', models: 400,
        previous_fetched_at: '2025-03-16T02:00:00.000Z', added: many, removed: [], price_changes: [],
      }],
    };
    const message = watchSlackMessage(result);
    expect(message.text).toBe('routecheck prices watch: openrouter: 400 new');
    const section = message.blocks.find((b) => b['type'] === 'section') as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toContain('`vendor/model-&lt;0&gt;&amp;x`');
    expect(section.text.text).not.toContain('<0>');
    expect(section.text.text).toMatch(/… and \d+ more$/);
  });
});
