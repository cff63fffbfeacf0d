import { listValue } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabase, type Database } from '../src/db/database.js';
import { clusterVectors } from '../src/embed/cluster.js';
import { clusterIntoStore, MEMBERS_TABLE } from '../src/embed/cluster-store.js';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { sha256Hex } from '../src/embed/normalize.js';
import type { Embedder } from '../src/embed/types.js';
import { demoTexts } from './demo-records.js';
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

async function feed(db: Database, subset: string[], embedder: Embedder, threshold: number) {
  await db.run('CREATE OR REPLACE TEMP TABLE src AS SELECT unnest($c) AS content, unnest($t) AS text', {
    c: listValue(subset.map(sha256Hex)),
    t: listValue(subset),
  });
  return clusterIntoStore(db, 'src', { embedder, threshold });
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
    const first = await runCli(args);
    const second = await runCli(args);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(first.stderr).toMatch(/cache: [\d,]+ distinct inputs \([1-9][\d,]* new to the cluster store/);
    expect(second.stderr).toMatch(/cache: [\d,]+ distinct inputs \(0 new to the cluster store/);
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(second.stdout);
    expect(b.cache).toEqual(a.cache);
  }, 120_000);
});
