import { listValue } from '@duckdb/node-api';
import type { Database } from '../db/database.js';
import { embedCachedDetailed } from './cache.js';
import { UnionFind } from './cluster.js';
import { linked, lshSpace, SIGNATURE_WORDS, type LshSpace } from './lsh.js';
import type { ProgressFn } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The persistent, incremental clustering behind the cache section: every normalized input the database has seen,
 * with its LSH signature, its buckets and its cluster, per space (embedder id + threshold + LSH rules). A run
 * clusters only the contents it has not seen: they are embedded, signed and bucketed in batches; the pairs that
 * share a bucket with a new content and have close signatures come out of one SQL join; JS checks their exact
 * cosine and joins clusters; merged clusters are relabelled in SQL.
 *
 *   cluster_members(space, content, text, cluster, sig)   one row per normalized input (content = its SHA-256)
 *   cluster_bands(space, tbl, band, content)              its bucket in each LSH table
 *
 * Why this equals a from-scratch clustering of the same contents (test/embed.cluster-store.test.ts): the graph
 * (pairs sharing a bucket, signatures within the bound, cosine ≥ threshold) is a function of the set of contents
 * (lsh.ts), and the clusters are its connected components. Pairs of two old contents were looked at when the later
 * one arrived; a run adds exactly the pairs with a new content; components of old ∪ new are the old components
 * joined by the new links. A cluster's id is the smallest content in it, so a merge keeps the smaller id.
 *
 * Memory: one batch of new contents at a time while embedding, and the vectors of one page of candidate pairs
 * while linking; old contents' vectors come back from the embedding cache (or are recomputed from their stored
 * text by the lexical embedder, which is faster than reading them).
 */

export const MEMBERS_TABLE = 'cluster_members';
export const BANDS_TABLE = 'cluster_bands';
/** New contents embedded, signed and written per batch. */
const BATCH = 20_000;
/** Candidate pairs linked per page (their vectors are held for the page). */
const PAIR_PAGE = 100_000;

export interface StoreSummary {
  /** Distinct contents asked for, and of those new to the store this run. */
  contents: number;
  added: number;
  /** Of the new ones: embedded now / read from the embedding cache. */
  embedded: number;
  cached: number;
  /** Candidate pairs checked by cosine, and the links that joined two clusters. */
  verified: number;
  links: number;
}

/** The space's id: the embedder and the LSH space (dimension, threshold, tables, bucket bits, seed). */
export function spaceId(embedder: Embedder, space: LshSpace): string {
  return `${embedder.id}|${space.id}`;
}

async function createStore(db: Database): Promise<void> {
  await db.run(`CREATE TABLE IF NOT EXISTS ${MEMBERS_TABLE} (
    space VARCHAR NOT NULL, cid BIGINT NOT NULL, content VARCHAR NOT NULL, text VARCHAR NOT NULL, cluster VARCHAR NOT NULL, sig UINTEGER[] NOT NULL)`);
  // Buckets hold the content's number (cid), not its 64-character hash: the pair join is on integers.
  await db.run(`CREATE TABLE IF NOT EXISTS ${BANDS_TABLE} (space VARCHAR NOT NULL, tbl UTINYINT NOT NULL, band UINTEGER NOT NULL, cid BIGINT NOT NULL)`);
}

const HAMMING_SQL = Array.from({ length: SIGNATURE_WORDS }, (_, i) => `CAST(bit_count(xor(ma.sig[${i + 1}], mb.sig[${i + 1}])) AS INTEGER)`).join(' + ');

/**
 * Clusters the contents of `source` (a table or subquery with columns content, text: distinct normalized inputs and
 * their SHA-256) into the store; afterwards every one of them has its cluster in cluster_members.
 */
export async function clusterIntoStore(
  db: Database,
  source: string,
  embed: { embedder: Embedder; threshold: number; progress?: ProgressFn },
): Promise<StoreSummary> {
  const { embedder } = embed;
  const space = lshSpace(embedder.dim, { threshold: embed.threshold });
  const id = spaceId(embedder, space);
  await createStore(db);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE rc_store_new AS
     SELECT CAST(row_number() OVER (ORDER BY s.content) - 1 AS BIGINT) AS i, s.content, s.text
     FROM (SELECT DISTINCT content, text FROM ${source}) s
     WHERE s.content NOT IN (SELECT content FROM ${MEMBERS_TABLE} WHERE space = $space)`,
    { space: id },
  );
  const contents = (await db.scalar(`SELECT count(DISTINCT content) FROM ${source}`)) ?? 0;
  const added = (await db.scalar(`SELECT count(*) FROM rc_store_new`)) ?? 0;
  const base = (await db.scalar(`SELECT coalesce(max(cid) + 1, 0) FROM ${MEMBERS_TABLE} WHERE space = $space`, { space: id })) ?? 0;
  const summary: StoreSummary = { contents, added, embedded: 0, cached: 0, verified: 0, links: 0 };
  try {
    if (added === 0) return summary;
    embed.progress?.(0, added);
    for (let start = 0; start < added; start += BATCH) {
      const batch = await db.all<{ i: bigint; content: string; text: string }>(
        `SELECT i, content, text FROM rc_store_new WHERE i >= $lo AND i < $hi ORDER BY i`,
        { lo: start, hi: start + BATCH },
      );
      const vectors = await embedCachedDetailed(db, embedder, batch.map((b) => b.text));
      summary.embedded += vectors.embedded;
      summary.cached += vectors.cached;
      const signatures = space.signatures(vectors.rows);
      const sigText: string[] = [];
      const bandText: string[] = [];
      for (let p = 0; p < batch.length; p++) {
        sigText.push(signatures.subarray(p * SIGNATURE_WORDS, (p + 1) * SIGNATURE_WORDS).join(','));
        bandText.push(space.bands(signatures, p).join(','));
      }
      // Numbers travel as text and DuckDB parses them: one bound list per column, not a native call per value.
      await db.run(
        `CREATE OR REPLACE TEMP TABLE rc_store_batch AS
         SELECT CAST(k AS BIGINT) AS cid, c AS content, t AS text,
           list_transform(string_split(s, ','), x -> CAST(x AS UINTEGER)) AS sig,
           list_transform(string_split(b, ','), x -> CAST(x AS UINTEGER)) AS bands
         FROM (SELECT unnest($cids) AS k, unnest($contents) AS c, unnest($texts) AS t, unnest($sigs) AS s, unnest($bands) AS b)`,
        {
          cids: listValue(batch.map((b) => Number(b.i) + base)),
          contents: listValue(batch.map((b) => b.content)),
          texts: listValue(batch.map((b) => b.text)),
          sigs: listValue(sigText),
          bands: listValue(bandText),
        },
      );
      // A new content starts as its own cluster (its id is itself); linking below merges.
      await db.run(`INSERT INTO ${MEMBERS_TABLE} SELECT $space, cid, content, text, content, sig FROM rc_store_batch`, { space: id });
      await db.run(
        `INSERT INTO ${BANDS_TABLE} SELECT $space, CAST(t.i - 1 AS UTINYINT), t.band, t.cid
         FROM (SELECT cid, unnest(bands) AS band, unnest(range(1, len(bands) + 1)) AS i FROM rc_store_batch) t`,
        { space: id },
      );
      embed.progress?.(Math.min(start + BATCH, added), added);
    }
    await db.run('DROP TABLE IF EXISTS rc_store_batch');

    // Every pair with a new content that shares a bucket and has close signatures; each pair once (a < b).
    await db.run(
      `CREATE OR REPLACE TEMP TABLE rc_store_pairs AS
       WITH nb AS (SELECT tbl, band, cid FROM ${BANDS_TABLE} WHERE space = $space AND cid >= $base),
       p AS (
         SELECT DISTINCT least(x.cid, y.cid) AS a, greatest(x.cid, y.cid) AS b
         FROM nb x JOIN ${BANDS_TABLE} y ON y.space = $space AND y.tbl = x.tbl AND y.band = x.band AND y.cid <> x.cid)
       SELECT row_number() OVER (ORDER BY p.a, p.b) - 1 AS i, p.a, p.b
       FROM p JOIN ${MEMBERS_TABLE} ma ON ma.space = $space AND ma.cid = p.a
         JOIN ${MEMBERS_TABLE} mb ON mb.space = $space AND mb.cid = p.b
       WHERE ${HAMMING_SQL} <= $max_hamming`,
      { space: id, base, max_hamming: space.maxHamming },
    );
    const pairs = (await db.scalar('SELECT count(*) FROM rc_store_pairs')) ?? 0;
    if (pairs > 0) {
      const linkedClusters = await linkPairs(db, id, space, embedder, pairs, summary);
      if (linkedClusters.length > 0) {
        await db.run(
          `CREATE OR REPLACE TEMP TABLE rc_store_merge AS SELECT unnest($from) AS old, unnest($to) AS new`,
          { from: listValue(linkedClusters.map((m) => m[0])), to: listValue(linkedClusters.map((m) => m[1])) },
        );
        await db.run(
          `UPDATE ${MEMBERS_TABLE} SET cluster = m.new FROM rc_store_merge m WHERE ${MEMBERS_TABLE}.space = $space AND ${MEMBERS_TABLE}.cluster = m.old`,
          { space: id },
        );
      }
    }
    return summary;
  } finally {
    for (const t of ['rc_store_new', 'rc_store_batch', 'rc_store_pairs', 'rc_store_merge']) await db.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/**
 * Links the candidate pairs page by page: a union-find over the clusters they touch (each content starts in its
 * stored cluster), an exact cosine for each pair whose clusters are not yet one. Returns the relabelling
 * (old cluster id → the smallest id of its new component) for every cluster that merged.
 */
async function linkPairs(
  db: Database,
  id: string,
  space: LshSpace,
  embedder: Embedder,
  pairs: number,
  summary: StoreSummary,
): Promise<[string, string][]> {
  // Nodes are cluster ids: a pair of contents links their clusters.
  const node = new Map<string, number>();
  const names: string[] = [];
  const nodeOf = (cluster: string): number => {
    let n = node.get(cluster);
    if (n === undefined) {
      n = names.length;
      node.set(cluster, n);
      names.push(cluster);
    }
    return n;
  };
  let uf = new UnionFind(0);
  const grow = (): void => {
    if (uf.parent.length >= names.length) return;
    const next = new UnionFind(Math.max(names.length, uf.parent.length * 2));
    next.parent.set(uf.parent);
    uf = next;
  };
  const stats = { verified: 0, links: 0 };
  for (let start = 0; start < pairs; start += PAIR_PAGE) {
    const page = await db.all<{ a: bigint; b: bigint; ca: string; cb: string; ta: string; tb: string }>(
      `SELECT p.a, p.b, ma.cluster AS ca, mb.cluster AS cb, ma.text AS ta, mb.text AS tb
       FROM rc_store_pairs p JOIN ${MEMBERS_TABLE} ma ON ma.space = $space AND ma.cid = p.a
         JOIN ${MEMBERS_TABLE} mb ON mb.space = $space AND mb.cid = p.b
       WHERE p.i >= $lo AND p.i < $hi ORDER BY p.i`,
      { space: id, lo: start, hi: start + PAIR_PAGE },
    );
    // The page's vectors: each content once (the embedding cache, or the lexical embedder from the stored text).
    const position = new Map<bigint, number>();
    const texts: string[] = [];
    for (const r of page) {
      for (const [content, text] of [[r.a, r.ta], [r.b, r.tb]] as const) {
        if (!position.has(content)) {
          position.set(content, texts.length);
          texts.push(text);
        }
      }
    }
    const rows = (await embedCachedDetailed(db, embedder, texts)).rows;
    for (const r of page) {
      const a = nodeOf(r.ca);
      const b = nodeOf(r.cb);
      grow();
      if (uf.find(a) === uf.find(b)) continue;
      const pa = position.get(r.a)!;
      const pb = position.get(r.b)!;
      stats.verified++;
      if (linked(space, rows[pa]!, rows[pb]!) && uf.union(a, b)) stats.links++;
    }
  }
  summary.verified = stats.verified;
  summary.links = stats.links;
  // The smallest cluster id of each component names it.
  const smallest = new Map<number, string>();
  for (let n = 0; n < names.length; n++) {
    const root = uf.find(n);
    const best = smallest.get(root);
    if (best === undefined || names[n]! < best) smallest.set(root, names[n]!);
  }
  const merges: [string, string][] = [];
  for (let n = 0; n < names.length; n++) {
    const to = smallest.get(uf.find(n))!;
    if (to !== names[n]) merges.push([names[n]!, to]);
  }
  return merges;
}
