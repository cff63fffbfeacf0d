import { clusterInputs, normalizeCacheSettings } from '../analyses/cache.js';
import { IN_WINDOW, num } from '../analyses/runner.js';
import { replaySection } from '../classify/section.js';
import type { Database } from '../db/database.js';
import { quoteIdent } from '../db/sql.js';
import { selectEmbedder } from '../embed/select.js';
import { preparePricing } from '../prices/costs.js';
import { normalizePricingSettings } from '../prices/settings.js';
import type { Report } from '../report/report.js';
import type { SectionContext } from '../report/section.js';
import { prepareRouting } from '../routing/prepare.js';

/**
 * The enriched per-request table (`routecheck export`): every request in the window with what the report's
 * sections worked out about it — its cost, its actual and ideal tier, whether it deviated and which way, whether
 * it was a retry, its content hash and semantic cluster. Built by the sections' own preparation steps (routing:
 * rc_routed; prices: rc_model_info and rc_price_periods; cache: rc_cache_texts and rc_cache_map), then joined
 * once in DuckDB into the temp table rc_export, numbered by `rn` in time order.
 *
 * The cost columns follow prices/costs.ts' rule (its view rc_costed has no request key to join on): a cache hit
 * costs 0, else the logged cost_usd, else list price × tokens with cached input at its own rate, else NULL.
 */
export type ColumnKind = 'text' | 'timestamp' | 'double' | 'bigint' | 'boolean';

export interface ExportColumn {
  name: string;
  kind: ColumnKind;
  sql: string;
  doc: string;
}

const COST_JOIN = `
  LEFT JOIN rc_model_info mi ON mi.model_key = coalesce(r.model, '') AND mi.provider_key = coalesce(r.provider, '')
  LEFT JOIN rc_price_periods p ON p.model_key = coalesce(r.model, '') AND p.provider_key = coalesce(r.provider, '')
    AND (p.valid_from IS NULL OR r.ts >= p.valid_from) AND (p.valid_to IS NULL OR r.ts < p.valid_to)
    AND (p.above_input IS NULL OR coalesce(r.input_tokens, 0) > p.above_input)
    AND (p.upto_input IS NULL OR coalesce(r.input_tokens, 0) <= p.upto_input)`;

const CACHED_IN = `least(coalesce(r.cached_tokens, 0), coalesce(r.input_tokens, 0))`;
const LIST_COST = `CASE WHEN p.input_per_mtok IS NOT NULL AND (r.input_tokens IS NOT NULL OR r.output_tokens IS NOT NULL) THEN
  ((coalesce(r.input_tokens, 0) - ${CACHED_IN}) * p.input_per_mtok + ${CACHED_IN} * coalesce(p.cached_input_per_mtok, p.input_per_mtok)
   + coalesce(r.output_tokens, 0) * p.output_per_mtok) / 1e6 END`;

export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'request_id', kind: 'text', sql: 'r.request_id', doc: 'id of the call, as logged' },
  { name: 'ts', kind: 'timestamp', sql: 'r.ts', doc: 'time of the request (UTC)' },
  { name: 'week', kind: 'text', sql: "strftime(date_trunc('week', r.ts), '%Y-%m-%d')", doc: 'first day (Monday) of its ISO week' },
  { name: 'session_id', kind: 'text', sql: 'r.session_id', doc: 'session' },
  { name: 'user_id', kind: 'text', sql: 'r.user_id', doc: 'end user' },
  { name: 'input', kind: 'text', sql: 'r.input', doc: 'the text the router saw' },
  { name: 'model', kind: 'text', sql: 'r.model', doc: 'served model' },
  { name: 'provider', kind: 'text', sql: 'r.provider', doc: 'provider, when logged' },
  { name: 'family', kind: 'text', sql: 'mi.family', doc: 'model family (prices/identity.ts)' },
  { name: 'version', kind: 'text', sql: 'mi.version', doc: 'dated or numbered version of the model' },
  { name: 'route', kind: 'text', sql: 'r.route', doc: "the router's label" },
  { name: 'score', kind: 'double', sql: 'r.score', doc: "the classifier's score" },
  { name: 'tier', kind: 'text', sql: 'ta.name', doc: 'tier the request was served on (config tiers, else inferred)' },
  { name: 'ideal', kind: 'text', sql: 'x.ideal_label', doc: 'ideal route label (record, --labels, or replay)' },
  { name: 'ideal_tier', kind: 'text', sql: 'ti.name', doc: 'tier the ideal route names' },
  { name: 'ideal_source', kind: 'text', sql: 'x.ideal_source', doc: 'record, labels or replay' },
  {
    name: 'deviation',
    kind: 'text',
    sql: `CASE WHEN x.actual_rank IS NULL OR x.ideal_rank IS NULL THEN NULL WHEN x.actual_rank > x.ideal_rank THEN 'over'
      WHEN x.actual_rank < x.ideal_rank THEN 'under' ELSE 'none' END`,
    doc: 'over (a dearer tier than ideal), under, none; empty without an ideal or a tier',
  },
  { name: 'is_retry', kind: 'boolean', sql: 'x.is_retry', doc: 'a retry on a dearer tier (retry_of, or a re-send in the session)' },
  { name: 'retry_of', kind: 'text', sql: 'r.retry_of', doc: 'request_id it retries, when logged' },
  { name: 'input_tokens', kind: 'bigint', sql: 'r.input_tokens', doc: 'prompt tokens' },
  { name: 'output_tokens', kind: 'bigint', sql: 'r.output_tokens', doc: 'completion tokens' },
  { name: 'cached_tokens', kind: 'bigint', sql: 'r.cached_tokens', doc: 'prompt tokens from the provider cache' },
  { name: 'cost_usd', kind: 'double', sql: 'r.cost_usd', doc: 'cost as logged' },
  { name: 'list_cost_usd', kind: 'double', sql: LIST_COST, doc: 'list price × tokens (price file, else catalog)' },
  {
    name: 'cost',
    kind: 'double',
    sql: `CASE WHEN coalesce(r.cache_hit, false) THEN 0.0 WHEN r.cost_usd IS NOT NULL THEN r.cost_usd ELSE ${LIST_COST} END`,
    doc: 'known cost: 0 for a cache hit, else logged, else list; empty when unpriced',
  },
  {
    name: 'cost_basis',
    kind: 'text',
    sql: `CASE WHEN coalesce(r.cache_hit, false) THEN 'cache_hit' WHEN r.cost_usd IS NOT NULL THEN 'logged' WHEN ${LIST_COST} IS NOT NULL THEN 'price' END`,
    doc: 'cache_hit, logged or price; empty when unpriced',
  },
  { name: 'cache_key', kind: 'text', sql: 'r.cache_key', doc: "the gateway's cache key" },
  { name: 'cache_hit', kind: 'boolean', sql: 'r.cache_hit', doc: 'served from the gateway cache' },
  { name: 'content_sha256', kind: 'text', sql: 'cm.content', doc: 'SHA-256 of the normalized input (a content-only cache key)' },
  { name: 'cluster', kind: 'text', sql: 'cm.cluster', doc: 'semantic cluster of the input (ids hold within one export)' },
  { name: 'status', kind: 'text', sql: 'r.status', doc: 'status as logged' },
  { name: 'latency_ms', kind: 'double', sql: 'r.latency_ms', doc: 'latency' },
  { name: 'source_file', kind: 'text', sql: 'r.source_file', doc: 'file the record came from' },
  { name: 'source_line', kind: 'bigint', sql: 'r.source_line', doc: 'its line (or position) in that file' },
];

export interface ExportPrep {
  rows: number;
  tiers: string[];
  embedder: string | null;
}

/**
 * Runs the sections' preparation for the window and builds rc_export. The classifier replay runs first when
 * --classifier is given, as in the report, so replayed ideal routes are exported too.
 */
export async function buildExportTable(ctx: SectionContext): Promise<ExportPrep> {
  const { db } = ctx;
  // The replay section reads nothing of the report; it only needs the context.
  if (ctx.options['classifier'] !== undefined) await replaySection.build(ctx, {} as Report);
  const routing = await prepareRouting(ctx);
  await preparePricing(db, ctx.params, normalizePricingSettings(ctx.config, ctx.options));

  let embedder: string | null = null;
  const withInput = num((await db.one(`SELECT count(*) AS n FROM requests WHERE ${IN_WINDOW} AND input IS NOT NULL`, ctx.params))?.['n']);
  if (withInput > 0) {
    const settings = normalizeCacheSettings(ctx.options, ctx.config);
    const selected = await selectEmbedder(ctx.options, ctx.config);
    embedder = selected.embedder.id;
    await clusterInputs(db, { ...ctx.params, keyed: false, warm_us: 0n }, {
      embedder: selected.embedder,
      threshold: settings.similarity ?? selected.embedder.defaultThreshold,
      quiet: ctx.options['quiet'] === true,
    });
  } else {
    await db.run(`CREATE OR REPLACE TEMP TABLE rc_cache_texts (id INTEGER, input VARCHAR); CREATE OR REPLACE TEMP TABLE rc_cache_map (id INTEGER, content VARCHAR, cluster VARCHAR)`);
  }

  const tiers = routing.policy.tiers.map((t) => t.name);
  await db.run(`CREATE OR REPLACE TEMP TABLE rc_export_tiers (rank INTEGER, name VARCHAR)`);
  for (const t of routing.policy.tiers) await db.run(`INSERT INTO rc_export_tiers VALUES ($rank, $name)`, { rank: t.rank, name: t.name });

  const columns = EXPORT_COLUMNS.map((c) => `${c.sql} AS ${quoteIdent(c.name)}`).join(',\n    ');
  await db.run(
    `CREATE OR REPLACE TEMP TABLE rc_export AS
     SELECT row_number() OVER (ORDER BY r.ts, r.source_file, r.source_line) AS rn,
       ${columns}
     FROM requests r
     LEFT JOIN rc_routed x ON x.record_key = r.record_key
     LEFT JOIN rc_export_tiers ta ON ta.rank = x.actual_rank
     LEFT JOIN rc_export_tiers ti ON ti.rank = x.ideal_rank
     LEFT JOIN rc_cache_texts ct ON ct.input = r.input
     LEFT JOIN rc_cache_map cm ON cm.id = ct.id
     ${COST_JOIN}
     WHERE ${IN_WINDOW.replace(/\bts\b/g, 'r.ts')}`,
    ctx.params,
  );
  const rows = num((await db.one('SELECT count(*) AS n FROM rc_export'))?.['n']);
  return { rows, tiers, embedder };
}

/** Drops what buildExportTable made (a persistent database keeps none of it). */
export async function dropExportTables(db: Database): Promise<void> {
  for (const t of ['rc_export', 'rc_export_tiers', 'rc_cache_texts', 'rc_cache_map']) await db.run(`DROP TABLE IF EXISTS ${t}`);
}
