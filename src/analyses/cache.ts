import type { Database, Row } from '../db/database.js';
import type { ClusterSummary } from '../embed/pipeline.js';
import type { Embedder } from '../embed/types.js';
import { laps, type StageTiming } from '../embed/progress.js';
import { DEFAULT_TTL_SECONDS, inferTtl, type CacheSettings } from './cache-settings.js';
import { IN_WINDOW, num, numOrNull, paramsUsedBy, runAnalysis, type Analysis } from './runner.js';
import { dayLabel, weekOf } from './weeks.js';
import { plural } from '../words.js';

/**
 * Cache dilution (failure mode #3 of the write-up): the gateway's response-cache key included the model, so
 * classifier jitter stored the same question once per model and the hit rate halved.
 *
 * - entries: distinct `cache_key` values among the window's keyed requests (the entries in use);
 * - semantic clusters: groups of those requests' inputs whose embeddings have cosine ≥ the threshold
 *   (embed/cluster.ts); dilution_factor = entries / semantic clusters (1.0 ideal, above 1.2 a warning);
 *   exact_dilution_factor = entries / distinct normalized inputs (embed/normalize.ts);
 * - key_includes_model: of the clusters in which one normalized input was served by two or more models, the
 *   share that holds a separate single-model entry per model; true above one half;
 * - hit rates: logged; and simulated, replaying the requests in time order through a cache keyed on the
 *   content (SHA-256 of the normalized input, the write-up's fix) and on the cluster id, with the same TTL.
 *   The logged key is replayed too: when it reproduces the logged hit rate, the TTL and replay are right;
 * - lost_savings_usd: cost (logged, else list price) of the requests that were paid for (logged miss) but a content-only key would
 *   have served from the cache.
 *
 * Cache semantics of the replay: a miss writes the entry, which expires TTL later; hits do not extend it
 * (Redis SET … EX on a miss). The requests of one TTL before the window warm the replayed caches up (they are
 * not counted); with no earlier requests, the replay starts cold.
 *
 * Data flow: DuckDB lists the distinct raw inputs; JS normalizes, hashes, embeds (distinct normalized texts
 * only, through the persistent embedding cache) and clusters those the store has not seen (embed/pipeline.ts);
 * (input → content, cluster, as numbers) goes back into a temp table; the requests are read once with those
 * numbers (rc_cache_req); the replays are one pass in time order streamed through JS (replayCaches), and
 * everything else is SQL.
 */
export interface CopiesBucket {
  /** '1', '2', '3', '4', '5-9', '10+': distinct cache keys per cluster. */
  copies: string;
  clusters: number;
}

export interface TopCluster {
  /** The cluster's most frequent raw input. */
  sample: string;
  /** Distinct cache keys (entries) holding this content. */
  copies: number;
  requests: number;
  /** Distinct normalized inputs in the cluster (> 1: paraphrases or variants). */
  inputs: number;
  models: string[];
  /** Up to 10 of its cache keys, sorted. */
  keys: string[];
  /** Cost of its requests a content-only key would have served; null when none was priced. */
  lost_savings_usd: number | null;
}

export type TtlSource = 'flag' | 'config' | 'inferred' | 'default';

/** One report week of the trend: its keyed requests with an input, and their dilution. */
export interface CacheWeek {
  week: string;
  /** Whether the week overlaps the report window (set by the section). */
  in_window: boolean;
  requests: number;
  entries: number | null;
  distinct_inputs: number;
  semantic_clusters: number;
  dilution_factor: number | null;
  hit_rate: number | null;
}

export interface CacheSimulation {
  ttl_seconds: number;
  /** --cache-ttl, the config's cache.ttl_hours, inferred from the log, or the 24 h default. */
  ttl_source: TtlSource;
  /** Hit rate of the logged key replayed with this TTL (a check of the TTL: compare with hit_rate). */
  logged_key_hit_rate: number | null;
  content_key_hit_rate: number;
  semantic_key_hit_rate: number;
}

export interface CacheResult {
  available: true;
  /** The embedder's id (model and version) that produced the clusters. */
  embedder: string;
  /** Why this embedder (auto's choice, or chosen). */
  embedder_note: string;
  /** Cosine similarity at or above which two inputs are one cluster. */
  threshold: number;
  /** Requests analysed: with a cache_key (when the logs have one) and an input. */
  requests: number;
  entries: number | null;
  distinct_inputs: number;
  semantic_clusters: number;
  dilution_factor: number | null;
  exact_dilution_factor: number | null;
  /** dilution_factor above 1.2 (the write-up's warning level). */
  dilution_warning: boolean | null;
  copies_histogram: CopiesBucket[] | null;
  key_includes_model: boolean | null;
  key_includes_model_share: number | null;
  /** Clusters in which one input was served by 2+ models (the denominator of the share). */
  key_includes_model_clusters: number | null;
  /** Logged cache hits over requests with a logged cache_hit. */
  hit_rate: number | null;
  simulated: CacheSimulation;
  lost_savings_usd: number | null;
  /** Requests behind lost_savings_usd, and those of them whose cost is unknown (no logged cost, no price: not in the sum). */
  lost_savings_requests: number | null;
  lost_savings_unpriced: number | null;
  top_clusters: TopCluster[];
  /**
   * Dilution by report week over the trend weeks (the clusters are the window's and the trend's inputs clustered
   * together, so a cluster keeps its id across weeks); with --all, every week of the data.
   */
  by_week: CacheWeek[];
  /** What these logs do not allow, and why. */
  not_computed: string[];
}

export type Cache = CacheResult | { available: false; reason: string };

/** Dilution above this is a warning (the write-up's health check). */
export const DILUTION_WARNING = 1.2;
const TOP_CLUSTERS = 10;
const KEYS_PER_CLUSTER = 10;

// ---------------------------------------------------------------------------------------------------------
// SQL

/** What the window's requests carry. */
export const PROBE_SQL = `
  SELECT count(*) AS total, count(input) AS with_input, count(cache_key) AS keyed,
    count(*) FILTER (WHERE cache_key IS NOT NULL AND input IS NOT NULL) AS keyed_with_input,
    count(cache_hit) FILTER (WHERE input IS NOT NULL) AS hit_logged
  FROM requests WHERE ${IN_WINDOW}`;

/** The requests analysed: with an input, and with a cache_key when the logs have keys ($keyed). */
const SCOPE = `${IN_WINDOW} AND input IS NOT NULL AND (NOT $keyed OR cache_key IS NOT NULL)`;
/**
 * The same, plus a warm-up of one TTL ($warm_us) before the window: those requests fill the replayed caches as
 * they filled the real one, but are not counted, so a window does not start with a cold cache.
 */
const WARM_SCOPE = `(CAST($from AS TIMESTAMPTZ) IS NULL OR ts >= CAST($from AS TIMESTAMPTZ) - to_microseconds(CAST($warm_us AS BIGINT)))
  AND (CAST($to AS TIMESTAMPTZ) IS NULL OR ts < CAST($to AS TIMESTAMPTZ))
  AND input IS NOT NULL AND (NOT $keyed OR cache_key IS NOT NULL)`;

/**
 * The trend weeks ($trend_from, $trend_to): the weekly dilution series counts their requests, so their inputs are
 * clustered with the window's (one clustering, the same cluster ids in every week).
 */
const TREND_SCOPE = `(CAST($trend_from AS TIMESTAMPTZ) IS NULL OR ts >= CAST($trend_from AS TIMESTAMPTZ))
  AND (CAST($trend_to AS TIMESTAMPTZ) IS NULL OR ts < CAST($trend_to AS TIMESTAMPTZ))
  AND input IS NOT NULL AND (NOT $keyed OR cache_key IS NOT NULL)`;

/**
 * Distinct raw inputs of the window (with its warm-up) and the trend weeks, numbered (in no particular order: the
 * numbers only name them within the run), with DuckDB's 64-bit hash of the text; embed/pipeline.ts gives each its
 * content and cluster (rc_cache_map).
 */
export const TEXTS_SQL = `
  CREATE OR REPLACE TEMP TABLE rc_cache_texts AS
  SELECT CAST(row_number() OVER () - 1 AS INTEGER) AS id, input, hash(input) AS h
  FROM (SELECT DISTINCT input FROM requests WHERE (${WARM_SCOPE}) OR (${TREND_SCOPE}))`;

/** Whether the hash tells the distinct inputs apart (then requests are matched to their input by it). */
export const HASH_EXACT_SQL = 'SELECT count(DISTINCT h) = count(*) AS exact FROM rc_cache_texts';

/**
 * The cache keys of the same requests, numbered from 1 (in no particular order): the replays and the counts work on
 * the number (a 4-byte integer), not on the logged string.
 */
export const KEYS_SQL = `
  CREATE OR REPLACE TEMP TABLE rc_cache_keys AS
  SELECT cache_key, CAST(row_number() OVER () AS INTEGER) AS key_no
  FROM (SELECT DISTINCT cache_key FROM requests WHERE ((${WARM_SCOPE}) OR (${TREND_SCOPE})) AND cache_key IS NOT NULL)`;

/**
 * One row per request of the window (with its warm-up) or the trend weeks, read once: the replays take the window's
 * (`warm`; `counted` marks the window itself), the weekly series the trend's. Inputs, contents, clusters and cache
 * keys are numbers (rc_cache_map, rc_cache_keys): the per-key work and distinct counts work on integers. A request
 * finds its input by the input's hash when no two distinct inputs share one (HASH_EXACT_SQL; the join then holds
 * no texts, which matters with prompts of kilobytes), else by the text.
 */
export function reqSql(byHash: boolean): string {
  return `
  CREATE OR REPLACE TEMP TABLE rc_cache_req AS
  SELECT r.record_key, epoch_us(r.ts) AS us, r.warm, CAST($from AS TIMESTAMPTZ) IS NULL OR r.ts >= CAST($from AS TIMESTAMPTZ) AS counted,
    r.trend, m.id AS input, m.content_no AS content, m.cluster_no AS cluster, k.key_no AS key, r.model, r.cache_hit
  FROM (
    SELECT record_key, ts, ${byHash ? 'hash(input) AS h' : 'input'}, cache_key, model, cache_hit, (${WARM_SCOPE}) AS warm, (${TREND_SCOPE}) AS trend
    FROM requests WHERE (${WARM_SCOPE}) OR (${TREND_SCOPE})) r
  JOIN rc_cache_texts t ON ${byHash ? 't.h = r.h' : 't.input = r.input'}
  JOIN rc_cache_map m ON m.id = t.id
  LEFT JOIN rc_cache_keys k ON k.cache_key = r.cache_key`;
}

/**
 * Dilution by report week over the trend weeks: entries, distinct contents and clusters among each week's requests.
 * Report weeks start at a UTC midnight (connections run in UTC), so every request of a UTC day is in that day's
 * week: weekOf() is applied to the few distinct days rather than to every request.
 */
export const WEEKS_SQL = `
  WITH days AS (
    SELECT day, ${weekOf('to_timestamp(day * 86400)')} AS week
    FROM (SELECT DISTINCT us // 86400000000 AS day FROM rc_cache_req WHERE trend))
  SELECT d.week, count(*) AS requests, count(DISTINCT q.key) AS entries,
    count(DISTINCT q.content) AS contents, count(DISTINCT q.cluster) AS clusters,
    count(q.cache_hit) AS hit_logged, count(*) FILTER (WHERE q.cache_hit) AS hits
  FROM rc_cache_req q JOIN days d ON d.day = q.us // 86400000000
  WHERE q.trend
  GROUP BY ALL ORDER BY d.week`;

/**
 * The longest gap, in the window, between an entry's last write (a logged miss on its key) and a hit on it: a
 * lower bound of the gateway's TTL.
 */
export const TTL_GAP_SQL = `
  SELECT max(gap) AS max_gap_us, count(gap) AS hits FROM (
    SELECT cache_hit, epoch_us(ts) - max(CASE WHEN NOT cache_hit THEN epoch_us(ts) END) OVER (
      PARTITION BY cache_key ORDER BY ts, record_key ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS gap
    FROM requests WHERE ${SCOPE} AND cache_hit IS NOT NULL)
  WHERE cache_hit`;

/** The replayed caches, by what they key on: the logged cache key, the content (SHA-256 of the normalized input), the cluster. */
export const REPLAY_KEYS = ['key', 'content', 'cluster'] as const;
export type ReplayKey = (typeof REPLAY_KEYS)[number];

/** Requests per row of rc_cache_miss: one bit string per replayed cache. */
export const MISS_PAGE = 65_536;

/**
 * Replays the window's requests (rc_cache_req, `warm`: the warm-up included) in time order (ts, then record_key)
 * through three caches with TTL `ttlUs`, keyed on the numbers of REPLAY_KEYS, into rc_cache_miss(page, key, content,
 * cluster): bit `rowid % MISS_PAGE` of page `rowid / MISS_PAGE` is 1 when the request (of rc_cache_req's rowid)
 * misses that cache.
 *
 * A miss writes the entry, which expires TTL later; hits do not extend it (Redis SET … EX on a miss); a request
 * without the key (no logged cache_key) neither hits nor writes. The requests stream through one pass, a chunk at a
 * time; the state is one expiry per key number and one bit per request and cache. (A replay is sequential per key:
 * in SQL it was a recursive walk as deep as the most TTLs in one burst of a key's requests, each level a join.)
 */
export async function replayCaches(db: Database, ttlUs: bigint): Promise<void> {
  const sizes = await db.one<Record<ReplayKey | 'rows', number | null>>(
    `SELECT ${REPLAY_KEYS.map((k) => `max(${k}) AS ${k}`).join(', ')}, max(rowid) + 1 AS rows FROM rc_cache_req`,
  );
  const ttl = Number(ttlUs);
  const rows = Number(sizes?.rows ?? 0);
  const expiry = REPLAY_KEYS.map((k) => new Float64Array(Number(sizes?.[k] ?? 0) + 1).fill(-Infinity));
  const missed = REPLAY_KEYS.map(() => new Uint8Array(Math.ceil(rows / 8)));
  const requests = db.stream(
    `SELECT rowid, CAST(us AS DOUBLE) AS us, ${REPLAY_KEYS.join(', ')} FROM rc_cache_req WHERE warm ORDER BY us, record_key`,
  );
  for await (const [rowid, us, ...keys] of requests) {
    for (let r = 0; r < rowid!.length; r++) {
      const row = Number(rowid![r]);
      const time = us![r] as number;
      for (let c = 0; c < keys.length; c++) {
        const k = keys[c]![r] as number | null;
        if (k === null) continue;
        const e = expiry[c]!;
        if (e[k]! > time) continue; // a hit
        e[k] = time + ttl;
        missed[c]![row >>> 3]! |= 1 << (row & 7);
      }
    }
  }
  await db.run('CREATE OR REPLACE TEMP TABLE rc_cache_miss (page INTEGER, key BIT, content BIT, cluster BIT)');
  const text = new Uint8Array(MISS_PAGE);
  for (let page = 0; page * MISS_PAGE < rows; page++) {
    const length = Math.min(MISS_PAGE, rows - page * MISS_PAGE);
    const bits = missed.map((m) => {
      for (let i = 0; i < length; i++) {
        const row = page * MISS_PAGE + i;
        text[i] = (m[row >>> 3]! >>> (row & 7)) & 1 ? 49 : 48; // '1': a miss, '0'
      }
      return Buffer.from(text.subarray(0, length)).toString('latin1');
    });
    await db.run('INSERT INTO rc_cache_miss VALUES ($page, CAST($key AS BIT), CAST($content AS BIT), CAST($cluster AS BIT))', {
      page, key: bits[0]!, content: bits[1]!, cluster: bits[2]!,
    });
  }
}

/** Each analysed request (the window's) with its three simulated outcomes. */
export const SIM_SQL = `
  CREATE OR REPLACE TEMP TABLE rc_cache_sim AS
  SELECT *,
    -- Paid for (a logged miss; else a miss of the replayed logged key) yet servable by a content-only key;
    -- NULL when neither cache_hit nor cache_key tells what was paid for.
    CASE WHEN coalesce(cache_hit, replay_hit) IS NOT NULL THEN content_hit AND NOT coalesce(cache_hit, replay_hit) END AS lost
  FROM (
    SELECT q.record_key, q.input, q.content, q.cluster, q.key, q.model, q.cache_hit,
      CASE WHEN q.key IS NOT NULL THEN get_bit(f.key, CAST(q.rowid % ${MISS_PAGE} AS INTEGER)) = 0 END AS replay_hit,
      get_bit(f.content, CAST(q.rowid % ${MISS_PAGE} AS INTEGER)) = 0 AS content_hit,
      get_bit(f.cluster, CAST(q.rowid % ${MISS_PAGE} AS INTEGER)) = 0 AS semantic_hit
    FROM rc_cache_req q JOIN rc_cache_miss f ON f.page = q.rowid // ${MISS_PAGE}
    WHERE q.warm AND q.counted)`;

/**
 * The lost requests with their cost (the one price chain's, prices/costs.ts: logged, else list price × tokens): only
 * these need a price, so the price chain is joined to them alone.
 */
export const LOST_SQL = `
  CREATE OR REPLACE TEMP TABLE rc_cache_lost AS
  SELECT s.record_key, s.cluster, c.cost FROM rc_cache_sim s LEFT JOIN rc_costed c ON c.record_key = s.record_key WHERE s.lost`;

export const DROP_SQL = [
  'rc_cache_texts', 'rc_cache_content', 'rc_cache_map', 'rc_cache_keys', 'rc_cache_req', 'rc_cache_miss', 'rc_cache_sim',
  'rc_cache_lost',
].map((t) => `DROP TABLE IF EXISTS ${t}`);

/** The queries over rc_cache_sim (and rc_cache_lost, rc_cache_req) that the pure mapper reads. */
export const CACHE_QUERIES = {
  totals: `
    SELECT count(*) AS requests, count(DISTINCT key) AS entries, count(DISTINCT content) AS contents,
      count(DISTINCT cluster) AS clusters, count(cache_hit) AS hit_logged, count(*) FILTER (WHERE cache_hit) AS hits,
      count(replay_hit) AS replayed, count(*) FILTER (WHERE replay_hit) AS replay_hits,
      count(*) FILTER (WHERE content_hit) AS content_hits, count(*) FILTER (WHERE semantic_hit) AS semantic_hits,
      count(lost) AS lost_basis, count(*) FILTER (WHERE lost) AS lost_requests,
      (SELECT sum(cost) FROM rc_cache_lost) AS lost_usd, (SELECT count(*) FILTER (WHERE cost IS NULL) FROM rc_cache_lost) AS lost_unpriced
    FROM rc_cache_sim`,
  histogram: `
    SELECT copies, count(*) AS clusters FROM (
      SELECT cluster, count(DISTINCT key) AS copies FROM rc_cache_sim WHERE key IS NOT NULL GROUP BY cluster)
    GROUP BY copies ORDER BY copies`,
  // A cluster is testable when one of its normalized inputs was served by 2+ models; it is split by model
  // when that input has single-model entries for 2+ different models (a content-only key would hold one
  // entry seen with several models).
  models: `
    WITH key_models AS (
      SELECT key, count(DISTINCT model) AS models FROM rc_cache_sim
      WHERE key IS NOT NULL AND model IS NOT NULL GROUP BY key),
    per_input AS (
      SELECT s.cluster, s.content, count(DISTINCT s.model) AS models,
        count(DISTINCT s.model) FILTER (WHERE km.models = 1) AS split_models
      FROM rc_cache_sim s JOIN key_models km ON km.key = s.key
      WHERE s.model IS NOT NULL GROUP BY s.cluster, s.content)
    SELECT count(DISTINCT cluster) FILTER (WHERE models >= 2) AS testable,
      count(DISTINCT cluster) FILTER (WHERE models >= 2 AND split_models >= 2) AS split
    FROM per_input`,
  // Most lost savings first (they come from exact repeats, so a loose threshold cannot inflate them), then copies;
  // cluster numbers follow the cluster ids' order, so the last tie-break is the id. Only the chosen few get their
  // models, keys and sample (the most frequent raw input, the smallest of equals).
  top: `
    WITH agg AS (
      SELECT cluster, count(DISTINCT key) AS copies, count(*) AS requests, count(DISTINCT content) AS inputs
      FROM rc_cache_sim GROUP BY cluster),
    lost AS (SELECT cluster, sum(cost) AS lost_usd FROM rc_cache_lost GROUP BY cluster),
    top AS (
      SELECT a.*, l.lost_usd FROM agg a LEFT JOIN lost l ON l.cluster = a.cluster
      WHERE a.copies > 1 OR (a.copies = 0 AND a.inputs > 1)
      ORDER BY l.lost_usd DESC NULLS LAST, a.copies DESC, a.inputs DESC, a.requests DESC, a.cluster
      LIMIT ${TOP_CLUSTERS}),
    rows AS (SELECT s.* FROM rc_cache_sim s SEMI JOIN top ON top.cluster = s.cluster),
    per_input AS (SELECT cluster, input, count(*) AS n FROM rows GROUP BY cluster, input),
    samples AS (
      SELECT p.cluster, first(t.input ORDER BY p.n DESC, t.input) AS sample
      FROM per_input p JOIN rc_cache_texts t ON t.id = p.input GROUP BY p.cluster),
    lists AS (
      SELECT r.cluster, list(DISTINCT r.model ORDER BY r.model) FILTER (WHERE r.model IS NOT NULL) AS models,
        list(DISTINCT k.cache_key ORDER BY k.cache_key) FILTER (WHERE k.cache_key IS NOT NULL) AS keys
      FROM rows r LEFT JOIN rc_cache_keys k ON k.key_no = r.key GROUP BY r.cluster)
    SELECT top.*, lists.models, lists.keys, samples.sample FROM top JOIN lists USING (cluster) JOIN samples USING (cluster)
    ORDER BY top.lost_usd DESC NULLS LAST, top.copies DESC, top.inputs DESC, top.requests DESC, top.cluster`,
  weeks: WEEKS_SQL,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Pure mapper

export interface CacheMeta {
  embedder: string;
  embedderNote: string;
  threshold: number;
  ttl: { seconds: number; source: TtlSource };
  /** True when the window's requests carry cache keys (then only keyed requests are analysed). */
  keyed: boolean;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Pure: query rows (CACHE_QUERIES) and what the run chose → the section. */
export function toCache(rows: Record<string, Row[]>, meta: CacheMeta): CacheResult {
  const t = rows['totals']?.[0] ?? {};
  const requests = num(t['requests']);
  const entries = meta.keyed ? num(t['entries']) : null;
  const contents = num(t['contents']);
  const clusters = num(t['clusters']);
  const hitLogged = num(t['hit_logged']);
  const m = rows['models']?.[0] ?? {};
  const testable = num(m['testable']);
  const share = meta.keyed ? ratio(num(m['split']), testable) : null;
  const dilution = entries !== null ? ratio(entries, clusters) : null;
  const lostBasis = num(t['lost_basis']);
  const lostRequests = num(t['lost_requests']);
  const lostUnpriced = num(t['lost_unpriced']);

  const notComputed: string[] = [];
  if (!meta.keyed) {
    notComputed.push(
      'entries, dilution_factor, exact_dilution_factor, copies_histogram, key_includes_model: the logs have no cache_key ' +
        "(the gateway's response-cache key); semantic clusters and simulated hit rates are computed from the inputs alone",
    );
  } else if (testable === 0) {
    notComputed.push('key_includes_model: no input was served by two or more models (or no model is logged)');
  }
  if (hitLogged === 0) notComputed.push('hit_rate: no cache_hit is logged');
  if (lostBasis === 0) notComputed.push('lost_savings_usd: neither cache_hit nor cache_key is logged, so what was paid for is unknown');

  return {
    available: true,
    embedder: meta.embedder,
    embedder_note: meta.embedderNote,
    threshold: meta.threshold,
    requests,
    entries,
    distinct_inputs: contents,
    semantic_clusters: clusters,
    dilution_factor: dilution,
    exact_dilution_factor: entries !== null ? ratio(entries, contents) : null,
    dilution_warning: dilution !== null ? dilution > DILUTION_WARNING : null,
    copies_histogram: meta.keyed ? toHistogram(rows['histogram'] ?? []) : null,
    key_includes_model: share !== null ? share > 0.5 : null,
    key_includes_model_share: share,
    key_includes_model_clusters: meta.keyed ? testable : null,
    hit_rate: hitLogged > 0 ? num(t['hits']) / hitLogged : null,
    simulated: {
      ttl_seconds: meta.ttl.seconds,
      ttl_source: meta.ttl.source,
      logged_key_hit_rate: ratio(num(t['replay_hits']), num(t['replayed'])),
      content_key_hit_rate: ratio(num(t['content_hits']), requests) ?? 0,
      semantic_key_hit_rate: ratio(num(t['semantic_hits']), requests) ?? 0,
    },
    // Unknown, never $0: null when there is no basis, or when every such request is unpriced.
    lost_savings_usd: lostBasis > 0 && (lostRequests === 0 || lostUnpriced < lostRequests) ? num(t['lost_usd']) : null,
    lost_savings_requests: lostBasis > 0 ? lostRequests : null,
    lost_savings_unpriced: lostBasis > 0 ? lostUnpriced : null,
    top_clusters: (rows['top'] ?? []).map((r) => ({
      sample: String(r['sample'] ?? ''),
      copies: num(r['copies']),
      requests: num(r['requests']),
      inputs: num(r['inputs']),
      models: listOf(r['models']),
      keys: listOf(r['keys']).slice(0, KEYS_PER_CLUSTER),
      lost_savings_usd: numOrNull(r['lost_usd']),
    })),
    by_week: (rows['weeks'] ?? []).map((r) => {
      const weekEntries = meta.keyed ? num(r['entries']) : null;
      const weekClusters = num(r['clusters']);
      return {
        week: dayLabel(r['week']),
        in_window: true,
        requests: num(r['requests']),
        entries: weekEntries,
        distinct_inputs: num(r['contents']),
        semantic_clusters: weekClusters,
        dilution_factor: weekEntries !== null ? ratio(weekEntries, weekClusters) : null,
        hit_rate: num(r['hit_logged']) > 0 ? num(r['hits']) / num(r['hit_logged']) : null,
      };
    }),
    not_computed: notComputed,
  };
}

const BUCKETS: { label: string; from: number; to: number }[] = [
  { label: '1', from: 1, to: 1 },
  { label: '2', from: 2, to: 2 },
  { label: '3', from: 3, to: 3 },
  { label: '4', from: 4, to: 4 },
  { label: '5-9', from: 5, to: 9 },
  { label: '10+', from: 10, to: Infinity },
];

function toHistogram(rows: Row[]): CopiesBucket[] {
  return BUCKETS.map((b) => ({
    copies: b.label,
    clusters: rows.filter((r) => num(r['copies']) >= b.from && num(r['copies']) <= b.to).reduce((s, r) => s + num(r['clusters']), 0),
  }));
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined).map(String) : [];
}

// ---------------------------------------------------------------------------------------------------------
// The run

/** The TTL to replay with: explicit, else inferred from the logged key's write→hit gaps, else 24 h. */
async function resolveTtl(
  db: Database,
  settings: CacheSettings,
  params: { from: string | null; to: string | null; keyed: boolean },
): Promise<{ seconds: number; source: TtlSource; observedGap: number | null }> {
  let observedGap: number | null = null;
  if (params.keyed) {
    const gap = await db.one(TTL_GAP_SQL, params);
    observedGap = gap && gap['max_gap_us'] !== null ? num(gap['max_gap_us']) / 1e6 : null;
  }
  if (settings.ttl) return { ...settings.ttl, observedGap };
  const inferred = inferTtl(observedGap);
  return inferred !== null ? { seconds: inferred, source: 'inferred', observedGap } : { seconds: DEFAULT_TTL_SECONDS, source: 'default', observedGap };
}

/** The inputs to cluster: the window's (with a warm-up of `warm_us` before it) and the trend weeks'. */
export type ClusterScope = {
  from: string | null;
  to: string | null;
  keyed: boolean;
  warm_us: bigint;
  trend_from: string | null;
  trend_to: string | null;
};

export interface CacheRun {
  settings: CacheSettings;
  /** Creates the embedder only when the window has inputs to embed (loading a model takes seconds). */
  embedder: () => Promise<{ embedder: Embedder; reason: string }>;
  /** Embeds and clusters the window's inputs (embed/pipeline.ts), filling rc_cache_map. */
  cluster: (
    db: Database,
    scope: ClusterScope,
    embed: { embedder: Embedder; threshold: number; timing?: StageTiming },
  ) => Promise<ClusterSummary>;
  log: (message: string) => void;
  /** The section's steps' wall times (cache.ttl, cache.replays, cache.queries; the clustering's too), when asked for. */
  timing?: StageTiming;
}

/**
 * Runs the cache analysis over the window `params`: probe, TTL, clusters, the three replays, then the mapper; the
 * weekly series covers `trend` (the window when not given), in report weeks shifted by `weekShift` days.
 */
export async function runCache(
  db: Database,
  params: { from: string | null; to: string | null },
  run: CacheRun,
  trend: { from: string | null; to: string | null; weekShift: number } = { ...params, weekShift: 0 },
): Promise<Cache> {
  const { settings } = run;
  const ctx = { db, params };
  const probe = (await ctx.db.one(PROBE_SQL, ctx.params)) ?? {};
  if (num(probe['total']) === 0) return { available: false, reason: 'no requests in the window' };
  if (num(probe['with_input']) === 0) {
    return { available: false, reason: 'no request has its input text logged: cache dilution compares inputs (map one with --map input=…)' };
  }
  const keyed = num(probe['keyed_with_input']) > 0;
  const { embedder, reason } = await run.embedder();
  const threshold = settings.similarity ?? embedder.defaultThreshold;
  try {
    const lap = laps(run.timing, 'cache');
    const ttl = await resolveTtl(ctx.db, settings, { ...ctx.params, keyed });
    const ttlUs = BigInt(Math.round(ttl.seconds * 1e6));
    const scope = { ...ctx.params, keyed, warm_us: ttlUs, trend_from: trend.from, trend_to: trend.to };
    lap('ttl');
    const summary = await run.cluster(ctx.db, scope, { embedder, threshold, ...(run.timing ? { timing: run.timing } : {}) });
    lap('clusters');
    const byHash = (await ctx.db.one<{ exact: boolean }>(HASH_EXACT_SQL))?.exact === true;
    for (const sql of [KEYS_SQL, reqSql(byHash)]) await ctx.db.run(sql, paramsUsedBy(sql, scope));
    lap('requests');
    await replayCaches(ctx.db, ttlUs);
    await ctx.db.run(SIM_SQL);
    await ctx.db.run(LOST_SQL);
    lap('replays');
    const analysis: Analysis<CacheResult> = {
      name: 'cache',
      queries: CACHE_QUERIES,
      toResult: (rows) => toCache(rows, { embedder: embedder.id, embedderNote: reason, threshold, ttl, keyed }),
    };
    const result = await runAnalysis(ctx.db, analysis, { trend_from: trend.from, trend_to: trend.to, keyed, week_shift: trend.weekShift });
    lap('queries');
    const en = (n: number): string => n.toLocaleString('en-US');
    run.log(
      `cache: ${plural(summary.contents, 'distinct input')} (${en(summary.added)} new to the cluster store: ` +
        `${en(summary.embedded)} embedded, ${en(summary.cached)} from the embedding cache) → ${plural(summary.clusters, 'cluster')} ` +
        `with ${embedder.id} at similarity ≥ ${threshold}` +
        (summary.verified > 0 ? `; ${plural(summary.verified, 'close pair')} checked by cosine (${en(summary.remade)} vectors made for them), ${en(summary.links)} linked` : ''),
    );
    return result;
  } finally {
    for (const sql of DROP_SQL) await ctx.db.run(sql);
  }
}

