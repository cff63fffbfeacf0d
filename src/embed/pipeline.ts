import { listValue } from '@duckdb/node-api';
import type { Database } from '../db/database.js';
import { paramsUsedBy } from '../analyses/runner.js';
import { TEXTS_SQL, type ClusterScope } from '../analyses/cache.js';
import { clusterIntoStore, MEMBERS_TABLE } from './cluster-store.js';
import { normalizeText, sha256Hex } from './normalize.js';
import type { ProgressLine } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The embed-and-cluster pipeline behind the cache section and export: DuckDB lists the distinct raw inputs of the
 * scope; JS normalizes and hashes them page by page (rc_cache_content: id → content hash, normalized text); the
 * persistent store (cluster-store.ts) clusters the contents it has not seen; rc_cache_map (input id → content,
 * cluster) is a join, for the SQL replays.
 */

/** Raw inputs normalized and written back per page: bounds the JS memory whatever the number of inputs. */
const PAGE = 50_000;

export interface ClusterSummary {
  /** Distinct raw inputs, distinct normalized inputs, and of the contents new to the store: embedded now / cached. */
  rawInputs: number;
  contents: number;
  embedded: number;
  cached: number;
  /** Contents new to the store this run (the rest had their clusters from earlier runs). */
  added: number;
  clusters: number;
}

/** Fills rc_cache_texts / rc_cache_content / rc_cache_map: every distinct raw input with its content hash and cluster id. */
export async function clusterInputs(
  db: Database,
  params: ClusterScope,
  embed: { embedder: Embedder; threshold: number; progress?: ProgressLine },
): Promise<ClusterSummary> {
  await db.run(TEXTS_SQL, paramsUsedBy(TEXTS_SQL, params));
  const rawInputs = (await db.scalar('SELECT count(*) FROM rc_cache_texts')) ?? 0;
  await db.run('CREATE OR REPLACE TEMP TABLE rc_cache_content (id INTEGER, content VARCHAR, text VARCHAR)');
  for (let start = 0; start < rawInputs; start += PAGE) {
    const page = await db.all<{ id: number; input: string }>(
      'SELECT id, input FROM rc_cache_texts WHERE id >= $lo AND id < $hi ORDER BY id',
      { lo: start, hi: start + PAGE },
    );
    const texts = page.map((t) => normalizeText(t.input));
    await db.run('INSERT INTO rc_cache_content SELECT CAST(unnest($ids) AS INTEGER), unnest($contents), unnest($texts)', {
      ids: listValue(page.map((t) => t.id)),
      contents: listValue(texts.map(sha256Hex)),
      texts: listValue(texts),
    });
  }
  const progress = embed.progress;
  const stored = await clusterIntoStore(db, 'rc_cache_content', { embedder: embed.embedder, threshold: embed.threshold, ...(progress ? { progress: progress.update } : {}) });
  progress?.done();
  await db.run(
    `CREATE OR REPLACE TEMP TABLE rc_cache_map AS
     SELECT c.id, c.content, m.cluster FROM rc_cache_content c
     JOIN ${MEMBERS_TABLE} m ON m.space = $space AND m.content = c.content`,
    { space: stored.space },
  );
  const clusters = (await db.scalar('SELECT count(DISTINCT cluster) FROM rc_cache_map')) ?? 0;
  return { rawInputs, contents: stored.contents, embedded: stored.embedded, cached: stored.cached, added: stored.added, clusters };
}
