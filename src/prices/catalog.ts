import { calcPrice, findProvider, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import { activate, BUNDLED, catalogFileExists, loadCatalogFile, type CatalogData, type CatalogInfo } from './catalog-data.js';
import { parseModel, type ModelIdentity } from './identity.js';
import { loadPriceRows, type PricingSettings } from './settings.js';
import { tierRules, type OtherTier, type TierRule } from './serviceTiers.js';
import { matches, specificity, type UserPriceRow } from './userPrices.js';

/**
 * The price catalog: the user price file first, then the @pydantic/genai-prices data (dated prices, offline: the
 * bundled snapshot, or the newer copy `routecheck prices update` downloaded; see catalog-data.ts). Answers "what did
 * this model cost per token, and since when" as a list of periods, so that DuckDB can join each request to the
 * price in force at its time.
 *
 * Matching a logged model to the catalog is the library's own (`calcPrice`: its provider rules, model `match`
 * patterns, date-suffix normalisation and each provider's `fallback_model_providers`), asked with the provider
 * that served the call (the log's provider column, else the gateway prefix or the id's form; identity.ts) and the
 * id as that provider names it. The provider decides: a Bedrock id is looked up among AWS's prices only, an
 * OpenRouter id among OpenRouter's, so where the catalog is silent for that provider the request stays unpriced
 * rather than priced as another provider's model. Two exceptions are the catalog's own design: a provider's
 * `fallback_model_providers` (Azure falls back to OpenAI, Anthropic, DeepSeek, xAI and Moonshot; Google's Vertex to
 * Anthropic), and a model logged with no provider at all, which the library assigns by its `model_match` rules
 * (`gpt-*` → OpenAI).
 *
 * Every constraint of the bundled data is kept, resolved as genai-prices' own calcPrice resolves it:
 * - dated prices (`start_date`) become periods;
 * - time-of-day prices (DeepSeek's peak and off-peak windows, in UTC) become periods that hold only within a daily
 *   window (`day_from_s`/`day_to_s`), so a request is priced by the time of day it was made;
 * - long-context tiers (a dearer rate above N input tokens) become separate periods keyed on input tokens,
 *   as genai-prices applies them (on the request's total input tokens, for every token kind).
 * Each token kind has its own rate: input, cache reads, cache writes, output (a kind the catalog does not price
 * separately is charged at the input rate, as genai-prices does). Per-request fees and tool-call prices are not
 * applied (stated in `note`).
 */
export interface PricePeriod {
  /** Inclusive; null = since always. */
  from: Date | null;
  /** Exclusive; null = until further notice. */
  to: Date | null;
  /** The period applies to requests with more input tokens than this (long-context tiers); null = any. */
  above_input_tokens: number | null;
  /** …and at most this many; null = any. */
  upto_input_tokens: number | null;
  input_per_mtok: number;
  output_per_mtok: number;
  /** Null: cached input tokens are charged at the input price. */
  cached_input_per_mtok: number | null;
  /** Null: prompt-cache writes are charged at the input price. */
  cache_write_per_mtok: number | null;
  /**
   * A daily window in UTC, seconds after midnight [from, to), within which this period holds (time-of-day prices);
   * null = all day. Windows never wrap midnight: a night window is two periods.
   */
  day_from_s: number | null;
  day_to_s: number | null;
  /**
   * Multipliers of every rate above for the other service tiers (serviceTiers.ts: the provider's documented batch and
   * flex discounts); a tier missing here has no rate, and its requests are unpriced unless their cost was logged.
   */
  service_tiers: Partial<Record<OtherTier, number>>;
  source: 'user' | 'catalog';
  /** Where the price comes from, for people: `prices.csv line 2 (claude-3-5-haiku-2025*)`, `genai-prices anthropic/claude-3-5-haiku-latest`. */
  origin: string;
  note: string | null;
}

/** A catalog price's constraint: none, a start date (ms), or a daily UTC window (seconds after midnight, may wrap). */
type Constraint = { kind: 'start'; at: number } | { kind: 'daily'; from: number; to: number };

interface CatalogEntry {
  constraint: Constraint | null;
  prices: ModelPrice;
}

interface CatalogModel {
  /** The provider that bills the call (its service-tier rules apply). */
  providerId: string;
  modelId: string;
  /** `provider/model` for origins; names the other provider when genai-prices prices it by a fallback. */
  label: string;
  entries: CatalogEntry[];
  note: string | null;
}

/**
 * Provider names as identity.ts normalizes them → genai-prices provider ids, where the library's own matching
 * (provider id or `provider_match`) does not already map them.
 */
const CATALOG_PROVIDER: Readonly<Record<string, string>> = {
  bedrock: 'aws', vertex_ai: 'google', xai: 'x-ai', azure_ai: 'azure', github_copilot: 'github-copilot', voyage: 'voyageai',
};

/** Bedrock's cross-region prefixes: the catalog lists some profiles under their own id, the rest under the plain one. */
const BEDROCK_REGION = /^(?:us|eu|apac|global|regional|us-gov|ca|jp|au|in)\.(.+\..+)$/i;

/**
 * The ids to ask the catalog for, most specific first: the id as the provider names it (OpenRouter's
 * `anthropic/claude-3.5-sonnet`, Fireworks' `accounts/fireworks/models/x`, `us.anthropic.claude-…-v1:0`), then
 * without a vendor path (Vertex's `google/gemini-2.0-flash-001`), without a Bedrock region prefix, without a moving
 * alias (`ministral-3b-latest` → `ministral-3b`), in identity.ts's one spelling (`gpt-35-turbo-0125` →
 * `gpt-3.5-turbo-0125`), and last as the catalog spells the same model (SAME_MODEL) or, for a bare Bedrock id, as
 * its geographic profile. Never without its version: another version may have another price.
 */
export function catalogNames(id: ModelIdentity): string[] {
  const last = id.name.split('/').pop() ?? id.name;
  const names = [id.name, last];
  const region = BEDROCK_REGION.exec(last);
  if (region) names.push(region[1]!);
  if (id.alias === 'latest') names.push(last.replace(/[-:@]latest$/i, ''));
  if (id.family !== '') names.push(id.version ? `${id.family}-${id.version}` : id.family);
  const same = SAME_MODEL[last.toLowerCase()];
  if (same) names.push(same);
  // A bare in-region Bedrock id costs what its geographic (us./eu./jp.) profile does: the catalog's "regional" price,
  // which lists some models (Nova 2) only under their profiles.
  if (id.provider === 'bedrock' && !region && /^[a-z0-9-]+\.[^.]/i.test(last)) names.push(`us.${last}`);
  return [...new Set(names.filter((n) => n !== ''))];
}

/**
 * Ids the catalog lists under another spelling of the same model, lower-case; each a fact of the vendor's docs: the
 * dated id is the model's only version, or the API name of the model the catalog names.
 */
const SAME_MODEL: Readonly<Record<string, string>> = {
  // Mistral NeMo 12B: 2407 is its only version
  'open-mistral-nemo-2407': 'open-mistral-nemo',
  // Pixtral 12B: 2409 is its only version
  'pixtral-12b-2409': 'pixtral-12b',
  // Mistral Small 3 (24B) of January 2025
  'mistral-small-2501': 'mistral-small-24b-instruct-2501',
  // Mixtral 8x22B Instruct, by its Mistral API name (2404 its only version)
  'open-mixtral-8x22b': 'mixtral-8x22b-instruct',
  'open-mixtral-8x22b-2404': 'mixtral-8x22b-instruct',
  // Phi-3.5-mini comes with a 128K context only
  'phi-3.5-mini-instruct': 'phi-3.5-mini-128k-instruct',
};

export class PriceCatalog {
  private readonly userRows: readonly UserPriceRow[];
  private readonly catalogCache = new Map<string, CatalogModel | null>();
  private readonly useBundled: boolean;
  private readonly data: CatalogData;

  /**
   * `bundled: false` leaves only the user rows (for tests of the overlay, and a user who wants only their own);
   * `data` is the genai-prices data to match against (default: the bundled snapshot).
   */
  constructor(userRows: readonly UserPriceRow[], options: { bundled?: boolean; data?: CatalogData } = {}) {
    this.userRows = userRows;
    this.useBundled = options.bundled ?? true;
    this.data = options.data ?? BUNDLED;
  }

  /** Which genai-prices data this catalog matches against: bundled or a downloaded file, with its date. */
  get info(): CatalogInfo {
    return this.data.info;
  }

  /**
   * Every period of the price of `model` as logged with `provider` (the logged provider column, or null),
   * in time order, non-overlapping. Empty when nothing prices it: the model is unpriced.
   */
  periods(model: string, provider: string | null): PricePeriod[] {
    const id = parseModel(model, provider);
    const candidates = [model, id.name];
    const providers = [provider?.toLowerCase() ?? null, id.provider].filter((p): p is string => p !== null);
    const user = this.userRows
      .map((row, order) => ({ row, order }))
      .filter(({ row }) => matches(row.match, candidates) && (row.provider === null || providers.includes(row.provider)))
      // Provider-specific rows first, then the most specific pattern, then file order.
      .sort((a, b) =>
        Number(b.row.provider !== null) - Number(a.row.provider !== null) ||
        specificity(b.row.match) - specificity(a.row.match) ||
        a.order - b.order)
      .map(({ row }) => row);
    const catalog = this.useBundled ? this.catalogModel(id) : null;
    // The service-tier discounts are the provider's: the catalog's provider of the model, else the logged one.
    const loggedProvider = id.provider?.toLowerCase() ?? null;
    const rules = tierRules(catalog?.providerId ?? (loggedProvider === null ? null : CATALOG_PROVIDER[loggedProvider] ?? loggedProvider));
    const tiers = Object.fromEntries(Object.entries(rules).map(([t, r]) => [t, (r as TierRule).multiplier])) as PricePeriod['service_tiers'];

    const bounds = new Set<number>();
    for (const r of user) {
      if (r.from) bounds.add(r.from.getTime());
      if (r.to) bounds.add(r.to.getTime());
    }
    for (const e of catalog?.entries ?? []) if (e.constraint?.kind === 'start') bounds.add(e.constraint.at);
    const edges = [...bounds].sort((a, b) => a - b);

    // Segments (-inf, e0), [e0, e1), …, [en, +inf): each is priced by whatever covers its first instant.
    const segments: { from: number | null; to: number | null }[] = [];
    let prev: number | null = null;
    for (const e of edges) {
      segments.push({ from: prev, to: e });
      prev = e;
    }
    segments.push({ from: prev, to: null });

    const out: (PricePeriod & { key: string })[] = [];
    for (const seg of segments) {
      const probe = seg.from ?? (seg.to !== null ? seg.to - 1 : 0);
      const row = user.find((r) => (r.from === null || r.from.getTime() <= probe) && (r.to === null || probe < r.to.getTime()));
      let pieces: Piece[] = [];
      if (row) {
        pieces = [{
          above_input_tokens: null, upto_input_tokens: null, input_per_mtok: row.input_per_mtok, output_per_mtok: row.output_per_mtok,
          cached_input_per_mtok: row.cached_input_per_mtok, cache_write_per_mtok: row.cache_write_per_mtok, day_from_s: null, day_to_s: null,
          service_tiers: tiers, source: 'user', origin: `${row.where} (${row.pattern})`, note: null, key: `user:${row.where}`,
        }];
      } else if (catalog) {
        pieces = dailyEntries(catalog.entries, probe).flatMap((d) => catalogPieces(catalog, d, tiers));
      }
      for (const piece of pieces) {
        let last: (PricePeriod & { key: string }) | undefined;
        for (const p of out) {
          if (p.key === piece.key && p.above_input_tokens === piece.above_input_tokens && p.day_from_s === piece.day_from_s) last = p;
        }
        const from = seg.from === null ? null : new Date(seg.from);
        const to = seg.to === null ? null : new Date(seg.to);
        // Adjacent segments priced by the same row (or catalog entry) are one period.
        if (last && last.to !== null && from !== null && last.to.getTime() === from.getTime()) last.to = to;
        else out.push({ ...piece, from, to });
      }
    }
    return out
      .sort((a, b) =>
        (a.from?.getTime() ?? -Infinity) - (b.from?.getTime() ?? -Infinity) ||
        (a.day_from_s ?? -1) - (b.day_from_s ?? -1) ||
        (a.above_input_tokens ?? -1) - (b.above_input_tokens ?? -1))
      .map(({ key: _key, ...p }) => p);
  }

  /** The period in force at `at` (its date and UTC time of day) for a request with `inputTokens` input tokens (0 = the base tier), or null. */
  priceAt(model: string, provider: string | null, at: Date, inputTokens = 0): PricePeriod | null {
    const t = at.getTime();
    const sod = secondOfDay(at);
    return (
      this.periods(model, provider).find(
        (p) =>
          (p.from === null || p.from.getTime() <= t) &&
          (p.to === null || t < p.to.getTime()) &&
          (p.day_from_s === null || (sod >= p.day_from_s && sod < p.day_to_s!)) &&
          (p.above_input_tokens === null || inputTokens > p.above_input_tokens) &&
          (p.upto_input_tokens === null || inputTokens <= p.upto_input_tokens),
      ) ?? null
    );
  }

  /**
   * The catalog's entry for a model, asked with the provider that served it. A provider genai-prices does not know
   * (`self-hosted`, an internal proxy, a host it has no prices for) gets no catalog price rather than a guess from
   * the name.
   */
  private catalogModel(id: ModelIdentity): CatalogModel | null {
    const key = `${id.provider ?? ''}\u0000${id.name}`;
    if (this.catalogCache.has(key)) return this.catalogCache.get(key)!;
    activate(this.data);
    let result: CatalogModel | null = null;
    let providerId: string | undefined;
    if (id.provider !== null) providerId = findProvider({ providerId: CATALOG_PROVIDER[id.provider] ?? id.provider })?.id;
    if (id.provider === null || providerId !== undefined) {
      for (const name of catalogNames(id)) {
        // calcPrice is the library's own model matching (provider rules, date-suffix normalisation, fallbacks);
        // a zero usage makes it a lookup.
        const found = calcPrice({ input_tokens: 0, output_tokens: 0 }, name, providerId ? { providerId } : {});
        if (found) {
          // genai-prices' own fallbacks (Azure bills OpenAI's prices, Vertex Anthropic's): the catalog says so, and
          // calcPrice prices it so; the origin names both.
          const owner = found.provider.models.includes(found.model)
            ? null
            : (found.provider.fallback_model_providers ?? []).find((p) => findProvider({ providerId: p })?.models.includes(found.model));
          result = toCatalogModel(found.provider.id, found.model, owner ? `${found.provider.id}/${found.model.id} (${owner}'s price)` : null);
          break;
        }
      }
    }
    this.catalogCache.set(key, result);
    return result;
  }
}

type Piece = Omit<PricePeriod, 'from' | 'to'> & { key: string };

const DAY_S = 86400;

/** Seconds after UTC midnight (with milliseconds), as genai-prices measures a time-of-day constraint. */
function secondOfDay(at: Date): number {
  return at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → seconds after UTC midnight (genai-prices' time-of-day format). */
function utcSecond(time: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) throw new Error(`genai-prices time-of-day constraint not understood: ${time}`);
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4] ?? 0);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (((local - offset) % DAY_S) + DAY_S) % DAY_S;
}

function toCatalogModel(providerId: string, model: ModelInfo, label: string | null): CatalogModel {
  const entries: CatalogEntry[] = [];
  const notes: string[] = [];
  if (!Array.isArray(model.prices)) {
    entries.push({ constraint: null, prices: model.prices });
  } else {
    for (const c of model.prices) {
      const k = c.constraint;
      if (k === undefined) entries.push({ constraint: null, prices: c.prices });
      else if (k.type === 'start_date') entries.push({ constraint: { kind: 'start', at: new Date(k.start_date).getTime() }, prices: c.prices });
      else entries.push({ constraint: { kind: 'daily', from: utcSecond(k.start_time), to: utcSecond(k.end_time) }, prices: c.prices });
    }
  }
  const keys = new Set(entries.flatMap((e) => Object.keys(e.prices)));
  if (keys.has('requests_kcount')) notes.push('its per-request fee is not applied');
  return { providerId, modelId: model.id, label: label ?? `${providerId}/${model.id}`, entries, note: notes.length > 0 ? notes.join('; ') : null };
}

/**
 * The entry in force at a date (ms) and a UTC second of the day, exactly as genai-prices' calcPrice picks it: the
 * last entry whose constraint holds (unconstrained always holds), else the first.
 */
function entryAt(entries: readonly CatalogEntry[], dateMs: number, second: number): number {
  for (let i = entries.length - 1; i >= 0; i--) {
    const k = entries[i]!.constraint;
    if (k === null) return i;
    if (k.kind === 'start' && dateMs >= k.at) return i;
    if (k.kind === 'daily' && (k.to < k.from ? second >= k.from || second < k.to : second >= k.from && second < k.to)) return i;
  }
  return entries.length > 0 ? 0 : -1;
}

/**
 * The entries in force over one day of a date segment (probe: an instant of it; the segments split at every start
 * date), each with the part of the day it holds: [0, 86400) when time of day does not matter.
 */
function dailyEntries(entries: readonly CatalogEntry[], probe: number): { index: number; from: number; to: number }[] {
  const cuts = new Set<number>([0, DAY_S]);
  for (const e of entries) {
    if (e.constraint?.kind === 'daily') {
      cuts.add(e.constraint.from);
      cuts.add(e.constraint.to);
    }
  }
  const edges = [...cuts].sort((a, b) => a - b);
  const out: { index: number; from: number; to: number }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const index = entryAt(entries, probe, edges[i]!);
    if (index < 0) continue;
    const last = out[out.length - 1];
    if (last && last.index === index && last.to === edges[i]) last.to = edges[i + 1]!;
    else out.push({ index, from: edges[i]!, to: edges[i + 1]! });
  }
  return out;
}

type Tiered = { base: number; tiers: { start: number; price: number }[] };

function isTiered(v: unknown): v is Tiered {
  return typeof v === 'object' && v !== null && typeof (v as Tiered).base === 'number' && Array.isArray((v as Tiered).tiers);
}

/** A price key's value for a request with `inputTokens` input tokens (genai-prices: the last tier whose start is exceeded). */
function tierValue(v: unknown, inputTokens: number): number | undefined {
  if (typeof v === 'number') return v;
  if (!isTiered(v)) return undefined;
  let price = v.base;
  for (const t of v.tiers) if (inputTokens > t.start) price = t.price;
  return price;
}

const hhmm = (s: number): string => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;

/**
 * One catalog entry over a part of the day as periods: one per long-context tier (usually just one). Unpriced (no
 * input price) → none.
 */
function catalogPieces(catalog: CatalogModel, day: { index: number; from: number; to: number }, tiers: PricePeriod['service_tiers']): Piece[] {
  const prices = catalog.entries[day.index]!.prices;
  const keys = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'] as const;
  const starts = [...new Set(keys.flatMap((k) => (isTiered(prices[k]) ? (prices[k] as Tiered).tiers.map((t) => t.start) : [])))].sort((a, b) => a - b);
  const ranges: [number | null, number | null][] = [];
  let lower: number | null = null;
  for (const s of starts) {
    ranges.push([lower, s]);
    lower = s;
  }
  ranges.push([lower, null]);
  const allDay = day.from === 0 && day.to === DAY_S;
  const pieces: Piece[] = [];
  for (const [above, upto] of ranges) {
    const probe = above === null ? 0 : above + 1;
    const input = tierValue(prices['input_mtok'], probe);
    if (input === undefined) return [];
    const notes = [
      catalog.note,
      allDay ? null : `time-of-day price: ${hhmm(day.from)}–${day.to === DAY_S ? '24:00' : hhmm(day.to)} UTC`,
      starts.length > 0 ? `long-context tier by input tokens` : null,
    ].filter(Boolean);
    pieces.push({
      above_input_tokens: above,
      upto_input_tokens: upto,
      input_per_mtok: input,
      output_per_mtok: tierValue(prices['output_mtok'], probe) ?? 0,
      cached_input_per_mtok: tierValue(prices['cache_read_mtok'], probe) ?? null,
      cache_write_per_mtok: tierValue(prices['cache_write_mtok'], probe) ?? null,
      day_from_s: allDay ? null : day.from,
      day_to_s: allDay ? null : day.to,
      service_tiers: tiers,
      source: 'catalog',
      origin: `genai-prices ${catalog.label}`,
      note: notes.length > 0 ? notes.join('; ') : null,
      key: `catalog:${day.index}`,
    });
  }
  return pieces;
}

/** The bundled genai-prices version, for `prices show` (kept for callers of the old export). */
export function bundledCatalogVersion(): string | null {
  return BUNDLED.info.version;
}

/**
 * The catalog a run prices with: its user price rows over the genai-prices data its settings name (a file
 * `prices update` wrote, when it exists; else the bundled snapshot).
 */
export function catalogFor(settings: PricingSettings): PriceCatalog {
  return new PriceCatalog(loadPriceRows(settings), { data: catalogDataFor(settings) });
}

/** The genai-prices data of these settings: the catalog file when there is one, else the bundled snapshot. */
export function catalogDataFor(settings: Pick<PricingSettings, 'catalogFile'>): CatalogData {
  return settings.catalogFile !== null && catalogFileExists(settings.catalogFile) ? loadCatalogFile(settings.catalogFile) : BUNDLED;
}
