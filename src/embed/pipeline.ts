import { listValue } from '@duckdb/node-api';
import type { Database } from '../db/database.js';
import { paramsUsedBy } from '../analyses/runner.js';
import { MAP_CREATE_SQL, MAP_INSERT_SQL, TEXTS_SQL, type ClusterScope } from '../analyses/cache.js';
import { embedCachedDetailed } from './cache.js';
import { clusterVectors } from './cluster.js';
import { normalizeText, sha256Hex } from './normalize.js';
import type { ProgressLine } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The embed-and-cluster pipeline behind the cache section: DuckDB lists the distinct raw inputs; JS normalizes,
 * hashes, embeds (distinct normalized texts only, through the persistent embedding cache) and clusters them;
 * (input → content hash, cluster id) goes back into a temp table for the SQL replays.
 */

/** Rows per INSERT when the (input → content, cluster) map goes back to DuckDB. */
const WRITE_PAGE = 20_000;

export interface ClusterSummary {
  /** Distinct raw inputs, distinct normalized inputs, and of those: embedded now / read from the cache. */
  rawInputs: number;
  contents: number;
  embedded: number;
  cached: number;
  clusters: number;
}

/**
 * Fills rc_cache_texts / rc_cache_map: every distinct raw input with its content hash and cluster id. Exact
 * normalized duplicates collapse before embedding; only distinct normalized texts are embedded and clustered.
 */
export async function clusterInputs(
  db: Database,
  params: ClusterScope,
  embed: { embedder: Embedder; threshold: number; progress?: ProgressLine },
): Promise<ClusterSummary> {
  await db.run(TEXTS_SQL, paramsUsedBy(TEXTS_SQL, params));
  const texts = await db.all<{ id: number; input: string }>('SELECT id, input FROM rc_cache_texts ORDER BY id');
  const contentOf = new Array<string>(texts.length);
  const position = new Map<string, number>();
  const normalized: string[] = [];
  const hashes: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    const text = normalizeText(texts[i]!.input);
    const hash = sha256Hex(text);
    contentOf[i] = hash;
    if (!position.has(hash)) {
      position.set(hash, normalized.length);
      normalized.push(text);
      hashes.push(hash);
    }
  }
  const progress = embed.progress;
  const embedded = await embedCachedDetailed(db, embed.embedder, normalized, progress ? { progress: progress.update } : {});
  progress?.done();
  const clustering = clusterVectors(hashes, embedded.rows, { threshold: embed.threshold });
  await db.run(MAP_CREATE_SQL);
  for (let start = 0; start < texts.length; start += WRITE_PAGE) {
    const page = texts.slice(start, start + WRITE_PAGE);
    await db.run(MAP_INSERT_SQL, {
      ids: listValue(page.map((t) => t.id)),
      contents: listValue(page.map((_, k) => contentOf[start + k]!)),
      clusters: listValue(page.map((_, k) => clustering.clusterOf[position.get(contentOf[start + k]!)!]!)),
    });
  }
  return { rawInputs: texts.length, contents: normalized.length, embedded: embedded.embedded, cached: embedded.cached, clusters: clustering.clusters };
}

