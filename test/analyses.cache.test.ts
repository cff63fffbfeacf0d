import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MISS_PAGE, replayCaches, toCache, type Cache, type CacheResult,
} from '../src/analyses/cache.js';
import { inferTtl, normalizeCacheSettings, parseTtl } from '../src/analyses/cache-settings.js';
import { normalizeConfig } from '../src/config.js';
import { withDatabase, type Database } from '../src/db/database.js';
import { CACHE_TTL_HOURS } from '../src/demo/generate.js';
import { contentKey } from '../src/embed/normalize.js';
import { UsageError } from '../src/errors.js';
import { ingestFile } from '../src/load/ingest.js';
import { cacheBlocks, cacheSection } from '../src/sections/cache.js';
import type { SectionContext } from '../src/sections/section.js';
import { testContext } from './section-context.js';
import { drawBlocks } from '../src/render/terminal.js';
import { demoTruth } from './demo-records.js';
import { demoDb } from './demo-report.js';
import { runCli } from './run-cli.js';

const HOUR = 3_600_000;

function ctxFor(db: Database, options: Record<string, unknown> = {}, configRaw: Record<string, unknown> = {}): SectionContext {
  // lexical: the tests must not depend on a transformers model being on the machine.
  return testContext(db, { flags: { embedder: 'lexical', quiet: true, ...options }, config: configRaw });
}

/** The cache section's result for a context (what `report` puts under `cache`). */
async function buildCache(ctx: SectionContext): Promise<Cache> {
  return (await cacheSection.build(ctx, {} as never)).cache!;
}

function available(c: Cache): CacheResult {
  if (!c.available) throw new Error(`cache section not available: ${c.reason}`);
  return c;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Writes records as native JSONL, loads them into a fresh in-memory database and runs `fn`. */
async function withLog<T>(records: Record<string, unknown>[], fn: (db: Database) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-cache-'));
  dirs.push(dir);
  const file = join(dir, 'log.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return withDatabase({ path: ':memory:' }, async (db) => {
    await ingestFile(db, file, file);
    return fn(db);
  });
}

const T0 = Date.parse('2025-03-17T00:00:00Z');
let seq = 0;
/** One request `hours` after T0. */
function rec(hours: number, fields: Record<string, unknown>): Record<string, unknown> {
  return { ts: new Date(T0 + hours * HOUR).toISOString(), request_id: `r${seq++}`, model: 'gpt-4o-mini-2024-07-18', cost_usd: 0.001, ...fields };
}

// ---------------------------------------------------------------------------------------------------------

describe('cache section on the demo logs, against the generator truth', () => {
  const truth = demoTruth().cache;
  const demoConfig = JSON.parse(readFileSync('fixtures/demo/routecheck.config.json', 'utf8')) as Record<string, unknown>;
  let db: Database;
  let release: () => void = () => {};
  let closed: Promise<unknown> = Promise.resolve();
  let withConfig: CacheResult;
  let inferred: CacheResult;

  beforeAll(async () => {
    const demo = await demoDb();
    await new Promise<void>((ready, fail) => {
      closed = withDatabase({ path: demo }, async (d) => {
        db = d;
        withConfig = available(await buildCache(ctxFor(d, {}, { ...demoConfig, prices: undefined })));
        inferred = available(await buildCache(ctxFor(d)));
        ready();
        await new Promise<void>((r) => (release = r));
      }).catch(fail);
    });
  }, 120_000);
  afterAll(async () => {
    release();
    await closed;
  });

  it('counts the entries and the logged hit rate the generator wrote', () => {
    expect(withConfig.requests).toBe(truth.keyed);
    expect(withConfig.entries).toBe(truth.entries);
    expect(withConfig.hit_rate).toBeCloseTo(truth.hits / truth.keyed, 12);
  });

  it('shows the dilution: well above 1.2, and the key includes the model', () => {
    // The generator's own exact dilution (keys over distinct lower-cased inputs) is a floor: normalization and
    // clustering only merge more.
    const generatorExact = truth.entries / truth.distinct_inputs;
    expect(generatorExact).toBeGreaterThan(1.2);
    expect(withConfig.exact_dilution_factor!).toBeGreaterThanOrEqual(generatorExact);
    expect(withConfig.dilution_factor!).toBeGreaterThanOrEqual(withConfig.exact_dilution_factor!);
    expect(withConfig.dilution_factor!).toBeGreaterThan(1.3);
    expect(withConfig.dilution_warning).toBe(true);
    expect(withConfig.key_includes_model).toBe(true);
    expect(withConfig.key_includes_model_share!).toBeGreaterThan(0.9);
    // Histogram: every cluster counted once, entries add up (the demo's keys never span two clusters).
    const total = withConfig.copies_histogram!.reduce((s, b) => s + b.clusters, 0);
    expect(total).toBe(withConfig.semantic_clusters);
  });

  it('names the embedder and the threshold that produced the numbers', () => {
    expect(withConfig.embedder).toBe('lexical-v1');
    expect(withConfig.threshold).toBe(0.95);
    expect(withConfig.embedder_note).toMatch(/lexical/);
  });

  it('replays the logged key to exactly the logged hits, with the config TTL and with the inferred one', () => {
    expect(withConfig.simulated.ttl_source).toBe('config');
    expect(withConfig.simulated.ttl_seconds).toBe(CACHE_TTL_HOURS * 3600);
    expect(withConfig.simulated.logged_key_hit_rate! * truth.keyed).toBeCloseTo(truth.hits, 6);
    expect(inferred.simulated.ttl_source).toBe('inferred');
    expect(inferred.simulated.ttl_seconds).toBe(CACHE_TTL_HOURS * 3600);
    expect(inferred.simulated.logged_key_hit_rate).toBe(withConfig.simulated.logged_key_hit_rate);
  });

  it("replays the generator's input-only key to exactly its hits_input_key (the replay alone)", async () => {
    // The generator keys its shadow cache on lower(trim(input)); feed the replay that key (numbered) instead of ours.
    await db.run(`CREATE OR REPLACE TEMP TABLE rc_cache_req AS
      SELECT record_key, epoch_us(ts) AS us, true AS warm, CAST(NULL AS INTEGER) AS key,
        CAST(dense_rank() OVER (ORDER BY lower(trim(input))) AS INTEGER) AS content, CAST(NULL AS INTEGER) AS cluster
      FROM requests WHERE cache_key IS NOT NULL`);
    await replayCaches(db, BigInt(CACHE_TTL_HOURS * HOUR * 1000));
    const misses = await db.scalar(
      `SELECT count(*) FILTER (WHERE get_bit(f.content, CAST(q.rowid % ${MISS_PAGE} AS INTEGER)) = 1)
       FROM rc_cache_req q JOIN rc_cache_miss f ON f.page = q.rowid // ${MISS_PAGE}`,
    );
    expect(truth.keyed - misses!).toBe(truth.hits_input_key);
    // A request without the key neither hits nor misses.
    expect(await db.scalar(`SELECT bit_count(key) FROM rc_cache_miss`)).toBe(0);
    for (const t of ['rc_cache_req', 'rc_cache_miss']) await db.run(`DROP TABLE ${t}`);
  });

  it('simulates the content-only key and its lost savings like a plain replay of the rows does', async () => {
    // Reference: the loaded rows replayed one by one in JS (Map of key → expiry), keyed on contentKey().
    const rows = await db.all<{ ts: Date; input: string; cache_hit: boolean; cost_usd: number | null }>(
      `SELECT ts, input, cache_hit, cost_usd FROM requests WHERE cache_key IS NOT NULL ORDER BY ts, record_key`,
    );
    const expires = new Map<string, number>();
    let hits = 0;
    let lost = 0;
    let lostRequests = 0;
    for (const r of rows) {
      const k = contentKey(r.input);
      const t = r.ts.getTime();
      if ((expires.get(k) ?? -Infinity) > t) {
        hits++;
        if (!r.cache_hit) {
          lost += r.cost_usd ?? 0;
          lostRequests++;
        }
      } else expires.set(k, t + CACHE_TTL_HOURS * HOUR);
    }
    expect(withConfig.simulated.content_key_hit_rate).toBeCloseTo(hits / rows.length, 12);
    expect(withConfig.lost_savings_requests).toBe(lostRequests);
    expect(withConfig.lost_savings_usd!).toBeCloseTo(lost, 9);
    // The write-up's fix beats the logged rate; a semantic key is at least as good on these logs.
    expect(withConfig.simulated.content_key_hit_rate).toBeGreaterThan(withConfig.hit_rate!);
    expect(withConfig.simulated.semantic_key_hit_rate).toBeGreaterThanOrEqual(withConfig.simulated.content_key_hit_rate);
    expect(withConfig.lost_savings_usd!).toBeGreaterThan(0);
  });

  it('lists the most diluted clusters with their models and keys', () => {
    const top = withConfig.top_clusters;
    expect(top.length).toBe(10);
    for (const t of top) {
      expect(t.copies).toBeGreaterThan(1);
      expect(t.models.length).toBeGreaterThanOrEqual(1);
      expect(t.keys.length).toBe(Math.min(t.copies, 10));
      // The demo's key is "<model>:<digest>": each listed key names one of the cluster's models.
      for (const k of t.keys) expect(t.models).toContain(k.slice(0, k.lastIndexOf(':')));
    }
    const lost = top.map((t) => t.lost_savings_usd ?? 0);
    expect(lost).toEqual([...lost].sort((a, b) => b - a));
  });

  it('renders within 100 columns, with the embedder, threshold and warning', () => {
    const text = drawBlocks(cacheBlocks(withConfig), { color: false, width: 100 });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(text).toContain('lexical-v1 at cosine similarity ≥ 0.95');
    expect(text).toMatch(/dilution factor \(entries \/ clusters\)\s+│\s+1\.\d\d │ above 1\.2/);
    expect(text).toContain('replay TTL 24h (from the config)');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('replay semantics', () => {
  const q = (h: number, input = 'How do Python list comprehensions work?', extra: Record<string, unknown> = {}) =>
    rec(h, { input, cache_key: `m:${input}`, cache_hit: false, ...extra });

  it('expires an entry TTL after the miss that wrote it; hits do not extend it', async () => {
    // TTL 24h: 0 miss (expires 24), 20 hit, 30 miss (expires 54), 43 hit, 55 miss. A cache refreshed on every
    // hit, or one judging by the gap to the previous request, would count 4 hits.
    const result = await withLog([q(0), q(20), q(30), q(43), q(55)], (db) => buildCache(ctxFor(db, { cacheTtl: '24h' })));
    const c = available(result);
    expect(c.simulated.logged_key_hit_rate).toBeCloseTo(2 / 5, 12);
    expect(c.simulated.content_key_hit_rate).toBeCloseTo(2 / 5, 12);
    expect(c.simulated.semantic_key_hit_rate).toBeCloseTo(2 / 5, 12);
  });

  it('counts a request at exactly write + TTL as a miss, one second earlier as a hit', async () => {
    const rate = async (hours: number[]) =>
      available(await withLog(hours.map((h) => q(h)), (db) => buildCache(ctxFor(db, { cacheTtl: '24h' })))).simulated;
    expect(await rate([0, 24 - 1 / 3600])).toMatchObject({ logged_key_hit_rate: 0.5, content_key_hit_rate: 0.5 });
    expect(await rate([0, 24])).toMatchObject({ logged_key_hit_rate: 0, content_key_hit_rate: 0 });
  });

  it('warms the replayed caches up with the TTL before the window, without counting those requests', async () => {
    // Window from 12h: 0 (before it) writes the entry until 24, so 20 is a hit and 50 a miss. A cold start would
    // count two misses.
    const from = new Date(T0 + 12 * HOUR).toISOString();
    const c = available(await withLog([q(0), q(20), q(50)], (db) => buildCache({ ...ctxFor(db, { cacheTtl: '24h' }), params: { from, to: null } })));
    expect(c.requests).toBe(2);
    expect(c.simulated).toMatchObject({ logged_key_hit_rate: 0.5, content_key_hit_rate: 0.5, semantic_key_hit_rate: 0.5 });
    expect(c.lost_savings_requests).toBe(1);
  });

  it('keys the content cache on the normalized input and the semantic cache on the cluster', async () => {
    const logs = [
      rec(0, { input: 'How do I read environment variables in C#?', cache_key: 'a:1', cache_hit: false }),
      rec(1, { input: 'how do I read  environment variables in C#', cache_key: 'b:1', cache_hit: false }),
      rec(2, { input: 'C#: how to read environment variables?', cache_key: 'a:2', cache_hit: false }),
      rec(3, { input: 'Explain the CAP theorem', cache_key: 'a:3', cache_hit: false }),
    ];
    const c = available(await withLog(logs, (db) => buildCache(ctxFor(db, { cacheTtl: '24h' }))));
    expect(c.entries).toBe(4);
    expect(c.distinct_inputs).toBe(3);
    expect(c.semantic_clusters).toBe(2);
    expect(c.dilution_factor).toBe(2);
    expect(c.exact_dilution_factor).toBeCloseTo(4 / 3, 12);
    expect(c.simulated.content_key_hit_rate).toBeCloseTo(1 / 4, 12);
    expect(c.simulated.semantic_key_hit_rate).toBeCloseTo(2 / 4, 12);
    expect(c.hit_rate).toBe(0);
    // Lost savings: the one request a content-only key would have served (the paraphrase needs the semantic key).
    expect(c.lost_savings_usd).toBeCloseTo(0.001, 12);
    expect(c.lost_savings_requests).toBe(1);
    // At a stricter threshold the paraphrase is its own cluster.
    const strict = available(await withLog(logs, (db) => buildCache(ctxFor(db, { cacheTtl: '24h', similarity: '0.999' }))));
    expect(strict.threshold).toBe(0.999);
    expect(strict.semantic_clusters).toBe(3);
  });

  it('tells a key with the model from a content-only key', async () => {
    const withModel = [
      rec(0, { input: 'What is a monad?', model: 'a', cache_key: 'a:monad', cache_hit: false }),
      rec(1, { input: 'What is a monad?', model: 'b', cache_key: 'b:monad', cache_hit: false }),
      rec(2, { input: 'What is a monad?', model: 'a', cache_key: 'a:monad', cache_hit: true, cost_usd: 0 }),
      rec(3, { input: 'Explain the CAP theorem', model: 'a', cache_key: 'a:cap', cache_hit: false }),
    ];
    const split = available(await withLog(withModel, (db) => buildCache(ctxFor(db))));
    expect(split).toMatchObject({ key_includes_model: true, key_includes_model_share: 1, key_includes_model_clusters: 1 });
    expect(split.hit_rate).toBeCloseTo(1 / 4, 12);
    // One entry seen with both models: the key does not depend on the model.
    const contentOnly = withModel.map((r) => ({ ...r, request_id: `${r['request_id']}c`, cache_key: String(r['cache_key']).replace(/^[ab]:/, '') }));
    const single = available(await withLog(contentOnly, (db) => buildCache(ctxFor(db))));
    expect(single).toMatchObject({ key_includes_model: false, key_includes_model_share: 0, entries: 2, dilution_factor: 1 });
  });

  it('infers the TTL from the longest write→hit gap, rounded up', async () => {
    const logs = [q(0), q(3.2, undefined, { cache_hit: true, cost_usd: 0 }), q(5), q(9, undefined, { cache_hit: true, cost_usd: 0 })];
    // Gaps: 3.2h (write 0 → hit 3.2), then 5 is a logged miss (a write) and 9 is 4h after it: 4h → TTL 4h.
    const c = available(await withLog(logs, (db) => buildCache(ctxFor(db))));
    expect(c.simulated).toMatchObject({ ttl_source: 'inferred', ttl_seconds: 4 * 3600 });
    // No hits logged: the default.
    const none = available(await withLog([q(0), q(1)], (db) => buildCache(ctxFor(db))));
    expect(none.simulated).toMatchObject({ ttl_source: 'default', ttl_seconds: 24 * 3600 });
  });

  it('says what it cannot compute when the logs have no cache_key', async () => {
    const logs = [rec(0, { input: 'Hi there?' }), rec(1, { input: 'hi  there' }), rec(2, { input: 'HI THERE!' }), rec(3, { input: 'bye' })];
    const c = available(await withLog(logs, (db) => buildCache(ctxFor(db))));
    expect(c).toMatchObject({
      entries: null, dilution_factor: null, exact_dilution_factor: null, copies_histogram: null, key_includes_model: null,
      hit_rate: null, lost_savings_usd: null, requests: 4, distinct_inputs: 2,
    });
    expect(c.simulated.content_key_hit_rate).toBeCloseTo(2 / 4, 12);
    expect(c.simulated.logged_key_hit_rate).toBeNull();
    expect(c.not_computed.join('\n')).toMatch(/no cache_key/);
    expect(c.not_computed.join('\n')).toMatch(/hit_rate: no cache_hit is logged/);
    expect(drawBlocks(cacheBlocks(c), { color: false, width: 100 })).toContain('! not computed: entries, dilution_factor');
  });

  it('uses only the keyed requests when the logs have keys, and says unknown for unpriced savings', async () => {
    const logs = [
      rec(0, { input: 'Summarize this', cache_key: 'k1', cache_hit: false, cost_usd: null }),
      rec(1, { input: 'summarize this.', cache_key: 'k2', cache_hit: false, cost_usd: null }),
      rec(2, { input: 'nightly batch job', model: 'self-hosted' }),
    ];
    const c = available(await withLog(logs, (db) => buildCache(ctxFor(db))));
    expect(c.requests).toBe(2);
    expect(c.lost_savings_requests).toBe(1);
    expect(c.lost_savings_unpriced).toBe(1);
    expect(c.lost_savings_usd).toBeNull();
  });

  it('is not available without inputs or without requests', async () => {
    const noInput = await withLog([rec(0, { cache_key: 'k' })], (db) => buildCache(ctxFor(db)));
    expect(noInput).toMatchObject({ available: false, reason: expect.stringMatching(/no request has its input text/) });
    const empty = await withLog([rec(0, { input: 'x' })], (db) =>
      buildCache({ ...ctxFor(db), params: { from: '2030-01-01T00:00:00Z', to: null } }));
    expect(empty).toEqual({ available: false, reason: 'no requests in the window' });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('settings', () => {
  const config = (cache: unknown) => ({ file: 'rc.json', raw: { cache } as Record<string, unknown> });

  it('takes the TTL and similarity from the flags, else the config', () => {
    expect(normalizeCacheSettings({}, config({ ttl_hours: 24, similarity: 0.9 }))).toEqual({
      ttl: { seconds: 86400, source: 'config' }, similarity: 0.9,
    });
    expect(normalizeCacheSettings({ cacheTtl: '90m', similarity: '0.97' }, config({ ttl_hours: 24, similarity: 0.9 }))).toEqual({
      ttl: { seconds: 5400, source: 'flag' }, similarity: 0.97,
    });
    expect(normalizeCacheSettings({}, { raw: {} })).toEqual({});
  });

  it('names the bad field', () => {
    const bad: [Record<string, unknown>, unknown, RegExp][] = [
      [{}, 'x', /rc\.json: "cache" must be an object/],
      [{}, { ttl: 3 }, /rc\.json: "cache\.ttl" is not a known field/],
      [{}, { ttl_hours: 0 }, /"cache\.ttl_hours" must be a number of hours above 0/],
      [{}, { similarity: 1.2 }, /"cache\.similarity" must be a cosine similarity/],
      [{ cacheTtl: '5' }, undefined, /--cache-ttl "5" is not a duration/],
      [{ similarity: 'high' }, undefined, /--similarity must be a cosine similarity/],
    ];
    for (const [options, cache, message] of bad) {
      expect(() => normalizeCacheSettings(options, cache === undefined ? { raw: {} } : config(cache))).toThrow(message);
      expect(() => normalizeCacheSettings(options, cache === undefined ? { raw: {} } : config(cache))).toThrow(UsageError);
    }
  });

  it('parses durations and rounds inferred TTLs up to a usual value', () => {
    expect([parseTtl('90s', 'x'), parseTtl('15m', 'x'), parseTtl('1.5h', 'x'), parseTtl('2d', 'x'), parseTtl(' 24H ', 'x')]).toEqual([90, 900, 5400, 172800, 86400]);
    expect(inferTtl(23.9 * 3600)).toBe(86400);
    expect(inferTtl(24 * 3600)).toBe(86400);
    expect(inferTtl(50 * 60)).toBe(3600);
    expect(inferTtl(25 * 3600)).toBe(2 * 86400);
    expect(inferTtl(40 * 86400 + 1)).toBe(41 * 86400);
    expect(inferTtl(0)).toBeNull();
    expect(inferTtl(null)).toBeNull();
  });
});

describe('toCache (pure mapper)', () => {
  const meta = { embedder: 'lexical-v1', embedderNote: 'lexical (chosen)', threshold: 0.95, ttl: { seconds: 3600, source: 'flag' as const }, keyed: true };

  it('buckets copies per cluster and reports a dilution of 1.0 as healthy', () => {
    const c = toCache(
      {
        totals: [{ requests: 10n, entries: 6n, contents: 6n, clusters: 6n, hit_logged: 10n, hits: 2n, replayed: 10n, replay_hits: 2n, content_hits: 2n, semantic_hits: 2n, lost_basis: 10n, lost_requests: 0n, lost_usd: null, lost_unpriced: 0n }],
        histogram: [{ copies: 1n, clusters: 3n }, { copies: 2n, clusters: 1n }, { copies: 6n, clusters: 2n }, { copies: 7n, clusters: 1n }, { copies: 12n, clusters: 4n }],
        models: [{ testable: 0n, split: 0n }],
        top: [],
      },
      meta,
    );
    expect(c.copies_histogram).toEqual([
      { copies: '1', clusters: 3 }, { copies: '2', clusters: 1 }, { copies: '3', clusters: 0 },
      { copies: '4', clusters: 0 }, { copies: '5-9', clusters: 3 }, { copies: '10+', clusters: 4 },
    ]);
    expect(c).toMatchObject({ dilution_factor: 1, dilution_warning: false, key_includes_model: null, lost_savings_usd: 0, hit_rate: 0.2 });
    expect(c.not_computed).toEqual(['key_includes_model: no input was served by two or more models (or no model is logged)']);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('report command', () => {
  const run = (argv: string[]) => runCli(argv);

  it('takes --cache-ttl, --similarity and --embedder, and puts the cache key in the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-cache-cli-'));
    dirs.push(dir);
    const file = join(dir, 'log.jsonl');
    const q = (h: number) => rec(h, { input: 'What is a monad?', cache_key: 'k', cache_hit: false });
    writeFileSync(file, [q(0), q(2), q(5)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const { code, stdout } = await run(['report', file, '--format', 'json', '--quiet', '--embedder', 'lexical', '--cache-ttl', '3h', '--similarity', '0.9']);
    expect(code).toBe(0);
    const cache = JSON.parse(stdout).cache;
    expect(Object.keys(cache)).toEqual(expect.arrayContaining([
      'embedder', 'threshold', 'entries', 'semantic_clusters', 'dilution_factor', 'exact_dilution_factor', 'key_includes_model',
      'hit_rate', 'simulated', 'lost_savings_usd', 'top_clusters',
    ]));
    expect(Object.keys(cache.simulated)).toEqual(expect.arrayContaining(['ttl_seconds', 'content_key_hit_rate', 'semantic_key_hit_rate']));
    expect(cache).toMatchObject({ embedder: 'lexical-v1', threshold: 0.9, entries: 1 });
    // 3h TTL: 0 miss, 2 hit, 5 miss.
    expect(cache.simulated).toMatchObject({ ttl_seconds: 10800, ttl_source: 'flag' });
    expect(cache.simulated.content_key_hit_rate).toBeCloseTo(1 / 3, 12);
  });

  it('rejects a bad --cache-ttl with one line and exit 2', async () => {
    const { code, stderr } = await run(['report', 'fixtures/formats/native.jsonl', '--quiet', '--cache-ttl', 'soon']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--cache-ttl "soon" is not a duration/);
  });
});
