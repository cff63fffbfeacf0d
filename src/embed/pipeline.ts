import type { Database } from '../db/database.js';
import { paramsUsedBy } from '../analyses/runner.js';
import { TEXTS_SQL, type ClusterScope } from '../analyses/cache.js';
import { clusterIntoStore, createStore, INPUTS_TABLE, MEMBERS_TABLE, storeSpaceId, TEXT_BYTES, textBatches } from './cluster-store.js';
import { NORMALIZATION_VERSION, normalizeText, sha256Hex } from './normalize.js';
import { laps, type ProgressLine, type StageTiming } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The embed-and-cluster pipeline behind the cache section and export: DuckDB lists the distinct raw inputs of the
 * scope (rc_cache_texts). A raw input an earlier run of the same space has seen is found in the store's raw-input
 * table (cluster_inputs, by the MD5 of its text that DuckDB computes) and never comes to JS; the others are
 * normalized and hashed by JS page by page (rc_cache_content: id → content hash, normalized text), the persistent
 * store (cluster-store.ts) clusters the contents it has not seen, and the raw inputs are recorded. rc_cache_map
 * (input id → its numbers, and with `names` its content hash and cluster id) is a join, for the SQL replays and the
 * export. Texts are read only where needed: an MD5 is computed where the text is scanned, so no join holds texts.
 */

/** Raw inputs normalized and written back per page (and TEXT_BYTES at most): bounds the JS memory whatever the inputs. */
const PAGE = 50_000;

export interface ClusterSummary {
  /** Distinct raw inputs, distinct normalized inputs, and of the contents new to the store: embedded now / cached. */
  rawInputs: number;
  /** Raw inputs normalized and hashed by JS this run: those no earlier run of the space had seen. */
  normalized: number;
  contents: number;
  embedded: number;
  cached: number;
  /** Contents new to the store this run (the rest had their clusters from earlier runs). */
  added: number;
  clusters: number;
  /** The store's work on the new contents (cluster-store.ts StoreSummary): cosines computed, links, vectors made again. */
  verified: number;
  links: number;
  remade: number;
}

/**
 * The raw inputs of rc_cache_texts that the store has seen in `space`, with their content's number (cid). The
 * MD5 of the raw text is the key, as for request and reject identity (load/ingest.ts).
 */
const KNOWN_SQL = `
  CREATE OR REPLACE TEMP TABLE rc_cache_known AS
  SELECT t.id, i.cid FROM (SELECT id, md5_number(input) AS input_md5 FROM rc_cache_texts) t
  JOIN ${INPUTS_TABLE} i ON i.space = $space AND i.normalization = $normalization AND i.input_md5 = t.input_md5`;

/**
 * Fills rc_cache_texts(id, input, h) and rc_cache_map(id, content_no, cluster_no[, content, cluster]): every distinct
 * raw input of the scope, numbered (id), with the numbers from 1 of its content and cluster (cluster_no in the
 * order of the cluster ids; the replays keep one expiry per number) and, with `names`, the content hash and the
 * cluster id.
 */
export async function clusterInputs(
  db: Database,
  params: ClusterScope,
  embed: { embedder: Embedder; threshold: number; progress?: ProgressLine; names?: boolean; timing?: StageTiming },
): Promise<ClusterSummary> {
  const lap = laps(embed.timing, 'cache');
  await db.run(TEXTS_SQL, paramsUsedBy(TEXTS_SQL, params));
  const rawInputs = (await db.scalar('SELECT count(*) FROM rc_cache_texts')) ?? 0;
  const space = storeSpaceId(embed.embedder, embed.threshold);
  const keyParams = { space, normalization: NORMALIZATION_VERSION };
  await createStore(db);
  await db.run(KNOWN_SQL, keyParams);
  // The inputs not known, in pages of input numbers bounded in count and in text bytes (prompts can be kilobytes).
  const unknown = rawInputs - ((await db.scalar('SELECT count(*) FROM rc_cache_known')) ?? 0);
  const [unknownIds, lengths] =
    unknown > 0
      ? await db.columns('SELECT id, strlen(input) FROM rc_cache_texts WHERE id NOT IN (SELECT id FROM rc_cache_known) ORDER BY id')
      : [[], []];
  await db.run('CREATE OR REPLACE TEMP TABLE rc_cache_content (id INTEGER, content VARCHAR, text VARCHAR)');
  const cuts = textBatches(lengths!, PAGE, TEXT_BYTES);
  for (let k = 0; k + 1 < cuts.length; k++) {
    const [ids, inputs] = await db.columns(
      `SELECT id, input FROM rc_cache_texts WHERE id >= $lo AND id <= $hi AND id NOT IN (SELECT id FROM rc_cache_known) ORDER BY id`,
      { lo: unknownIds![cuts[k]!] as number, hi: unknownIds![cuts[k + 1]! - 1] as number },
    );
    const appender = await db.tempAppender('rc_cache_content');
    for (let r = 0; r < ids!.length; r++) {
      const text = normalizeText(inputs![r] as string);
      appender.appendInteger(ids![r] as number);
      appender.appendVarchar(sha256Hex(text));
      appender.appendVarchar(text);
      appender.endRow();
    }
    appender.closeSync();
  }
  const progress = embed.progress;
  lap('inputs');
  const stored = await clusterIntoStore(db, 'rc_cache_content', {
    embedder: embed.embedder,
    threshold: embed.threshold,
    ...(progress ? { progress: progress.update } : {}),
    ...(embed.timing ? { timing: (stage: string, seconds: number) => embed.timing!(`cache.${stage}`, seconds) } : {}),
  });
  progress?.done();
  lap('store');
  if (unknown > 0) {
    // Recorded after their contents are stored: a raw input in cluster_inputs always has its member. One row per
    // MD5 (two raw texts of one MD5 would otherwise give their requests two rows each).
    await db.run(
      `INSERT INTO ${INPUTS_TABLE}
       SELECT $space, $normalization, t.input_md5, min(m.cid)
       FROM rc_cache_content c JOIN (SELECT id, md5_number(input) AS input_md5 FROM rc_cache_texts) t ON t.id = c.id
       JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.content = c.content
       GROUP BY t.input_md5`,
      keyParams,
    );
    await db.run(KNOWN_SQL, keyParams);
  }
  await db.run(
    `CREATE OR REPLACE TEMP TABLE rc_cache_map AS
     SELECT k.id, CAST(dense_rank() OVER (ORDER BY m.cid) AS INTEGER) AS content_no,
       CAST(dense_rank() OVER (ORDER BY m.cluster) AS INTEGER) AS cluster_no${embed.names ? ', m.content, m.cluster' : ''}
     FROM rc_cache_known k JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.cid = k.cid`,
    { space },
  );
  // The normalized texts were for the store: what follows reads rc_cache_texts and rc_cache_map.
  for (const t of ['rc_cache_known', 'rc_cache_content']) await db.run(`DROP TABLE IF EXISTS ${t}`);
  const counts = await db.one<{ contents: bigint; clusters: bigint }>(
    'SELECT count(DISTINCT content_no) AS contents, count(DISTINCT cluster_no) AS clusters FROM rc_cache_map',
  );
  lap('map');
  return {
    rawInputs,
    normalized: unknown,
    contents: Number(counts?.contents ?? 0),
    embedded: stored.embedded,
    cached: stored.cached,
    added: stored.added,
    clusters: Number(counts?.clusters ?? 0),
    verified: stored.verified,
    links: stored.links,
    remade: stored.remade,
  };
}
