import { listValue } from '@duckdb/node-api';
import type { Database } from '../db/database.js';
import { normalizeText, sha256Hex } from './normalize.js';
import type { ProgressFn } from './progress.js';
import type { Embedder } from './types.js';

/**
 * The persistent embedding cache: one row per (embedder id, SHA-256 of the normalized text), so a weekly re-run
 * on the same database embeds only the texts it has not seen. Rows are FLOAT[] (queryable in SQL, e.g.
 * list_cosine_similarity) and come back bit-for-bit as they went in.
 *
 * Invariants:
 * - inputs are normalized (normalize.ts) before anything else: texts that normalize alike are embedded once and
 *   share one row object in the result;
 * - the embedder is given normalized texts, and what it returns for a text is stored under that text's key;
 * - only keys that were looked up and missing are inserted, so no (embedder, key) pair is written twice.
 */
export const EMBEDDING_CACHE_TABLE = 'embedding_cache';

export interface EmbedCacheOptions {
  /**
   * Store and reuse rows in the database. Default: yes, except for the lexical embedder, which computes a row
   * (~10 µs) faster than DuckDB can write one (~0.3 ms for 384 floats) or read it back.
   */
  persist?: boolean;
  /** Texts per embed() call and per INSERT (default 1,024): bounds memory and gives progress steps. */
  batchSize?: number;
  /** Called after each batch with (texts embedded so far, texts to embed). */
  progress?: ProgressFn;
}

export interface EmbedCacheResult {
  /** One row per input text, in order; texts with the same normalized form share one Float32Array. */
  rows: Float32Array[];
  /** Distinct normalized texts. */
  unique: number;
  /** Of those, found in the database. */
  cached: number;
  /** Of those, embedded by this call. */
  embedded: number;
}

const DEFAULT_BATCH = 1024;
/** Keys per lookup query: bounds the rows (and JS arrays) held at once while reading back. */
const LOOKUP_PAGE = 2000;

export async function createEmbeddingCache(db: Database): Promise<void> {
  await db.run(`
CREATE TABLE IF NOT EXISTS ${EMBEDDING_CACHE_TABLE} (
  embedder VARCHAR NOT NULL,
  text_sha256 VARCHAR NOT NULL,
  embedding FLOAT[] NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
)`);
}

/** Rows for `texts`, aligned with them; see embedCachedDetailed for the counts. */
export async function embedCached(db: Database, embedder: Embedder, texts: readonly string[], options: EmbedCacheOptions = {}): Promise<Float32Array[]> {
  return (await embedCachedDetailed(db, embedder, texts, options)).rows;
}

export async function embedCachedDetailed(
  db: Database,
  embedder: Embedder,
  texts: readonly string[],
  options: EmbedCacheOptions = {},
): Promise<EmbedCacheResult> {
  const persist = options.persist ?? !embedder.id.startsWith('lexical');
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);

  // Collapse exact-normalized duplicates before anything is looked up or embedded.
  const uniqueIndex = new Map<string, number>();
  const uniqueTexts: string[] = [];
  const indexOf = new Int32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const normalized = normalizeText(texts[i]);
    let u = uniqueIndex.get(normalized);
    if (u === undefined) {
      u = uniqueTexts.length;
      uniqueIndex.set(normalized, u);
      uniqueTexts.push(normalized);
    }
    indexOf[i] = u;
  }
  uniqueIndex.clear();

  const uniqueRows = new Array<Float32Array | undefined>(uniqueTexts.length);
  const keys = persist ? uniqueTexts.map(sha256Hex) : [];
  let cached = 0;
  if (persist) {
    await createEmbeddingCache(db);
    cached = await readCached(db, embedder, keys, uniqueRows);
  }

  const missing: number[] = [];
  for (let u = 0; u < uniqueRows.length; u++) if (uniqueRows[u] === undefined) missing.push(u);
  options.progress?.(0, missing.length);
  for (let start = 0; start < missing.length; start += batchSize) {
    const batch = missing.slice(start, start + batchSize);
    const vectors = await embedder.embed(batch.map((u) => uniqueTexts[u]!));
    if (vectors.length !== batch.length) {
      throw new Error(`embedder ${embedder.id} returned ${vectors.length} rows for ${batch.length} texts`);
    }
    batch.forEach((u, k) => {
      const row = vectors[k]!;
      if (row.length !== embedder.dim) throw new Error(`embedder ${embedder.id} returned a row of ${row.length} values, expected ${embedder.dim}`);
      uniqueRows[u] = row;
    });
    if (persist) await writeRows(db, embedder, batch.map((u) => keys[u]!), vectors);
    options.progress?.(Math.min(start + batchSize, missing.length), missing.length);
  }

  const rows = new Array<Float32Array>(texts.length);
  for (let i = 0; i < texts.length; i++) rows[i] = uniqueRows[indexOf[i]!]!;
  return { rows, unique: uniqueTexts.length, cached, embedded: missing.length };
}

/** Fills `into[u]` for every key found; returns how many were found. */
async function readCached(db: Database, embedder: Embedder, keys: readonly string[], into: (Float32Array | undefined)[]): Promise<number> {
  const any = await db.scalar(`SELECT count(*) FROM ${EMBEDDING_CACHE_TABLE} WHERE embedder = $embedder`, { embedder: embedder.id });
  if (!any) return 0;
  const position = new Map<string, number>();
  let found = 0;
  for (let start = 0; start < keys.length; start += LOOKUP_PAGE) {
    const page = keys.slice(start, start + LOOKUP_PAGE);
    position.clear();
    page.forEach((key, k) => position.set(key, start + k));
    const rows = await db.all<{ text_sha256: string; embedding: number[] }>(
      `SELECT text_sha256, embedding FROM ${EMBEDDING_CACHE_TABLE}
       WHERE embedder = $embedder AND text_sha256 IN (SELECT unnest($keys))`,
      { embedder: embedder.id, keys: listValue(page) },
    );
    for (const row of rows) {
      const u = position.get(row.text_sha256);
      // A row of another length belongs to an embedder that reused an id; re-embedding is the safe answer.
      if (u === undefined || into[u] !== undefined || row.embedding.length !== embedder.dim) continue;
      into[u] = Float32Array.from(row.embedding);
      found++;
    }
  }
  return found;
}

/**
 * One INSERT per batch. Vectors travel as text ("0.125,-0.5,…") and DuckDB parses them: binding them as nested
 * list values costs one native call per float, about 5× slower. A float32 printed by JS parses back to the
 * same float32, so cached rows equal fresh ones exactly.
 */
async function writeRows(db: Database, embedder: Embedder, keys: readonly string[], vectors: readonly Float32Array[]): Promise<void> {
  const texts = vectors.map((v) => v.join(','));
  await db.run(
    `INSERT INTO ${EMBEDDING_CACHE_TABLE} (embedder, text_sha256, embedding)
     SELECT $embedder, k, list_transform(string_split(v, ','), x -> CAST(x AS FLOAT))
     FROM (SELECT unnest($keys) AS k, unnest($vectors) AS v)`,
    { embedder: embedder.id, keys: listValue([...keys]), vectors: listValue(texts) },
  );
}
