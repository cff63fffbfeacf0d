import { listValue } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabase, type Database } from '../src/db/database.js';
import { clusterVectors } from '../src/embed/cluster.js';
import { clusterIntoStore, INPUTS_TABLE, MEMBERS_TABLE, textBatches } from '../src/embed/cluster-store.js';
import { clusterInputs } from '../src/embed/pipeline.js';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { sha256Hex } from '../src/embed/normalize.js';
import type { Embedder } from '../src/embed/types.js';
import { demoTexts } from './demo-records.js';
import { demoDb } from './demo-report.js';
import { runCli } from './run-cli.js';

/**
 * The persistent clustering grows run by run and still equals the clustering made from scratch: on the demo's
 * own inputs (templated prompts, paraphrases, chit-chat: many links), fed in three runs, against one run over all,
 * and against the in-memory reference (embed/cluster.ts) on the same set.
 */

const texts = demoTexts(3000);

/** Counts the texts it embeds, so a test can see what a run re-embeds. */
class Counting extends LexicalEmbedder {
  embedded = 0;
  override async embed(batch: string[]): Promise<Float32Array[]> {
    this.embedded += batch.length;
    return super.embed(batch);
  }
}

async function feed(db: Database, subset: string[], embedder: Embedder, threshold: number, block?: number, round?: number, threads?: number, batch?: number) {
  await db.run('CREATE OR REPLACE TEMP TABLE src AS SELECT unnest($c) AS content, unnest($t) AS text', {
    c: listValue(subset.map(sha256Hex)),
    t: listValue(subset),
  });
  return clusterIntoStore(db, 'src', {
    embedder, threshold, ...(block ? { block } : {}), ...(round ? { round } : {}),
    // One thread unless a test asks for worker threads (then from the first content).
    threads: threads ?? 1, ...(threads ? { parallelFrom: 0 } : {}), ...(batch ? { batch } : {}),
  });
}

async function clustersOf(db: Database): Promise<Map<string, string>> {
  const rows = await db.all<{ content: string; cluster: string }>(`SELECT content, cluster FROM ${MEMBERS_TABLE}`);
  return new Map(rows.map((r) => [r.content, r.cluster]));
}

describe('the persistent cluster store', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it.each([0.95, 0.9])('grown in three runs equals one run over all, and the in-memory reference (threshold %s)', async (threshold) => {
    const scratch = await withDatabase({ path: ':memory:' }, async (db) => {
      await feed(db, texts, new LexicalEmbedder(), threshold);
      return clustersOf(db);
    });
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-store-'));
    dirs.push(dir);
    const path = join(dir, 'state.duckdb');
    // Three runs on one database file, each opened anew (a weekly cron job): overlapping, growing subsets.
    const runs = [texts.slice(0, 1000), texts.slice(500, 2000), texts];
    const summaries = [];
    for (const subset of runs) {
      const embedder = new Counting();
      const summary = await withDatabase({ path }, (db) => feed(db, subset, embedder, threshold));
      summaries.push({ ...summary, embedderCalls: embedder.embedded });
    }
    const grown = await withDatabase({ path }, clustersOf);

    // Each run adds only the contents it had not seen.
    expect(summaries.map((s) => s.added)).toEqual([1000, 1000, 1000]);
    expect(summaries.map((s) => s.contents)).toEqual([1000, 1500, 3000]);
    expect(grown.size).toBe(texts.length);
    // Links were made in every run, so the equality below is not the trivial one of singletons.
    for (const s of summaries) expect(s.links).toBeGreaterThan(0);

    expect(grown).toEqual(scratch);

    const keys = texts.map(sha256Hex);
    const reference = clusterVectors(keys, new LexicalEmbedder().embedSync(texts), { threshold });
    expect(new Map(keys.map((k, i) => [k, reference.clusterOf[i]!]))).toEqual(scratch);
    // Clusters are named by their smallest content.
    const members = new Map<string, string[]>();
    for (const [content, cluster] of scratch) members.set(cluster, [...(members.get(cluster) ?? []), content]);
    for (const [cluster, list] of members) expect(cluster).toBe([...list].sort()[0]);
    expect(members.size).toBeLessThan(texts.length - 50);
  }, 120_000);

  it('a repeated run adds nothing and embeds nothing', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await feed(db, texts.slice(0, 800), new LexicalEmbedder(), 0.95);
      const before = await clustersOf(db);
      const again = new Counting();
      const summary = await feed(db, texts.slice(0, 800), again, 0.95);
      expect(summary).toMatchObject({ contents: 800, added: 0, embedded: 0, links: 0 });
      expect(again.embedded).toBe(0);
      expect(await clustersOf(db)).toEqual(before);
    });
  });

  it('keeps each threshold (space) apart', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await feed(db, texts.slice(0, 600), new LexicalEmbedder(), 0.95);
      const other = await feed(db, texts.slice(0, 600), new LexicalEmbedder(), 0.8);
      expect(other.added).toBe(600);
      const spaces = await db.all<{ n: bigint }>(`SELECT count(DISTINCT space) AS n FROM ${MEMBERS_TABLE}`);
      expect(Number(spaces[0]!.n)).toBe(2);
    });
  });

  it('report --db reuses the clusters of the previous run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-store-cli-'));
    dirs.push(dir);
    const db = join(dir, 'state.duckdb');
    const args = ['report', 'fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--db', db, '--format', 'json'];
    const first = await runCli(args, { env: { ROUTECHECK_TIMINGS: '1' } });
    const second = await runCli(args, { env: { ROUTECHECK_TIMINGS: '1' } });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(first.stderr).toMatch(/cache: [\d,]+ distinct inputs \([1-9][\d,]* new to the cluster store.*; [1-9][\d,]* close pairs? checked by cosine \([1-9][\d,]* vectors made for them\), [1-9][\d,]* linked$/m);
    expect(second.stderr).toMatch(/cache: [\d,]+ distinct inputs \(0 new to the cluster store[^;]*$/m);
    // ROUTECHECK_TIMINGS=1 (the benchmark's breakdown): the cache section's steps in the order they run, the store's
    // four only when it had new contents; then the section's own line.
    const steps = (stderr: string) => [...stderr.matchAll(/^timing (cache\S*) [\d.]+ s$/gm)].map((m) => m[1]);
    const around = ['cache.ttl', 'cache.inputs'];
    const after = ['cache.map', 'cache.clusters', 'cache.requests', 'cache.replays', 'cache.queries', 'cache'];
    expect(steps(first.stderr)).toEqual([...around, 'cache.store.add', 'cache.store.touched', 'cache.store.link', 'cache.store.relabel', 'cache.store', ...after]);
    expect(steps(second.stderr)).toEqual([...around, 'cache.store', ...after]);
    expect(first.stderr).toMatch(/^timing deviation [\d.]+ s$/m);
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(second.stdout);
    expect(b.cache).toEqual(a.cache);
  }, 120_000);
});

describe('the store checks pairs in blocks and rounds', () => {
  it('gives the clusters of one block in many small blocks, in one run and grown in three, and in small rounds', async () => {
    const subset = texts.slice(0, 2000);
    const oneBlock = await withDatabase({ path: ':memory:' }, async (db) => {
      await feed(db, subset, new LexicalEmbedder(), 0.9);
      return clustersOf(db);
    });
    for (const block of [7, 64]) {
      const small = await withDatabase({ path: ':memory:' }, async (db) => {
        const embedder = new Counting();
        const summary = await feed(db, subset, embedder, 0.9, block);
        // Vectors of pairs' contents are made again block by block: more texts than the new ones, fewer than
        // a vector per pair end.
        expect(embedder.embedded).toBeGreaterThan(summary.added);
        expect(embedder.embedded).toBeLessThan(summary.added + 2 * summary.verified);
        return clustersOf(db);
      });
      expect(small).toEqual(oneBlock);
      const grown = await withDatabase({ path: ':memory:' }, async (db) => {
        for (const part of [subset.slice(0, 700), subset.slice(400, 1500), subset]) await feed(db, part, new LexicalEmbedder(), 0.9, block);
        return clustersOf(db);
      });
      expect(grown).toEqual(oneBlock);
    }
    // Pairs checked 25 at a time, the walk going on after each round with the links found.
    const rounds = await withDatabase({ path: ':memory:' }, async (db) => {
      const summary = await feed(db, subset, new LexicalEmbedder(), 0.9, 64, 25);
      expect(summary.verified).toBeGreaterThan(25 * 4);
      return clustersOf(db);
    });
    expect(rounds).toEqual(oneBlock);
  }, 120_000);
});

describe('the lexical embedder on worker threads', () => {
  it('stores the same signatures and clusters as one thread, grown in runs, in small blocks and rounds', async () => {
    const subset = texts.slice(0, 2000);
    const stored = (db: Database) =>
      db.all<{ content: string; cluster: string; sig: string }>(`SELECT content, cluster, CAST(sig AS VARCHAR) AS sig FROM ${MEMBERS_TABLE} ORDER BY content`);
    const one = await withDatabase({ path: ':memory:' }, async (db) => {
      await feed(db, subset, new LexicalEmbedder(), 0.9, 64);
      return stored(db);
    });
    for (const threads of [2, 3]) {
      const many = await withDatabase({ path: ':memory:' }, async (db) => {
        for (const part of [subset.slice(0, 700), subset]) {
          // Batches of 300: the next batch is signed while one is written. Rounds of 40 pairs: the walk runs on its
          // own thread a round ahead of the checks, knowing the links of the round before only.
          const summary = await feed(db, part, new LexicalEmbedder(), 0.9, 64, 40, threads, 300);
          expect(summary.verified).toBeGreaterThan(40 * 4);
          expect(summary.embedded).toBe(summary.added);
        }
        return stored(db);
      });
      expect(many).toEqual(one);
    }
    expect(new Set(one.map((r) => r.cluster)).size).toBeLessThan(subset.length - 50);
  }, 120_000);
});

describe('raw inputs the store has seen', () => {
  const scope = { from: null, to: null, keyed: false, warm_us: 0n, trend_from: null, trend_to: null };
  const mapOf = async (db: Database) =>
    await db.all<{ input: string; content_no: number; cluster_no: number }>(
      'SELECT t.input, m.content_no, m.cluster_no FROM rc_cache_map m JOIN rc_cache_texts t ON t.id = m.id ORDER BY t.input',
    );

  it('are matched in SQL on the next run, and an older database without cluster_inputs gains it', async () => {
    const path = await demoDb();
    const run = () =>
      withDatabase({ path }, async (db) => {
        const embedder = new Counting();
        const summary = await clusterInputs(db, scope, { embedder, threshold: 0.95 });
        return { summary, embedded: embedder.embedded, map: await mapOf(db) };
      });
    const first = await run();
    expect(first.summary.rawInputs).toBeGreaterThan(1000);
    expect(first.summary.normalized).toBe(first.summary.rawInputs);
    expect(first.summary.added).toBe(first.summary.contents);
    expect(first.summary.contents).toBeLessThan(first.summary.rawInputs); // inputs that normalize alike
    const second = await run();
    expect(second.summary).toMatchObject({ rawInputs: first.summary.rawInputs, normalized: 0, added: 0, embedded: 0 });
    expect(second.embedded).toBe(0);
    expect(second.map).toEqual(first.map);
    // A database from before cluster_inputs: its members and bands, no raw inputs. Every raw input is normalized
    // once more, nothing is clustered again, and the next run matches them in SQL.
    await withDatabase({ path }, (db) => db.run(`DROP TABLE ${INPUTS_TABLE}`));
    const older = await run();
    expect(older.summary).toMatchObject({ normalized: first.summary.rawInputs, added: 0, embedded: 0 });
    expect(older.map).toEqual(first.map);
    const after = await run();
    expect(after.summary.normalized).toBe(0);
    expect(after.map).toEqual(first.map);
  }, 120_000);
});

describe('textBatches', () => {
  it('cuts by count and by bytes, a larger item alone', () => {
    expect(textBatches([], 3, 100)).toEqual([0]);
    expect(textBatches([1, 1, 1, 1, 1, 1, 1], 3, 100)).toEqual([0, 3, 6, 7]);
    expect(textBatches([40, 40, 40, 10, 500, 5], 10, 100)).toEqual([0, 2, 4, 5, 6]);
    expect(textBatches([500], 10, 100)).toEqual([0, 1]);
    expect(textBatches([5n, 5n, 95n], 10, 100)).toEqual([0, 2, 3]);
  });
});
