import type { Database } from '../db/database.js';
import type { WatchFormat } from './sources.js';

/**
 * `routecheck prices watch`, the core: payload → snapshot (pure parsers, one per format), snapshot vs
 * previous snapshot → diff (pure), and the two tables that keep the history.
 *
 * A snapshot is the list of models a source offers, with the input/output price per million tokens
 * where the format has prices (genai-prices, OpenRouter) and null where the source lists none: the
 * OpenAI and Anthropic model lists, genai-prices models without an input_mtok/output_mtok key (billed
 * per image or request, or free), OpenRouter's -1 (a price that varies per request). Null is never
 * read as $0: a model whose price appears or disappears is a change.
 */

export interface SnapshotEntry {
  /** Unique within a snapshot. genai-prices: `provider/model-id`; OpenRouter: its id (`openai/gpt-4o`). */
  model: string;
  input_per_mtok: number | null;
  output_per_mtok: number | null;
  /** The payload's own JSON for this model, kept for later questions. */
  raw: string;
}

/** A payload that is JSON but not the shape its format promises. The message names the path. */
export class MalformedPayload extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPayload';
  }
}

/**
 * Pure: a fetched payload → its snapshot, sorted by model. `at` picks the genai-prices price in
 * force (dated prices). Throws MalformedPayload. An empty list is malformed too: storing it would
 * report every model as removed the next night.
 */
export function parsePayload(format: WatchFormat, payload: unknown, at: Date): SnapshotEntry[] {
  const entries =
    format === 'genai-prices' ? parseGenaiPrices(payload, at) : format === 'openrouter' ? parseOpenRouter(payload) : parseModelList(payload, format);
  if (entries.length === 0) throw new MalformedPayload('the payload lists no models');
  // Ids are unique in every format we read; should one repeat, the first wins, deterministically.
  const byModel = new Map<string, SnapshotEntry>();
  for (const e of entries) if (!byModel.has(e.model)) byModel.set(e.model, e);
  return [...byModel.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}

/**
 * genai-prices `data.json` (the package's bundled shape): an array of providers `{id, models: [{id,
 * prices}]}`, or (v3) an object whose `providers` is that array. `prices` is either one price set or
 * a list of `{constraint?, prices}` where later entries win once their `start_date` has come; a
 * price may be tiered (`{base, tiers}`): the snapshot keeps the base tier. Time-of-day entries
 * (off-peak discounts) are left out so that the snapshot does not depend on the hour of the run.
 */
export function parseGenaiPrices(payload: unknown, at: Date): SnapshotEntry[] {
  const providers = Array.isArray(payload)
    ? payload
    : isObject(payload) && Array.isArray(payload['providers'])
      ? (payload['providers'] as unknown[])
      : fail('expected an array of providers (or {"providers": [...]})');
  const entries: SnapshotEntry[] = [];
  providers.forEach((p, i) => {
    if (!isObject(p)) fail(`[${i}] is not a provider object`);
    const providerId = requireString(p['id'], `[${i}].id`);
    if (!Array.isArray(p['models'])) fail(`[${i}] (${providerId}).models is not an array`);
    (p['models'] as unknown[]).forEach((m, j) => {
      const where = `[${i}].models[${j}]`;
      if (!isObject(m)) fail(`${where} is not a model object`);
      const id = requireString(m['id'], `${where}.id`);
      const prices = pricesInForce(m['prices'], at, `${where}.prices`);
      entries.push({
        model: `${providerId}/${id}`,
        input_per_mtok: basePrice(prices['input_mtok'], `${where}.prices.input_mtok`),
        output_per_mtok: basePrice(prices['output_mtok'], `${where}.prices.output_mtok`),
        raw: JSON.stringify(m),
      });
    });
  });
  return entries;
}

function pricesInForce(value: unknown, at: Date, where: string): Record<string, unknown> {
  if (isObject(value)) return value;
  if (!Array.isArray(value) || value.length === 0) fail(`${where} is neither a price set nor a list of dated prices`);
  const list = value as unknown[];
  for (let k = list.length - 1; k >= 0; k--) {
    const item = list[k];
    if (!isObject(item) || !isObject(item['prices'])) fail(`${where}[${k}].prices is not a price set`);
    const c = item['constraint'];
    if (c === undefined || c === null) return item['prices'] as Record<string, unknown>;
    if (!isObject(c)) fail(`${where}[${k}].constraint is not an object`);
    if (typeof c['start_date'] === 'string') {
      const start = Date.parse(c['start_date']);
      if (Number.isNaN(start)) fail(`${where}[${k}].constraint.start_date "${c['start_date']}" is not a date`);
      if (at.getTime() >= start) return item['prices'] as Record<string, unknown>;
    }
    // time-of-day (start_time/end_time) and unknown constraints: not the default price.
  }
  const first = list[0] as Record<string, unknown>;
  return first['prices'] as Record<string, unknown>;
}

function basePrice(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (isObject(value) && typeof value['base'] === 'number' && Number.isFinite(value['base']) && value['base'] >= 0) return value['base'];
  return fail(`${where} is not a price (a number ≥ 0 or {"base", "tiers"})`);
}

/**
 * OpenRouter `GET /api/v1/models`: `{data: [{id, pricing: {prompt, completion, …}}]}` with prices
 * as decimal strings in USD per token. `-1` marks a price that varies per request (auto-routers,
 * `~…-latest` aliases): kept as unknown (null).
 */
export function parseOpenRouter(payload: unknown): SnapshotEntry[] {
  if (!isObject(payload) || !Array.isArray(payload['data'])) fail('expected {"data": [models]}');
  return (payload['data'] as unknown[]).map((m, i) => {
    const where = `data[${i}]`;
    if (!isObject(m)) fail(`${where} is not a model object`);
    const id = requireString(m['id'], `${where}.id`);
    const pricing = m['pricing'];
    if (!isObject(pricing)) fail(`${where}.pricing is not an object`);
    return {
      model: id,
      input_per_mtok: perTokenToPerMtok(pricing['prompt'], `${where}.pricing.prompt`),
      output_per_mtok: perTokenToPerMtok(pricing['completion'], `${where}.pricing.completion`),
      raw: JSON.stringify(m),
    };
  });
}

/** "0.0000008" per token → 0.8 per million, without the float noise of ×1e6 (0.7999999999999999). */
export function perTokenToPerMtok(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return fail(`${where} is not a number (${JSON.stringify(value)})`);
  if (n < 0) return null;
  return Number((n * 1e6).toPrecision(12));
}

/**
 * OpenAI and Anthropic `GET /v1/models`: `{data: [{id, …}]}` (OpenAI adds `object: "list"`,
 * Anthropic `has_more`/`first_id`/`last_id`; pages are joined before this). Models without prices.
 */
export function parseModelList(payload: unknown, format: WatchFormat): SnapshotEntry[] {
  if (!isObject(payload) || !Array.isArray(payload['data'])) fail(`expected {"data": [models]} (${format} /v1/models)`);
  return (payload['data'] as unknown[]).map((m, i) => {
    if (!isObject(m)) fail(`data[${i}] is not a model object`);
    return { model: requireString(m['id'], `data[${i}].id`), input_per_mtok: null, output_per_mtok: null, raw: JSON.stringify(m) };
  });
}

export interface PriceMove {
  before: number | null;
  after: number | null;
  /** after / before − 1, as a fraction (0.18 for +18%); null when either side is unknown or before is 0. */
  change: number | null;
}

export interface PriceChange {
  model: string;
  input_per_mtok: PriceMove;
  output_per_mtok: PriceMove;
}

export interface ListedModel {
  model: string;
  input_per_mtok: number | null;
  output_per_mtok: number | null;
}

export interface SnapshotDiff {
  added: ListedModel[];
  removed: ListedModel[];
  price_changes: PriceChange[];
}

/** Pure: what changed from `previous` to `current` (both keyed by model). Sorted by model. */
export function diffSnapshots(previous: readonly ListedModel[], current: readonly ListedModel[]): SnapshotDiff {
  const before = new Map(previous.map((e) => [e.model, e]));
  const after = new Map(current.map((e) => [e.model, e]));
  const listed = (e: ListedModel): ListedModel => ({ model: e.model, input_per_mtok: e.input_per_mtok, output_per_mtok: e.output_per_mtok });
  const diff: SnapshotDiff = {
    added: current.filter((e) => !before.has(e.model)).map(listed),
    removed: previous.filter((e) => !after.has(e.model)).map(listed),
    price_changes: [],
  };
  for (const e of current) {
    const old = before.get(e.model);
    if (!old) continue;
    if (samePrice(old.input_per_mtok, e.input_per_mtok) && samePrice(old.output_per_mtok, e.output_per_mtok)) continue;
    diff.price_changes.push({
      model: e.model,
      input_per_mtok: move(old.input_per_mtok, e.input_per_mtok),
      output_per_mtok: move(old.output_per_mtok, e.output_per_mtok),
    });
  }
  const byModel = (a: { model: string }, b: { model: string }) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
  diff.added.sort(byModel);
  diff.removed.sort(byModel);
  diff.price_changes.sort(byModel);
  return diff;
}

export function diffIsEmpty(diff: SnapshotDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.price_changes.length === 0;
}

/** Equal prices, allowing for the last bits of a float (prices are stored as DOUBLE). */
function samePrice(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function move(before: number | null, after: number | null): PriceMove {
  const change = before !== null && after !== null && before > 0 ? Number((after / before - 1).toPrecision(12)) : null;
  return { before, after, change };
}

/** What one run found for one source: the JSON the command prints (and the renderers read). */
export interface SourceResult {
  name: string;
  format: WatchFormat;
  url: string;
  /** baseline: first snapshot (or the format changed); error: nothing fetched, previous snapshot kept. */
  status: 'baseline' | 'unchanged' | 'changed' | 'error';
  /** Models in the fetched list; null on error. */
  models: number | null;
  /** When the snapshot this run is compared with was fetched; null for a baseline or an error. */
  previous_fetched_at: string | null;
  added: ListedModel[];
  removed: ListedModel[];
  price_changes: PriceChange[];
  note?: string;
  error?: string;
}

export interface WatchResult {
  fetched_at: string;
  /** Whether any source's models or prices changed since its previous snapshot. */
  changed: boolean;
  /** Whether this run's snapshots were stored (not when a webhook could not be delivered). */
  stored: boolean;
  sources: SourceResult[];
}

/** Pure: one source's result from its fetched snapshot and its previous run (if any). */
export function sourceResult(
  source: { name: string; format: WatchFormat; url: string },
  current: readonly ListedModel[],
  previous: { run: StoredRun; entries: readonly ListedModel[] } | undefined,
): SourceResult {
  const base = { name: source.name, format: source.format, url: source.url, models: current.length, added: [], removed: [], price_changes: [] };
  if (!previous) return { ...base, status: 'baseline', previous_fetched_at: null };
  if (previous.run.format !== source.format) {
    return { ...base, status: 'baseline', previous_fetched_at: null, note: `format changed from ${previous.run.format}: new baseline` };
  }
  const diff = diffSnapshots(previous.entries, current);
  return { ...base, ...diff, status: diffIsEmpty(diff) ? 'unchanged' : 'changed', previous_fetched_at: previous.run.fetched_at };
}

// ---------------------------------------------------------------------------------------------
// Storage. One row per run in price_snapshot_runs; the model rows of a run in price_snapshots.
// A run whose list and prices equal the previous one stores no rows of its own: its `rows_run_id`
// points at the run that holds them, so a nightly job does not copy the same catalog every night.

export async function createWatchTables(db: Database): Promise<void> {
  await db.run(`
CREATE TABLE IF NOT EXISTS price_snapshot_runs (
  run_id BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  url VARCHAR NOT NULL,
  fetched_at TIMESTAMPTZ NOT NULL,
  models BIGINT NOT NULL,
  rows_run_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS price_snapshots (
  run_id BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  fetched_at TIMESTAMPTZ NOT NULL,
  model VARCHAR NOT NULL,
  input_per_mtok DOUBLE,
  output_per_mtok DOUBLE,
  raw VARCHAR
);
`);
}

export interface StoredRun {
  run_id: number;
  format: WatchFormat;
  url: string;
  fetched_at: string;
  models: number;
  rows_run_id: number;
}

/** The latest snapshot run of a source, or undefined before its first run. */
export async function latestRun(db: Database, source: string): Promise<StoredRun | undefined> {
  const row = await db.one(
    `SELECT run_id, format, url, strftime(fetched_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS fetched_at, models, rows_run_id
     FROM price_snapshot_runs WHERE source = $source ORDER BY run_id DESC LIMIT 1`,
    { source },
  );
  if (!row) return undefined;
  return {
    run_id: Number(row['run_id']),
    format: row['format'] as WatchFormat,
    url: String(row['url']),
    fetched_at: String(row['fetched_at']),
    models: Number(row['models']),
    rows_run_id: Number(row['rows_run_id']),
  };
}

/** The models of a stored run (raw left out). */
export async function loadSnapshot(db: Database, run: StoredRun): Promise<ListedModel[]> {
  const rows = await db.all(
    `SELECT model, input_per_mtok, output_per_mtok FROM price_snapshots WHERE run_id = $run ORDER BY model`,
    { run: run.rows_run_id },
  );
  return rows.map((r) => ({
    model: String(r['model']),
    input_per_mtok: r['input_per_mtok'] === null ? null : Number(r['input_per_mtok']),
    output_per_mtok: r['output_per_mtok'] === null ? null : Number(r['output_per_mtok']),
  }));
}

export interface SnapshotToStore {
  source: string;
  format: WatchFormat;
  url: string;
  fetchedAt: Date;
  entries: SnapshotEntry[];
  /** The run whose rows equal `entries` (nothing changed): store the run only, pointing at it. */
  sameAsRunId?: number;
}

/**
 * Stores the snapshots of one watch run in a single transaction: either every source's snapshot is
 * there afterwards or none is. The rows go in as one JSON parameter that DuckDB unnests.
 */
export async function storeSnapshots(db: Database, snapshots: SnapshotToStore[]): Promise<void> {
  if (snapshots.length === 0) return;
  await db.run('BEGIN TRANSACTION');
  try {
    let next = Number((await db.scalar('SELECT coalesce(max(run_id), 0) FROM price_snapshot_runs')) ?? 0) + 1;
    for (const s of snapshots) {
      const runId = next++;
      const at = s.fetchedAt.toISOString();
      const rowsRunId = s.sameAsRunId ?? runId;
      await db.run(
        `INSERT INTO price_snapshot_runs VALUES ($run, $source, $format, $url, CAST($at AS TIMESTAMPTZ), $models, $rows)`,
        { run: runId, source: s.source, format: s.format, url: s.url, at, models: s.entries.length, rows: rowsRunId },
      );
      if (s.sameAsRunId !== undefined) continue;
      await db.run(
        `INSERT INTO price_snapshots
         SELECT $run, $source, CAST($at AS TIMESTAMPTZ), e.model, e.input_per_mtok, e.output_per_mtok, e.raw
         FROM (SELECT unnest(from_json($rows, '[{"model":"VARCHAR","input_per_mtok":"DOUBLE","output_per_mtok":"DOUBLE","raw":"VARCHAR"}]')) AS e)`,
        { run: runId, source: s.source, at, rows: JSON.stringify(s.entries) },
      );
    }
    await db.run('COMMIT');
  } catch (error) {
    await db.run('ROLLBACK');
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') fail(`${where} is not a non-empty string`);
  return value as string;
}

function fail(message: string): never {
  throw new MalformedPayload(message);
}
