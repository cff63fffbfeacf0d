import { IN_WINDOW, num } from '../analyses/runner.js';
import { weekOf, weekShift } from '../analyses/weeks.js';
import type { Database } from '../db/database.js';
import { quoteIdent } from '../db/sql.js';
import { clusterInputs } from '../embed/pipeline.js';
import { createEmbedder } from '../embed/select.js';
import { COST_BASES, preparePricing } from '../prices/costs.js';
import { prepareRouting } from '../routing/prepare.js';
import type { RunEffects } from '../sections/section.js';
import type { RunSettings } from '../settings.js';

/**
 * The enriched per-request table (`routecheck export`): every request in the window with what the report's
 * sections worked out about it — its cost, its actual and ideal tier, whether it deviated and which way, whether
 * it was a retry, its content hash and semantic cluster. Built by the sections' own preparation steps (routing:
 * rc_routed; prices: rc_model_info and rc_price_periods; cache: rc_cache_texts and rc_cache_map), then joined
 * once in DuckDB into the temp table rc_export, numbered by `rn` in time order.
 *
 * The cost columns are read from prices/costs.ts' view rc_costed, joined on the request key: the one price chain
 * (a cache hit costs 0, else the logged cost_usd, else list price × tokens with each token kind at its own rate and
 * the service tier's multiplier, else NULL), so the export and the report can never disagree on a request's cost.
 * cost_basis says which link of the chain priced it (COST_BASES), and the token kinds, rates and price origin let
 * anyone redo the arithmetic: cost = (plain × input + cached × cached rate + cache writes × write rate + output ×
 * output rate) / 1e6 for a priced request.
 */
export type ColumnKind = 'text' | 'timestamp' | 'double' | 'bigint' | 'boolean';

export interface ExportColumn {
  name: string;
  kind: ColumnKind;
  sql: string;
  doc: string;
}

const COST_JOIN = `LEFT JOIN rc_costed c ON c.record_key = r.record_key`;

export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'request_id', kind: 'text', sql: 'r.request_id', doc: 'id of the call, as logged' },
  { name: 'ts', kind: 'timestamp', sql: 'r.ts', doc: 'time of the request (UTC)' },
  { name: 'week', kind: 'text', sql: `strftime(${weekOf('r.ts')}, '%Y-%m-%d')`, doc: 'first day of its report week (--week-start; Monday by default)' },
  { name: 'session_id', kind: 'text', sql: 'r.session_id', doc: 'session' },
  { name: 'user_id', kind: 'text', sql: 'r.user_id', doc: 'end user' },
  { name: 'input', kind: 'text', sql: 'r.input', doc: 'the text the router saw' },
  { name: 'model', kind: 'text', sql: 'r.model', doc: 'served model' },
  { name: 'provider', kind: 'text', sql: 'r.provider', doc: 'provider, when logged' },
  { name: 'requested_model', kind: 'text', sql: 'r.requested_model', doc: 'the model the client asked for, when logged' },
  { name: 'family', kind: 'text', sql: 'c.family', doc: 'model family (prices/identity.ts)' },
  { name: 'version', kind: 'text', sql: 'c.version', doc: 'dated or numbered version of the model' },
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
  { name: 'input_tokens', kind: 'bigint', sql: 'r.input_tokens', doc: 'prompt tokens, the whole prompt (cache reads and writes included)' },
  { name: 'output_tokens', kind: 'bigint', sql: 'r.output_tokens', doc: 'completion tokens' },
  { name: 'cached_tokens', kind: 'bigint', sql: 'r.cached_tokens', doc: 'prompt tokens read from the provider cache, as logged' },
  { name: 'cache_write_tokens', kind: 'bigint', sql: 'r.cache_write_tokens', doc: 'prompt tokens written to the provider cache, as logged' },
  { name: 'plain_input_tokens', kind: 'bigint', sql: 'c.plain_in', doc: 'input priced at the input rate: input − cache reads − cache writes (never below 0)' },
  { name: 'service_tier', kind: 'text', sql: 'c.service_tier', doc: 'default, batch, flex or priority (default when not logged)' },
  { name: 'cost_usd', kind: 'double', sql: 'r.cost_usd', doc: 'cost as logged' },
  { name: 'input_per_mtok', kind: 'double', sql: 'c.input_per_mtok', doc: 'USD per million plain input tokens in force (service tier applied); empty: no price' },
  { name: 'cached_per_mtok', kind: 'double', sql: 'c.cached_per_mtok', doc: 'USD per million cache-read tokens' },
  { name: 'cache_write_per_mtok', kind: 'double', sql: 'c.write_per_mtok', doc: 'USD per million cache-write tokens' },
  { name: 'output_per_mtok', kind: 'double', sql: 'c.output_per_mtok', doc: 'USD per million output tokens' },
  { name: 'tier_multiplier', kind: 'double', sql: 'c.tier_multiplier', doc: "the service tier's multiplier of the list rates (1 for default; batch 0.5 …)" },
  { name: 'price_origin', kind: 'text', sql: 'c.price_origin', doc: 'where the rates come from: a price-file row, or the genai-prices model' },
  { name: 'list_cost_usd', kind: 'double', sql: 'c.list_cost', doc: 'the rates above × tokens (price file, else catalog)' },
  {
    name: 'cost',
    kind: 'double',
    sql: 'c.cost',
    doc: 'known cost: 0 for a cache hit, else logged, else list; empty when unknown (unpriced, or no token counts)',
  },
  {
    name: 'cost_basis',
    kind: 'text',
    sql: 'c.cost_basis',
    doc: `which rule priced it: ${COST_BASES.join(', ')} (README: Prices and costs)`,
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
export interface ExportContext {
  db: Database;
  params: { from: string | null; to: string | null };
  settings: RunSettings;
  effects: RunEffects;
  /** Runs the classifier replay for the window (sections/replay.ts); it does nothing without --classifier. */
  replay: () => Promise<void>;
}

export async function buildExportTable(ctx: ExportContext): Promise<ExportPrep> {
  const { db, settings } = ctx;
  await ctx.replay();
  // Routing reads rc_costed: prices first.
  await preparePricing(db, ctx.params, settings.pricing);
  const routing = await prepareRouting(db, ctx.params, { routing: settings.routing, weekStart: settings.pricing.weekStart });

  let embedder: string | null = null;
  const withInput = num((await db.one(`SELECT count(*) AS n FROM requests WHERE ${IN_WINDOW} AND input IS NOT NULL`, ctx.params))?.['n']);
  if (withInput > 0) {
    const selected = await createEmbedder(settings.embedder);
    embedder = selected.embedder.id;
    await clusterInputs(db, { ...ctx.params, keyed: false, warm_us: 0n, trend_from: ctx.params.from, trend_to: ctx.params.to }, {
      embedder: selected.embedder,
      threshold: settings.cache.similarity ?? selected.embedder.defaultThreshold,
      progress: ctx.effects.progress(`export: embedding with ${selected.embedder.id}`),
      names: true,
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
    { ...ctx.params, week_shift: weekShift(settings.pricing.weekStart) },
  );
  const rows = num((await db.one('SELECT count(*) AS n FROM rc_export'))?.['n']);
  return { rows, tiers, embedder };
}

/** Drops what buildExportTable made (a persistent database keeps none of it). */
export async function dropExportTables(db: Database): Promise<void> {
  for (const t of ['rc_export', 'rc_export_tiers', 'rc_cache_texts', 'rc_cache_content', 'rc_cache_map']) await db.run(`DROP TABLE IF EXISTS ${t}`);
}
