import type { Database } from '../db/database.js';
import { embedCachedDetailed } from './cache.js';
import { UnionFind } from './cluster.js';
import { defaultThreads, LexicalPool } from './lexical-pool.js';
import { atThreshold, lshSpace, SIGNATURE_WORDS, type LshSpace } from './lsh.js';
import { PairList, type WalkSetup } from './rounds.js';
import { SparseDot, sparseRows, type SparseRow } from './sparse.js';
import { LocalRounds, ThreadRounds, type RoundSource } from './walk-thread.js';
import { laps, type ProgressFn, type StageTiming } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The persistent, incremental clustering behind the cache section: every normalized input the database has seen,
 * with its LSH signature, its buckets and its cluster, per space (embedder id + threshold + LSH rules). A run
 * clusters only the contents it has not seen:
 *   1. they are embedded, signed and bucketed in batches, and written to the store;
 *   2. SQL finds the stored contents that share a bucket with a new one (touched), with their signatures;
 *   3. the pair walk (lsh.ts PairWalker, the in-memory clustering's too; in rounds: rounds.ts, on a worker thread
 *      a round ahead when there are threads: walk-thread.ts) lists the close pairs with a new content not yet in
 *      one cluster: signatures and bands only, a few dozen bytes per content;
 *   4. their exact cosines are checked block by block: the contents of those pairs are ordered by connected
 *      component of the close-pair graph, breadth first, so that a pair's two ends are in one block or in
 *      neighbouring ones, and each block's vectors are made about once (recomputed from the stored text, or read
 *      from the embedding cache; the last two blocks' worth are kept), two blocks at a time; steps 3–4 go in
 *      rounds of at most ROUND pairs, the walk skipping the pairs the links of earlier rounds joined;
 *   5. SQL relabels the clusters that merged.
 *
 *   cluster_members(space, cid, content, text, cluster, sig)   one row per normalized input (content = its SHA-256)
 *   cluster_bands(space, tbl, band, cid)                       its bucket in each LSH table
 *   cluster_inputs(space, normalization, input_md5, cid)       raw inputs seen (embed/pipeline.ts)
 *
 * Why this equals a from-scratch clustering of the same contents (test/embed.cluster-store.test.ts): the graph
 * (pairs sharing a bucket, signatures within the bound, cosine ≥ threshold) is a function of the set of contents
 * (lsh.ts), and the clusters are its connected components, whatever order the pairs are checked in. Pairs of two
 * old contents were looked at when the later one arrived; a run adds exactly the pairs with a new content;
 * components of old ∪ new are the old components joined by the new links. A cluster's id is the smallest content
 * in it, so a merge keeps the smaller id.
 *
 * Memory: one batch of new contents (BATCH and TEXT_BYTES at most) while embedding; 96 bytes per new or touched
 * content (signature and bands), a round of close pairs (about 24 bytes each with their adjacency) and the vectors
 * of two blocks.
 */

export const MEMBERS_TABLE = 'cluster_members';
export const BANDS_TABLE = 'cluster_bands';
export const INPUTS_TABLE = 'cluster_inputs';
/** New contents embedded, signed and written per batch, and their text bytes at most (prompts can be kilobytes). */
const BATCH = 20_000;
export const TEXT_BYTES = 16_000_000;
/** Contents whose vectors are made at once while checking pairs (two blocks are held: 2 × 8,192 × dim floats). */
const BLOCK = 8_192;
/** Close pairs listed, then checked, at a time (8 bytes each, plus their adjacency while they are checked). */
const ROUND = 2_000_000;
/** New contents from which the lexical embedder runs on every core (lexical-pool.ts): below, threads cost more. */
const PARALLEL_FROM = 20_000;
/** Stored contents read per query (signature, cluster). */
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
  /** Vectors made for the checks (stored contents and new ones whose vectors were not held: embedded again). */
  remade: number;
}

/** The space's id: the embedder and the LSH space (dimension, threshold, tables, bucket bits, seed). */
export function spaceId(embedder: Embedder, space: LshSpace): string {
  return `${embedder.id}|${space.id}`;
}

/**
 * Cuts items 0..n-1 with `lengths[i]` bytes of text into consecutive batches of at most `count` items and `bytes`
 * bytes (a single larger item is a batch of its own): the starts of the batches, then n.
 */
export function textBatches(lengths: ArrayLike<unknown>, count: number, bytes: number): number[] {
  const cuts = [0];
  let size = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = Number(lengths[i]);
    if (i > cuts[cuts.length - 1]! && (i - cuts[cuts.length - 1]! >= count || size + length > bytes)) {
      cuts.push(i);
      size = 0;
    }
    size += length;
  }
  if (lengths.length > 0) cuts.push(lengths.length);
  return cuts;
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
  embed: {
    embedder: Embedder;
    threshold: number;
    progress?: ProgressFn;
    /** Contents per block of vectors while checking pairs (default BLOCK; tests make it small to get many blocks). */
    block?: number;
    /** Close pairs listed before they are checked (default ROUND; tests make it small to get many rounds). */
    round?: number;
    /** New contents embedded per batch (default BATCH; tests make it small to get many batches). */
    batch?: number;
    /** Worker threads (default: defaultThreads()), from `parallelFrom` new contents (default PARALLEL_FROM). */
    threads?: number;
    parallelFrom?: number;
    /** Each step's wall time (store.add, store.touched, store.link, store.relabel), when asked for. */
    timing?: StageTiming;
  },
): Promise<StoreSummary> {
  const { embedder } = embed;
  const space = lshSpace(embedder.dim, { threshold: embed.threshold });
  const id = spaceId(embedder, space);
  await createStore(db);
  await db.run(
    // Numbered in no particular order (a content's number only names it; cluster ids are names, not numbers), so
    // that the texts, kilobytes each with long prompts, are never sorted. One text per content: content = its SHA-256.
    `CREATE OR REPLACE TEMP TABLE rc_store_new AS
     SELECT CAST(row_number() OVER () - 1 AS INTEGER) AS i, s.content, s.text
     FROM (SELECT content, any_value(text) AS text FROM ${source} GROUP BY content) s
     WHERE s.content NOT IN (SELECT content FROM ${MEMBERS_TABLE} WHERE space = $space)`,
    { space: id },
  );
  const contents = (await db.scalar(`SELECT count(DISTINCT content) FROM ${source}`)) ?? 0;
  const added = (await db.scalar(`SELECT count(*) FROM rc_store_new`)) ?? 0;
  const base = (await db.scalar(`SELECT coalesce(max(cid) + 1, 0) FROM ${MEMBERS_TABLE} WHERE space = $space`, { space: id })) ?? 0;
  const summary: StoreSummary = { space: id, contents, added, embedded: 0, cached: 0, verified: 0, links: 0, remade: 0 };
  const large = added >= (embed.parallelFrom ?? PARALLEL_FROM);
  const pool = large ? LexicalPool.for(embedder, embed.threads) : null;
  // The pair walk on a worker thread too, for any embedder, when there are threads to spare.
  const threaded = large && (embed.threads ?? defaultThreads()) >= 2;
  // Vectors of the texts (already normalized and distinct): on every core for the lexical embedder, else through
  // the embedding cache.
  const vectorsOf: VectorMaker = {
    make: async (texts) => (pool ? pool.sparse(texts) : sparseRows((await embedCachedDetailed(db, embedder, texts)).rows, embedder.dim)),
    background: pool !== null,
  };
  try {
    if (added === 0) return summary;
    const lap = laps(embed.timing, 'store');
    const fresh = await addNew(db, id, space, base, added, { ...embed, pool }, summary);
    lap('add');
    const items = await withTouched(db, id, space, base, fresh);
    lap('touched');
    const { n, cids, uf } = items;
    // The close pairs with a new content, not yet in one cluster (the stored clusters are joined already), checked
    // ROUND pairs at a time: the links found join sets, and the walk skips the pairs they join from then on (with
    // many near-duplicates that is most pairs: a bucket of thousands is one cluster after its first checks).
    // A round also ends early when its pairs are dense (many pairs among few contents: near-duplicates, which the
    // first checks join into one cluster, so that the walk skips the rest of their pairs).
    const blockSize = Math.max(1, Math.floor(embed.block ?? BLOCK));
    const round = Math.max(1, Math.floor(embed.round ?? ROUND));
    const cache = new VectorCache(n, 2 * blockSize);
    const setup: WalkSetup = {
      space: { tables: space.tables, bucketBits: space.bucketBits, maxHamming: space.maxHamming },
      signatures: items.sig, bands: items.bands, n, storedFrom: added, round,
    };
    // With threads, the walk runs on its own, a round ahead of the checks (rounds.ts says why the links are the same).
    const source: RoundSource = threaded ? new ThreadRounds(setup, uf) : new LocalRounds(setup, uf);
    try {
      let joined = new PairList();
      source.request(joined);
      for (;;) {
        const { pairs, more } = await source.take();
        if (more) {
          source.request(joined);
          joined = new PairList();
        }
        await linkPairs(db, id, space, vectorsOf, items, pairs, summary, blockSize, cache, joined);
        if (!more) break;
      }
    } finally {
      await source.close();
    }
    lap('link');
    await relabel(db, id, cids, uf);
    lap('relabel');
    return summary;
  } finally {
    await pool?.close();
    for (const t of ['rc_store_new', 'rc_store_batch', 'rc_store_touched', 'rc_store_pos', 'rc_store_round', 'rc_store_root', 'rc_store_merge']) {
      await db.run(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}

/** Signatures and bands of `n` contents (SIGNATURE_WORDS and `tables` numbers each), and their store numbers. */
interface Items {
  n: number;
  sig: Uint32Array;
  bands: Uint32Array;
  cids: Float64Array;
  /** Contents already in one cluster (stored clusters), joined by the links found. */
  uf: UnionFind;
}

/**
 * Step 1: rc_store_new's contents are embedded, signed and bucketed batch by batch, and stored (each its own
 * cluster for now); their signatures and bands stay in memory for the pair walk.
 */
async function addNew(
  db: Database,
  id: string,
  space: LshSpace,
  base: number,
  added: number,
  embed: { embedder: Embedder; threshold: number; batch?: number; progress?: ProgressFn; pool: LexicalPool | null },
  summary: StoreSummary,
): Promise<{ sig: Uint32Array; bands: Uint32Array }> {
  const T = space.tables;
  const sig = new Uint32Array(added * SIGNATURE_WORDS);
  const bands = new Uint32Array(added * T);
  await db.run('CREATE OR REPLACE TEMP TABLE rc_store_batch (i INTEGER, sig VARCHAR, bands VARCHAR)');
  embed.progress?.(0, added);
  const [lengths] = await db.columns('SELECT strlen(text) FROM rc_store_new ORDER BY i');
  const cuts = textBatches(lengths!, Math.max(1, Math.floor(embed.batch ?? BATCH)), TEXT_BYTES);
  const textsOf = async (k: number): Promise<string[]> =>
    (await db.columns('SELECT text FROM rc_store_new WHERE i >= $lo AND i < $hi ORDER BY i', { lo: cuts[k]!, hi: cuts[k + 1]! }))[0] as string[];
  // With worker threads, the next batch is embedded and signed while this one is written (its texts are read
  // first: one query at a time on the connection).
  const pooled = async (k: number) => {
    const texts = await textsOf(k);
    const signing = embed.pool!.signatures(texts, { threshold: embed.threshold });
    signing.catch(() => undefined); // awaited below; a failure throws there
    return { texts, signing };
  };
  let next = embed.pool && cuts.length > 1 ? await pooled(0) : null;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const start = cuts[k]!;
    let texts: string[];
    let signatures: Uint32Array;
    if (next) {
      // The texts are normalized and distinct (one per content): each is embedded once, as below.
      texts = next.texts;
      signatures = await next.signing;
      next = k + 2 < cuts.length ? await pooled(k + 1) : null;
      summary.embedded += texts.length;
    } else {
      texts = await textsOf(k);
      const vectors = await embedCachedDetailed(db, embed.embedder, texts);
      summary.embedded += vectors.embedded;
      summary.cached += vectors.cached;
      signatures = space.signatures(vectors.rows);
    }
    sig.set(signatures, start * SIGNATURE_WORDS);
    // Numbers travel as text through the appender and DuckDB parses them: no native call per number.
    const appender = await db.tempAppender('rc_store_batch');
    for (let p = 0; p < texts.length; p++) {
      const b = space.bands(signatures, p);
      bands.set(b, (start + p) * T);
      appender.appendInteger(start + p);
      appender.appendVarchar(signatures.subarray(p * SIGNATURE_WORDS, (p + 1) * SIGNATURE_WORDS).join(','));
      appender.appendVarchar(b.join(','));
      appender.endRow();
    }
    appender.closeSync();
    embed.progress?.(cuts[k + 1]!, added);
  }
  await db.run(
    `INSERT INTO ${MEMBERS_TABLE}
     SELECT $space, n.i + $base, n.content, n.text, n.content, list_transform(string_split(b.sig, ','), x -> CAST(x AS UINTEGER))
     FROM rc_store_batch b JOIN rc_store_new n ON n.i = b.i`,
    { space: id, base },
  );
  await db.run(
    `INSERT INTO ${BANDS_TABLE}
     SELECT $space, CAST(t.k - 1 AS UTINYINT), CAST(t.band AS UINTEGER), t.i + $base
     FROM (SELECT i, unnest(string_split(bands, ',')) AS band, unnest(range(1, $tables + 1)) AS k FROM rc_store_batch) t`,
    { space: id, base, tables: T },
  );
  return { sig, bands };
}

/**
 * Step 2: the stored contents that share a bucket with a new one (only those can gain a link) join the new ones
 * (positions added.. after 0..added-1), with their signatures (their bands are recomputed from them); stored
 * contents of one cluster are linked already, so they start in one set.
 */
async function withTouched(db: Database, id: string, space: LshSpace, base: number, fresh: { sig: Uint32Array; bands: Uint32Array }): Promise<Items> {
  const T = space.tables;
  const added = fresh.sig.length / SIGNATURE_WORDS;
  await db.run('CREATE OR REPLACE TEMP TABLE rc_store_touched (j INTEGER, cid BIGINT, sig UINTEGER[], cluster_no INTEGER)');
  // Nothing stored before this run: nothing to touch (and no join over every new band to find that out).
  if (base > 0) {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE rc_store_touched AS
     SELECT CAST(row_number() OVER (ORDER BY t.cid) - 1 AS INTEGER) AS j, t.cid, m.sig,
       CAST(dense_rank() OVER (ORDER BY m.cluster) AS INTEGER) AS cluster_no
     FROM (
       -- A semi-join: a plain join lists every (old, new) pair of a crowded bucket before DISTINCT (22 s against
       -- 1.1 s with 1.6M contents stored).
       SELECT DISTINCT o.cid FROM ${BANDS_TABLE} o
       SEMI JOIN (SELECT DISTINCT tbl, band FROM ${BANDS_TABLE} WHERE space = $space AND cid >= $base) n ON n.tbl = o.tbl AND n.band = o.band
       WHERE o.space = $space AND o.cid < $base) t
     JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.cid = t.cid`,
      { space: id, base },
    );
  }
  const touched = (await db.scalar('SELECT count(*) FROM rc_store_touched')) ?? 0;
  const n = added + touched;
  const sig = new Uint32Array(n * SIGNATURE_WORDS);
  const bands = new Uint32Array(n * T);
  sig.set(fresh.sig);
  bands.set(fresh.bands);
  const cids = new Float64Array(n);
  for (let i = 0; i < added; i++) cids[i] = base + i;
  const uf = new UnionFind(n);
  const firstOfCluster = new Map<number, number>();
  for (let start = 0; start < touched; start += READ_PAGE) {
    const [js, cidsOf, sigs, clusterNos] = await db.columns(
      'SELECT j, cid, sig, cluster_no FROM rc_store_touched WHERE j >= $lo AND j < $hi',
      { lo: start, hi: start + READ_PAGE },
    );
    for (let r = 0; r < js!.length; r++) {
      const at = added + (js![r] as number);
      cids[at] = Number(cidsOf![r]);
      sig.set(sigs![r] as number[], at * SIGNATURE_WORDS);
      bands.set(space.bands(sig, at), at * T);
      const cluster = clusterNos![r] as number;
      const first = firstOfCluster.get(cluster);
      if (first === undefined) firstOfCluster.set(cluster, at);
      else uf.union(first, at);
    }
  }
  return { n, sig, bands, cids, uf };
}

/**
 * The vectors of the contents most recently used, at most `capacity` (two blocks' worth), the least recently used
 * out first: rounds of near-duplicates come back to the same contents, which are then not read and embedded again.
 * The order is a list threaded through typed arrays indexed by item (a Map, oldest first, walked over the deleted
 * entries at its front on each eviction: 2.4 s of the main thread on the 5.6M-request week).
 */
class VectorCache {
  private readonly rows: (SparseRow | undefined)[];
  private readonly before: Int32Array;
  private readonly after: Int32Array;
  private oldest = -1;
  private newest = -1;
  private size = 0;

  constructor(items: number, private readonly capacity: number) {
    this.rows = new Array<SparseRow | undefined>(items);
    this.before = new Int32Array(items).fill(-1);
    this.after = new Int32Array(items).fill(-1);
  }

  has(item: number): boolean {
    return this.rows[item] !== undefined;
  }

  /** The item's row, which becomes the most recently used. */
  get(item: number): SparseRow | undefined {
    const row = this.rows[item];
    if (row && item !== this.newest) {
      this.unlink(item);
      this.append(item);
    }
    return row;
  }

  put(item: number, row: SparseRow): void {
    if (this.rows[item]) this.unlink(item);
    else this.size++;
    this.rows[item] = row;
    this.append(item);
    if (this.size > this.capacity) {
      const out = this.oldest;
      this.unlink(out);
      this.rows[out] = undefined;
      this.size--;
    }
  }

  private append(item: number): void {
    this.before[item] = this.newest;
    this.after[item] = -1;
    if (this.newest >= 0) this.after[this.newest] = item;
    else this.oldest = item;
    this.newest = item;
  }

  private unlink(item: number): void {
    const b = this.before[item]!;
    const a = this.after[item]!;
    if (b >= 0) this.after[b] = a;
    else this.oldest = a;
    if (a >= 0) this.before[a] = b;
    else this.newest = b;
  }
}

/** Vectors of texts; `background`: made off this thread without the database, so they can be made ahead. */
interface VectorMaker {
  make(texts: string[]): Promise<SparseRow[]>;
  background: boolean;
}

/**
 * Steps 3–4: the exact cosine of each close pair decides. The contents that are in a pair get positions:
 * connected components of the pair graph one after the other, each breadth first from its first item, so that the
 * two ends of a pair are near each other. Positions are cut into blocks of `blockSize`; pairs are checked grouped by
 * (block of one end, block of the other), in order, with the vectors of at most two blocks made at a time.
 */
async function linkPairs(
  db: Database,
  id: string,
  space: LshSpace,
  vectorsOf: VectorMaker,
  items: Items,
  pairs: PairList,
  summary: StoreSummary,
  blockSize: number,
  cache: VectorCache,
  /** The links made, as pairs (the walk on a worker thread joins them before its next round). */
  joined: PairList,
): Promise<void> {
  const { n, cids, uf } = items;
  const m = pairs.length;
  if (m === 0) return;
  // Adjacency (CSR) of the pair graph.
  const start = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    start[pairs.a[e]! + 1]!++;
    start[pairs.b[e]! + 1]!++;
  }
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const next = start.slice(0, n);
  const adjacent = new Int32Array(2 * m);
  for (let e = 0; e < m; e++) {
    adjacent[next[pairs.a[e]!]!++] = pairs.b[e]!;
    adjacent[next[pairs.b[e]!]!++] = pairs.a[e]!;
  }
  // Breadth-first positions; `order` is the item at each position.
  const position = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  let placed = 0;
  for (let s = 0; s < n; s++) {
    if (position[s]! >= 0 || start[s + 1] === start[s]) continue;
    let head = placed;
    position[s] = placed;
    order[placed++] = s;
    while (head < placed) {
      const x = order[head++]!;
      for (let k = start[x]!; k < start[x + 1]!; k++) {
        const y = adjacent[k]!;
        if (position[y]! < 0) {
          position[y] = placed;
          order[placed++] = y;
        }
      }
    }
  }
  // The pairs, grouped by the blocks of their ends (lower block first), and in a group by the positions of the lower
  // end, then of the upper one: a row is spread for the dot products once for all its pairs in the group, and the
  // other rows are read in memory order (in the walk's order, the checks of the 5.6M-request week waited on memory).
  // A pair is its key: (group, lower end's offset in its block, upper end's offset in its block).
  const blocks = Math.ceil(placed / blockSize);
  const area = blockSize * blockSize;
  const keyed = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    const x = Math.min(position[pairs.a[e]!]!, position[pairs.b[e]!]!);
    const y = Math.max(position[pairs.a[e]!]!, position[pairs.b[e]!]!);
    keyed[e] = (Math.floor(x / blockSize) * blocks + Math.floor(y / blockSize)) * area + (x % blockSize) * blockSize + (y % blockSize);
  }
  keyed.sort();
  const groupOf = (key: number): number => Math.floor(key / area);
  // The pair's lower end's offset in its block and the upper end's in its block.
  const offsetsOf = (key: number): [number, number] => {
    const within = key - groupOf(key) * area;
    const x = Math.floor(within / blockSize);
    return [x, within - x * blockSize];
  };
  // The pair's two items.
  const endsOf = (key: number): [number, number] => {
    const group = groupOf(key);
    const [x, y] = offsetsOf(key);
    return [order[Math.floor(group / blocks) * blockSize + x]!, order[(group % blocks) * blockSize + y]!];
  };
  const open = (key: number): boolean => {
    const [a, b] = endsOf(key);
    return uf.find(a) !== uf.find(b);
  };
  // The texts of the round's contents, by position, in one join (a join per block read the store 150 times).
  await db.run('CREATE OR REPLACE TEMP TABLE rc_store_pos (pos INTEGER, cid BIGINT)');
  const appender = await db.tempAppender('rc_store_pos');
  for (let p = 0; p < placed; p++) {
    appender.appendInteger(p);
    appender.appendBigInt(BigInt(cids[order[p]!]!));
    appender.endRow();
  }
  appender.closeSync();
  await db.run(
    `CREATE OR REPLACE TEMP TABLE rc_store_round AS SELECT p.pos, m.text FROM rc_store_pos p JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.cid = p.cid`,
    { space: id },
  );
  // A block's vectors: those still in `cache` (from the block before, or an earlier round), the others made from
  // their texts.
  const held: { block: number; rows: SparseRow[] }[] = [];
  // The positions of a block whose vectors are not in `cache`, and their texts (no query when there are none).
  // The block's vectors that are there become the most recently used: the ones made next cannot push them out.
  const missingOf = async (block: number): Promise<{ need: number[]; texts: string[] }> => {
    const first = block * blockSize;
    const end = Math.min(placed, first + blockSize);
    let missing = 0;
    for (let p = first; p < end; p++) if (!cache.get(order[p]!)) missing++;
    if (missing === 0) return { need: [], texts: [] };
    const [positions, texts] = await db.columns('SELECT pos, text FROM rc_store_round WHERE pos >= $lo AND pos < $hi', { lo: first, hi: end });
    const need: number[] = [];
    const needTexts: string[] = [];
    positions!.forEach((p, k) => {
      if (!cache.has(order[p as number]!)) {
        need.push(p as number);
        needTexts.push(texts![k] as string);
      }
    });
    return { need, texts: needTexts };
  };
  // Blocks whose vectors are being made in the background (worker threads) while pairs are checked on this one:
  // at most one ahead of the two held.
  const ahead = new Map<number, Promise<{ need: number[]; made: SparseRow[] }>>();
  // Starts the first of `blocks` (the next group's) that is neither held nor being made; a block made ahead that
  // is no longer wanted (the links made its pairs unneeded) is dropped.
  const prefetch = async (blocks: number[]): Promise<void> => {
    if (!vectorsOf.background) return;
    const wanted = blocks.filter((b) => !held.some((h) => h.block === b));
    for (const block of ahead.keys()) if (!wanted.includes(block)) ahead.delete(block);
    const block = wanted.find((b) => !ahead.has(b));
    if (ahead.size > 0 || block === undefined) return;
    const { need, texts } = await missingOf(block);
    if (need.length === 0) return;
    const job = vectorsOf.make(texts).then((made) => ({ need, made }));
    // A dropped job's failure (the pool closed under it) is nobody's: only an awaited one throws.
    job.catch(() => undefined);
    ahead.set(block, job);
  };
  const vectors = async (block: number, keep: number): Promise<SparseRow[]> => {
    const found = held.find((h) => h.block === block);
    if (found) return found.rows;
    const first = block * blockSize;
    const end = Math.min(placed, first + blockSize);
    const early = ahead.get(block);
    ahead.delete(block);
    if (early) {
      const { need, made } = await early;
      summary.remade += need.length;
      need.forEach((p, k) => cache.put(order[p]!, made[k]!));
    }
    // Whatever is still missing: nothing was made ahead, or the cache dropped a vector since.
    const { need, texts } = await missingOf(block);
    if (need.length > 0) {
      const made = await vectorsOf.make(texts);
      summary.remade += need.length;
      need.forEach((p, k) => cache.put(order[p]!, made[k]!));
    }
    const rows: SparseRow[] = [];
    for (let p = first; p < end; p++) rows[p - first] = cache.get(order[p]!)!;
    const slot = held.length < 2 ? held.length : held.findIndex((h) => h.block !== keep);
    held[slot] = { block, rows };
    return rows;
  };
  const dots = new SparseDot(space.dim);
  // The blocks of the first group after `from` with a pair still open.
  const nextBlocks = (from: number): number[] => {
    for (let k = from; k < m; k++) {
      if (!open(keyed[k]!)) continue;
      const group = groupOf(keyed[k]!);
      return [Math.floor(group / blocks), group % blocks];
    }
    return [];
  };
  for (let g = 0; g < m; ) {
    const group = groupOf(keyed[g]!);
    let end = g;
    while (end < m && groupOf(keyed[end]!) === group) end++;
    const lower = Math.floor(group / blocks);
    const upper = group % blocks;
    // Pairs already joined through others need no vectors: a block is made only for a pair still open.
    let k = g;
    while (k < end && !open(keyed[k]!)) k++;
    if (k < end) {
      const rowsLower = await vectors(lower, upper);
      const rowsUpper = await vectors(upper, lower);
      await prefetch(nextBlocks(end));
      for (; k < end; k++) {
        const [x, y] = offsetsOf(keyed[k]!);
        const a = order[lower * blockSize + x]!;
        const b = order[upper * blockSize + y]!;
        if (uf.find(a) === uf.find(b)) continue;
        summary.verified++;
        if (atThreshold(space, dots.dot(rowsLower[x]!, rowsUpper[y]!)) && uf.union(a, b)) {
          summary.links++;
          joined.push(a, b);
        }
      }
    }
    g = end;
  }
}

/**
 * Step 5: each component is named by its smallest cluster id (a new content's is itself): the contents of
 * components with two or more of them go to SQL with their component, and the clusters that merged are renamed.
 */
async function relabel(db: Database, id: string, cids: Float64Array, uf: UnionFind): Promise<void> {
  const n = cids.length;
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) size[uf.find(i)]!++;
  await db.run('CREATE OR REPLACE TEMP TABLE rc_store_root (cid BIGINT, root INTEGER)');
  const appender = await db.tempAppender('rc_store_root');
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    if (size[root]! < 2) continue;
    appender.appendBigInt(BigInt(cids[i]!));
    appender.appendInteger(root);
    appender.endRow();
  }
  appender.closeSync();
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
}
