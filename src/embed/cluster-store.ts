import { listValue } from '@duckdb/node-api';
import type { Database } from '../db/database.js';
import { embedCachedDetailed } from './cache.js';
import { UnionFind } from './cluster.js';
import { hamming, linked, lshSpace, SIGNATURE_WORDS, type LshSpace } from './lsh.js';
import type { ProgressFn } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The persistent, incremental clustering behind the cache section: every normalized input the database has seen,
 * with its LSH signature, its buckets and its cluster, per space (embedder id + threshold + LSH rules). A run
 * clusters only the contents it has not seen: they are embedded, signed and bucketed in batches (written to the
 * store); SQL finds the stored contents that share a bucket with a new one; JS walks the buckets of new and touched
 * contents (signatures and bands only, a few dozen bytes each), checks the exact cosine of each close pair not yet
 * in one cluster, with the vectors of a page of pairs at a time, and SQL relabels the clusters that merged.
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
export const INPUTS_TABLE = 'cluster_inputs';
/** New contents embedded, signed and written per batch. */
const BATCH = 20_000;
/** Candidate pairs verified per page (the vectors of their contents are held for the page). */
const PAIR_PAGE = 50_000;
/** Stored contents read per query (signature, bands, cluster). */
const READ_PAGE = 50_000;

export interface StoreSummary {
  /** The space the contents were clustered in (spaceId): cluster_members rows of other spaces are not theirs. */
  space: string;
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

/** The space id of `embedder` at `threshold` with the default LSH rules (what clusterIntoStore uses). */
export function storeSpaceId(embedder: Embedder, threshold: number): string {
  return spaceId(embedder, lshSpace(embedder.dim, { threshold }));
}

/** Creates the store's tables when missing (a database of an older version gains cluster_inputs here, empty). */
export async function createStore(db: Database): Promise<void> {
  await db.run(`CREATE TABLE IF NOT EXISTS ${MEMBERS_TABLE} (
    space VARCHAR NOT NULL, cid BIGINT NOT NULL, content VARCHAR NOT NULL, text VARCHAR NOT NULL, cluster VARCHAR NOT NULL, sig UINTEGER[] NOT NULL)`);
  // Buckets hold the content's number (cid), not its 64-character hash: the pair join is on integers.
  await db.run(`CREATE TABLE IF NOT EXISTS ${BANDS_TABLE} (space VARCHAR NOT NULL, tbl UTINYINT NOT NULL, band UINTEGER NOT NULL, cid BIGINT NOT NULL)`);
  // Raw inputs already seen, by the MD5 of their raw text (embed/pipeline.ts): a later run finds their member in
  // SQL instead of normalizing and hashing them again. Keyed by the normalization rules too (NORMALIZATION_VERSION).
  await db.run(`CREATE TABLE IF NOT EXISTS ${INPUTS_TABLE} (
    space VARCHAR NOT NULL, normalization INTEGER NOT NULL, input_md5 UHUGEINT NOT NULL, cid BIGINT NOT NULL)`);
}

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
  const T = space.tables;
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
  const summary: StoreSummary = { space: id, contents, added, embedded: 0, cached: 0, verified: 0, links: 0 };
  try {
    if (added === 0) return summary;
    // 1. New contents: embedded, signed, bucketed and stored (each its own cluster for now), batch by batch.
    const newSig = new Uint32Array(added * SIGNATURE_WORDS);
    const newBands = new Uint32Array(added * T);
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
      newSig.set(signatures, start * SIGNATURE_WORDS);
      const sigText: string[] = [];
      const bandText: string[] = [];
      for (let p = 0; p < batch.length; p++) {
        const bands = space.bands(signatures, p);
        newBands.set(bands, (start + p) * T);
        sigText.push(signatures.subarray(p * SIGNATURE_WORDS, (p + 1) * SIGNATURE_WORDS).join(','));
        bandText.push(bands.join(','));
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
      await db.run(`INSERT INTO ${MEMBERS_TABLE} SELECT $space, cid, content, text, content, sig FROM rc_store_batch`, { space: id });
      await db.run(
        `INSERT INTO ${BANDS_TABLE} SELECT $space, CAST(t.i - 1 AS UTINYINT), t.band, t.cid
         FROM (SELECT cid, unnest(bands) AS band, unnest(range(1, len(bands) + 1)) AS i FROM rc_store_batch) t`,
        { space: id },
      );
      embed.progress?.(Math.min(start + BATCH, added), added);
    }
    await db.run('DROP TABLE IF EXISTS rc_store_batch');

    // 2. Stored contents that share a bucket with a new one (only those can gain a link), with their clusters.
    await db.run(
      `CREATE OR REPLACE TEMP TABLE rc_store_touched AS
       SELECT CAST(row_number() OVER (ORDER BY cid) - 1 AS BIGINT) AS j, cid FROM (
         SELECT DISTINCT o.cid FROM ${BANDS_TABLE} o
         JOIN (SELECT tbl, band FROM ${BANDS_TABLE} WHERE space = $space AND cid >= $base) n ON n.tbl = o.tbl AND n.band = o.band
         WHERE o.space = $space AND o.cid < $base)`,
      { space: id, base },
    );
    const touched = (await db.scalar('SELECT count(*) FROM rc_store_touched')) ?? 0;
    const n = added + touched;
    const sig = new Uint32Array(n * SIGNATURE_WORDS);
    const bands = new Uint32Array(n * T);
    sig.set(newSig);
    bands.set(newBands);
    const cids = new Float64Array(n);
    for (let i = 0; i < added; i++) cids[i] = base + i;
    const uf = new UnionFind(n);
    const firstOfCluster = new Map<string, number>();
    for (let start = 0; start < touched; start += READ_PAGE) {
      const rows = await db.all<{ j: bigint; cid: bigint; cluster: string; sig: number[]; bands: number[] }>(
        `SELECT t.j, t.cid, m.cluster, m.sig, (SELECT list(b.band ORDER BY b.tbl) FROM ${BANDS_TABLE} b WHERE b.space = $space AND b.cid = t.cid) AS bands
         FROM rc_store_touched t JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.cid = t.cid
         WHERE t.j >= $lo AND t.j < $hi`,
        { space: id, lo: start, hi: start + READ_PAGE },
      );
      for (const r of rows) {
        const at = added + Number(r.j);
        cids[at] = Number(r.cid);
        sig.set(r.sig, at * SIGNATURE_WORDS);
        bands.set(r.bands, at * T);
        // Stored contents of one cluster are linked already.
        const first = firstOfCluster.get(r.cluster);
        if (first === undefined) firstOfCluster.set(r.cluster, at);
        else uf.union(first, at);
      }
    }
    firstOfCluster.clear();

    // 3. Every bucket pair with a new content, close signatures and two clusters: its cosine decides.
    const pending: number[] = [];
    const verify = async (): Promise<void> => {
      const position = new Map<number, number>();
      for (const item of pending) if (!position.has(item)) position.set(item, position.size);
      const items = [...position.keys()];
      const texts = await db.all<{ cid: bigint; text: string }>(
        `SELECT cid, text FROM ${MEMBERS_TABLE} WHERE space = $space AND cid IN (SELECT unnest($cids))`,
        { space: id, cids: listValue(items.map((i) => cids[i]!)) },
      );
      const textOf = new Map(texts.map((t) => [Number(t.cid), t.text]));
      const rows = (await embedCachedDetailed(db, embedder, items.map((i) => textOf.get(cids[i]!)!))).rows;
      for (let k = 0; k < pending.length; k += 2) {
        const a = pending[k]!;
        const b = pending[k + 1]!;
        if (uf.find(a) === uf.find(b)) continue;
        summary.verified++;
        if (linked(space, rows[position.get(a)!]!, rows[position.get(b)!]!) && uf.union(a, b)) summary.links++;
      }
      pending.length = 0;
    };
    const order = new Int32Array(n);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((x, y) => bands[x * T + t]! - bands[y * T + t]! || x - y);
      for (let s = 0; s < n; ) {
        let e = s + 1;
        while (e < n && bands[order[e]! * T + t] === bands[order[s]! * T + t]) e++;
        for (let i = s; i < e; i++) {
          const a = order[i]!;
          for (let j = i + 1; j < e; j++) {
            const b = order[j]!;
            if (a >= added && b >= added) continue; // two stored contents: looked at when the later one came
            if (uf.find(a) === uf.find(b)) continue;
            if (hamming(sig, a, sig, b) > space.maxHamming) continue;
            pending.push(a, b);
          }
        }
        if (pending.length >= 2 * PAIR_PAGE) await verify();
        s = e;
      }
    }
    if (pending.length > 0) await verify();

    // 4. Each component is named by its smallest cluster id (a new content's is itself): relabel in SQL.
    for (let start = 0; start < n; start += READ_PAGE) {
      const end = Math.min(n, start + READ_PAGE);
      const page = Array.from({ length: end - start }, (_, k) => start + k);
      await db.run(
        `${start === 0 ? 'CREATE OR REPLACE TEMP TABLE rc_store_root AS' : 'INSERT INTO rc_store_root'}
         SELECT CAST(unnest($cids) AS BIGINT) AS cid, CAST(unnest($roots) AS INTEGER) AS root`,
        { cids: listValue(page.map((i) => cids[i]!)), roots: listValue(page.map((i) => uf.find(i))) },
      );
    }
    await db.run(
      `CREATE OR REPLACE TEMP TABLE rc_store_merge AS
       WITH r AS (SELECT m.cluster, x.root FROM rc_store_root x JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.cid = x.cid),
       best AS (SELECT root, min(cluster) AS name FROM r GROUP BY root)
       SELECT DISTINCT r.cluster AS old, best.name AS new FROM r JOIN best USING (root) WHERE r.cluster <> best.name`,
      { space: id },
    );
    await db.run(
      `UPDATE ${MEMBERS_TABLE} SET cluster = m.new FROM rc_store_merge m WHERE ${MEMBERS_TABLE}.space = $space AND ${MEMBERS_TABLE}.cluster = m.old`,
      { space: id },
    );
    return summary;
  } finally {
    for (const t of ['rc_store_new', 'rc_store_batch', 'rc_store_touched', 'rc_store_root', 'rc_store_merge']) await db.run(`DROP TABLE IF EXISTS ${t}`);
  }
}
