import { mulberry32 } from '../random.js';
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import * as P from './pools.js';

/**
 * The demo data set: deterministic gateway logs of a multi-model router that builds in the seed write-up's
 * failure modes (brevity-biased over-routing, under-routing with retries, a silent dearer model version,
 * a cache key that contains the model), plus the ground truth to check routecheck's findings against.
 *
 * Pure: options → lines + truth. No IO, no clock, no Math.random: the same options give the same bytes.
 * Randomness comes from independent seeded streams (traffic, routing, extras), so healthy and unhealthy
 * runs with the same seed share the same users, timestamps and inputs and differ only in routing.
 */

export interface DemoOptions {
  /** Days of traffic (default 42). */
  days: number;
  /** PRNG seed (default 1). */
  seed: number;
  /** First day, YYYY-MM-DD (UTC; default 2025-02-10, a Monday). */
  start: string;
  /** Volume multiplier: 1 ≈ 40k records over 42 days. */
  scale: number;
  /** A well-tuned router: ~2% deviation, no version bump, cache key without the model, no bad lines. */
  healthy: boolean;
}

export const DEFAULT_DEMO_OPTIONS: Readonly<DemoOptions> = { days: 42, seed: 1, start: '2025-02-10', scale: 1, healthy: false };

export type Tier = 'simple' | 'medium' | 'hard';
export const TIERS: readonly Tier[] = ['simple', 'medium', 'hard'];

export interface DemoModel {
  model: string;
  provider: string;
  /** USD per 1M tokens. */
  input: number;
  output: number;
}

export const TIER_MODELS: Readonly<Record<Tier, DemoModel>> = {
  simple: { model: 'gpt-4o-mini-2024-07-18', provider: 'openai', input: 0.15, output: 0.6 },
  medium: { model: 'claude-3-5-haiku-20241022', provider: 'anthropic', input: 0.8, output: 4.0 },
  hard: { model: 'gpt-4o-2024-08-06', provider: 'openai', input: 2.5, output: 10.0 },
};
export const MEDIUM_FAMILY = 'claude-3-5-haiku';
/** The silent version bump: same family, 18% dearer on both input and output. */
export const BUMP_PRICE_CHANGE = 0.18;
/** Days after start when the bump lands (2025-03-17 for the default start); no bump for shorter runs. */
export const BUMP_AFTER_DAYS = 35;
export const BATCH_MODEL = 'acme-llama-3-70b-internal';
/** Router thresholds: simple < 0.80 ≤ medium < 0.92 ≤ hard. */
export const THRESHOLDS = { medium: 0.8, hard: 0.92 } as const;
export const CACHE_TTL_HOURS = 24;
/** Inputs shorter than this are "trivial" (the write-up's fix skips the classifier for them). */
export const SHORT_INPUT_CHARS = 10;

export interface DemoTruth {
  requests: number;
  /** Records with an ideal label (every routed record). */
  evaluated: number;
  /** Ideal tier cheaper than the tier that served it. */
  over_routed: number;
  /** Ideal tier dearer than the tier that served it. */
  under_routed: number;
  /** Retry records (re-sends of an under-routed request on the hard tier), linked or not. */
  retries: number;
  /** Retries that carry retry_of. */
  retries_linked: number;
  /** Sum of cost_usd of the retry records. */
  retry_cost_usd: number;
  /** Sum of cost_usd of the under-routed originals that were retried (the money wasted). */
  retried_original_cost_usd: number;
  /** Records whose input is shorter than 10 characters. */
  short_requests: number;
  version_bump: {
    family: string;
    from: string;
    to: string;
    date: string;
    input_price_change: number;
    /** What the records served by the new version cost above the old version's price. */
    extra_cost_usd: number;
    /** Records served by the new version. */
    requests: number;
  } | null;
  cache: {
    /** Distinct cache_key values. */
    entries: number;
    /** Records with cache_hit true. */
    hits: number;
    /** Records with a cache_key. */
    keyed: number;
    /** Distinct lower-cased trimmed inputs among keyed records (entries / distinct_inputs = key dilution). */
    distinct_inputs: number;
    /** Hits a cache keyed on the input alone would have had (same TTL); equals hits in healthy mode. */
    hits_input_key: number;
  };
  /** Deliberately invalid lines written (not counted anywhere else). */
  rejects_written: number;
  /** Records on the self-hosted model: no cost_usd, route, score or ideal. */
  unpriced_requests: number;
  cost_usd: number;
  by_week: Record<string, DemoWeekTruth>;
}

/**
 * One ISO week of the truth. The counterfactuals (the router's ROI) serve each routed request that is not a retry
 * once, on one tier, with its logged tokens at that tier's model price of the day (cache hits stay free); retries
 * exist only because of the router's choices, so no counterfactual has them.
 */
export interface DemoWeekTruth {
  requests: number;
  /** Every record's cost: the routed records' (retries included), since the batch model is unpriced. */
  cost_usd: number;
  /** Routed records, retries included: each one paid for a classifier call. */
  routed: number;
  /** Retry records among them. */
  retries: number;
  /** Every first call on the simple, medium or hard tier's model. */
  single_tier_usd: Record<Tier, number>;
  /** Every first call on its ideal tier's model. */
  ideal_usd: number;
  /** First calls whose ideal tier is dearer than the tier (the single-tier policy would under-serve them). */
  under_served: Record<Tier, number>;
}

/** One native-JSONL record, keys in the order they are written. Optional keys are left out when absent. */
export interface DemoRecord {
  ts: string;
  request_id: string;
  session_id: string;
  user_id: string;
  input: string;
  model: string;
  route?: string;
  score?: number;
  ideal?: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd?: number;
  cache_key?: string;
  cache_hit: boolean;
  retry_of?: string;
  status: string;
  latency_ms: number;
  provider: string;
}

/** One line of a log file: a record, or (record null) a deliberately bad line. */
export interface DemoLine {
  /** ISO week of the line's time, e.g. 2025-W07: the file it belongs in. */
  week: string;
  text: string;
  record: DemoRecord | null;
  /** Set on the ~2% of records picked for the hand-label sample. */
  label: Tier | null;
}

/** Throws a UsageError naming the first option out of range (the CLI validates too; this guards library use). */
export function checkDemoOptions(o: DemoOptions): void {
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3660) throw new UsageError(`demo days must be a whole number from 1 to 3660, got ${o.days}`);
  if (!Number.isInteger(o.seed)) throw new UsageError(`demo seed must be a whole number, got ${o.seed}`);
  if (!(o.scale > 0) || o.scale > 10_000) throw new UsageError(`demo scale must be above 0 and at most 10000, got ${o.scale}`);
  if (parseDay(o.start) === null) throw new UsageError(`demo start must be a real date like 2025-02-10, got ${o.start}`);
}

const DAY_MS = 86_400_000;

function parseDay(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === s ? ms : null;
}

function startMs(o: DemoOptions): number {
  const ms = parseDay(o.start);
  if (ms === null) throw new UsageError(`demo start must be a date like 2025-02-10, got ${o.start}`);
  return ms;
}

/** YYYY-MM-DD of the version bump, or null (healthy, or too few days). */
export function bumpDate(o: DemoOptions): string | null {
  if (o.healthy || o.days <= BUMP_AFTER_DAYS) return null;
  return isoDay(startMs(o) + BUMP_AFTER_DAYS * DAY_MS);
}

/** The dated model that serves the medium tier after the bump, e.g. claude-3-5-haiku-20250317. */
export function bumpedModel(date: string): DemoModel {
  const base = TIER_MODELS.medium;
  return {
    model: `${MEDIUM_FAMILY}-${date.replaceAll('-', '')}`,
    provider: base.provider,
    input: round(base.input * (1 + BUMP_PRICE_CHANGE), 6),
    output: round(base.output * (1 + BUMP_PRICE_CHANGE), 6),
  };
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO 8601 week of a UTC instant, e.g. 2025-W07 (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(ms: number): string {
  const d = new Date(Math.floor(ms / DAY_MS) * DAY_MS);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = d.getTime() + (3 - dow) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The routecheck.config.json that goes with the demo logs, in the shape routecheck's config takes: ordered tiers
 * cheap → expensive whose model patterns also match new dated versions, score thresholds, the trivial rule and
 * the classifier's price per call (the write-up's $0.003). The new mid-model version is priced in prices.csv,
 * since no catalog knows a made-up model.
 */
export function demoConfig(_o: DemoOptions): Record<string, unknown> {
  return {
    tiers: [
      { name: 'simple', models: ['gpt-4o-mini*'], below_score: THRESHOLDS.medium },
      { name: 'medium', models: [`${MEDIUM_FAMILY}*`], below_score: THRESHOLDS.hard },
      { name: 'hard', models: ['gpt-4o-2024-*', 'gpt-4o'] },
    ],
    trivial: { max_chars: SHORT_INPUT_CHARS, tier: 'simple' },
    classifier: { cost_per_call_usd: 0.003 },
    prices: 'prices.csv',
    cache: { ttl_hours: CACHE_TTL_HOURS },
    retries: { window_minutes: 10 },
  };
}

/** prices.csv: the user price file for models no catalog knows (here, the demo's new dated version). */
export function demoPricesCsv(o: DemoOptions): string {
  const rows = ['model,provider,effective_from,input_per_mtok,output_per_mtok'];
  const bump = bumpDate(o);
  if (bump) {
    const m = bumpedModel(bump);
    rows.push(`${m.model},anthropic,${bump},${m.input},${m.output}`);
  }
  // A healthy team has priced its self-hosted batch model; the unhealthy demo leaves it unpriced on purpose.
  if (o.healthy) rows.push(`${BATCH_MODEL},self-hosted,,0.3,0.3`);
  return rows.join('\n') + '\n';
}

export { mulberry32 };

export function emptyTruth(): DemoTruth {
  return {
    requests: 0, evaluated: 0, over_routed: 0, under_routed: 0, retries: 0, retries_linked: 0, retry_cost_usd: 0,
    retried_original_cost_usd: 0, short_requests: 0, version_bump: null,
    cache: { entries: 0, hits: 0, keyed: 0, distinct_inputs: 0, hits_input_key: 0 },
    rejects_written: 0, unpriced_requests: 0, cost_usd: 0, by_week: {},
  };
}

function emptyWeek(): DemoWeekTruth {
  return {
    requests: 0, cost_usd: 0, routed: 0, retries: 0, single_tier_usd: { simple: 0, medium: 0, hard: 0 }, ideal_usd: 0,
    under_served: { simple: 0, medium: 0, hard: 0 },
  };
}

/** Generates everything in memory (for tests and small runs). */
export function generateDemo(o: DemoOptions): { lines: DemoLine[]; truth: DemoTruth } {
  const truth = emptyTruth();
  const lines = [...generateLines(o, truth)];
  return { lines, truth };
}

// ---------------------------------------------------------------------------------------------------------
// Randomness


/** murmur3's finaliser: a bijection on 32-bit integers, so distinct counters give distinct ids. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

class Rng {
  readonly next: () => number;
  constructor(seed: number, stream: number) {
    this.next = mulberry32(fmix32(fmix32(seed >>> 0) ^ Math.imul(stream, 0x9e3779b1)));
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Index drawn from cumulative weights. */
  weighted(cumulative: readonly number[]): number {
    const x = this.next() * cumulative[cumulative.length - 1]!;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---------------------------------------------------------------------------------------------------------
// Traffic shape

/** Requests on day 0 at scale 1 (before the weekday factor; the default start is a Monday), batch included. */
const BASE_DAILY = 250;
/** Growth: the last full week carries 8× the daily volume of the first. */
const GROWTH = 8;
/** Mon..Sun. */
const WEEKDAY = [1.0, 1.05, 1.05, 1.0, 0.92, 0.5, 0.45];
/** UTC hour of day → relative traffic (Europe + US office hours). */
const HOURLY = cumulative([1, 0.7, 0.5, 0.4, 0.4, 0.5, 0.8, 1.5, 2.5, 3.5, 4, 4, 3.8, 4, 4.2, 4.3, 4, 3.5, 3, 2.6, 2.2, 1.8, 1.5, 1.2]);
const BATCH_SHARE = 0.01;

type Kind = 'chat' | 'simple' | 'popular' | 'medium' | 'hard';
const KINDS: readonly Kind[] = ['chat', 'simple', 'popular', 'medium', 'hard'];
const KIND_WEIGHTS = cumulative([0.22, 0.2, 0.18, 0.2, 0.2]);
const IDEAL_TIER: Record<Kind, Tier> = { chat: 'simple', simple: 'simple', popular: 'simple', medium: 'medium', hard: 'hard' };

/** Per-day growth factor: GROWTH between the first and last full weeks (or first and last day if < 2 weeks). */
function dailyRate(days: number): number {
  const span = days >= 14 ? days - 7 : Math.max(1, days - 1);
  return GROWTH ** (1 / span);
}

// ---------------------------------------------------------------------------------------------------------
// Routing behaviour

/** Unhealthy router: brevity shortcut on chit-chat, popular questions scored right at the 0.80 threshold,
 * ~41% of hard prompts scored as medium. Healthy: ~2% of requests one tier off, either way. */
const UNHEALTHY = {
  chatMediumByLength: (len: number): number => (len < SHORT_INPUT_CHARS ? 0.72 : len < 20 ? 0.6 : 0.48),
  simpleToMedium: 0.04,
  mediumToHard: 0.015,
  mediumToSimple: 0.01,
  hardToMedium: 0.41,
  /** Popular questions' base score (thousandths) sits at the threshold; each request wobbles ±30. */
  popularBase: [785, 815] as const,
};
const HEALTHY_SLIP = 0.024;
const WOBBLE = 30;
const RETRY_SHARE = 0.7;
const RETRY_LINKED_SHARE = 0.6;
const LABEL_SHARE = 0.02;

/** Score ranges (thousandths) by served tier, for the unhealthy and healthy routers. */
const SCORE_RANGE: Record<'unhealthy' | 'healthy', Record<Tier, readonly [number, number]>> = {
  unhealthy: { simple: [150, 779], medium: [801, 915], hard: [921, 995] },
  healthy: { simple: [80, 690], medium: [835, 895], hard: [945, 995] },
};

interface Pending {
  ms: number;
  seq: number;
  id: string;
  session: string;
  user: string;
  input: string;
  kind: Kind | 'batch';
  served: Tier | null;
  score: number | null;
  inTokens: number;
  outTokens: number;
  /** Completion size the right model would give (the retry's size). */
  natOut: number;
  retryOf: string | null;
  isRetry: boolean;
  /** Set on an under-routed original that got retried. */
  retried: boolean;
}

/** A request the router served on one of the tiers (everything but the nightly batch). */
type Routed = Pending & { kind: Kind; served: Tier };

function isRouted(p: Pending): p is Routed {
  return p.kind !== 'batch' && p.served !== null;
}

interface CacheEntry {
  expires: number;
  outTokens: number;
}

/** What serving a routed request came to: from the cache or the model, at what price and speed. */
interface Served {
  key: string;
  isHit: boolean;
  outTokens: number;
  /** Cost in nano-USD (whole numbers, so the truth's sums are exact). */
  costNano: number;
  latency: number;
}

const BAD_KINDS = ['truncated', 'negative_tokens', 'bad_ts', 'bad_cost', 'truncated'] as const;
type BadKind = (typeof BAD_KINDS)[number];

/**
 * Yields every line in time order and fills `truth` as it goes; truth is complete once the generator is done.
 *
 * Day by day: the volume and the interactive sessions and nightly batch (traffic stream, routed on the routing
 * stream as they are made), the retries (routing stream), then the records with the day's bad lines (extras
 * stream). Each stream is drawn in exactly this order: drawing in another order changes every byte after it.
 */
export function* generateLines(o: DemoOptions, truth: DemoTruth): Generator<DemoLine> {
  checkDemoOptions(o);
  const run = new DemoRun(o, truth);
  let carry: Pending[] = [];
  for (let d = 0; d < o.days; d++) {
    const dayStart = run.t0 + d * DAY_MS;
    const volume = run.dayVolume(d, dayStart);
    const primaries = run.sessions(dayStart, volume.interactive, volume.userPool);
    const batch = run.batchJob(dayStart, volume.batch);
    const day = [...carry, ...batch, ...run.withRetries(primaries)];
    // (ms, seq) is unique, so the order above does not matter.
    day.sort((a, b) => a.ms - b.ms || a.seq - b.seq);
    // A retry late in the evening may fall after midnight: it belongs to the next day's lines.
    const today: Pending[] = [];
    carry = [];
    for (const p of day) (p.ms >= dayStart + DAY_MS && d < o.days - 1 ? carry : today).push(p);
    const badLines = run.planBadLines(d, today.length);
    run.expireCaches(dayStart);
    yield* run.emitDay(today, badLines);
  }
  run.closeTruth();
}

/** One generator run's state: the seeded streams, the id counters, the response caches and the running sums. */
class DemoRun {
  readonly t0: number;
  private readonly o: DemoOptions;
  private readonly truth: DemoTruth;
  private readonly traffic: Rng;
  private readonly routing: Rng;
  private readonly extras: Rng;
  private readonly mode: 'healthy' | 'unhealthy';
  private readonly idSalt: number;
  // Ids are a bijection of a counter, so they never collide. Traffic counts up from 0; retries and bad lines
  // (which depend on routing) count down from 2^32 - 1, so healthy and unhealthy runs share the traffic's ids.
  private readonly counters = { req: 0, session: 0, extra: 0xffffffff };
  /** Creation order: the tie-break between requests of the same millisecond. */
  private seq = 0;
  private readonly bumpMs: number;
  private readonly bumped: DemoModel | null;
  private readonly popularWeights: number[];
  private readonly popularBase: number[];
  private readonly chatWeights: number[];
  private readonly rate: number;
  private readonly cache = new Map<string, CacheEntry>();
  /** The same cache keyed on the input only: what the write-up's fix would have hit. */
  private readonly inputCache = new Map<string, number>();
  private readonly keysSeen = new Set<string>();
  private readonly inputsSeen = new Set<string>();
  private readonly nano = { total: 0, retry: 0, retriedOriginal: 0, bumpExtra: 0 };
  private readonly weekNano = new Map<string, number>();
  /** Per week: the counterfactual costs in nano-USD, by tier and at the ideal tier. */
  private readonly weekCounterfactual = new Map<string, { tier: Record<Tier, number>; ideal: number }>();
  /** isoWeek, memoised per UTC day (it is asked once per record). */
  private readonly weeks = new Map<number, string>();
  /** The days of the last ISO week, in an unhealthy run: the bad lines are spread over them. */
  private readonly badDays: number[] = [];

  constructor(o: DemoOptions, truth: DemoTruth) {
    this.o = o;
    this.truth = truth;
    this.t0 = startMs(o);
    this.traffic = new Rng(o.seed, 1);
    this.routing = new Rng(o.seed, 2);
    this.extras = new Rng(o.seed, 3);
    this.mode = o.healthy ? 'healthy' : 'unhealthy';
    this.idSalt = fmix32((o.seed >>> 0) ^ 0x5bd1e995);

    const bump = bumpDate(o);
    this.bumpMs = bump ? parseDay(bump)! : Infinity;
    this.bumped = bump ? bumpedModel(bump) : null;
    if (bump && this.bumped) {
      truth.version_bump = {
        family: MEDIUM_FAMILY, from: TIER_MODELS.medium.model, to: this.bumped.model, date: bump,
        input_price_change: BUMP_PRICE_CHANGE, extra_cost_usd: 0, requests: 0,
      };
    }

    this.popularWeights = cumulative(POPULAR_FORMS.map((_, i) => 1 / (i + 1) ** 0.8));
    // Drawn once, from the routing stream, so traffic is the same in both modes.
    this.popularBase = POPULAR_FORMS.map(() => (o.healthy ? this.routing.int(250, 600) : this.routing.int(UNHEALTHY.popularBase[0], UNHEALTHY.popularBase[1])));
    this.chatWeights = cumulative(P.CHIT_CHAT.map(([, w]) => w));
    this.rate = dailyRate(o.days);

    const lastWeek = isoWeek(this.t0 + (o.days - 1) * DAY_MS);
    if (!o.healthy) for (let d = 0; d < o.days; d++) if (isoWeek(this.t0 + d * DAY_MS) === lastWeek) this.badDays.push(d);
  }

  // ---- ids, models, weeks ----

  private hex(n: number): string {
    return fmix32((n + this.idSalt) >>> 0).toString(16).padStart(8, '0');
  }

  private newId(prefix: 'req_' | 's_'): string {
    return prefix + this.hex(prefix === 's_' ? this.counters.session++ : this.counters.req++);
  }

  private extraId(): string {
    return 'req_' + this.hex(this.counters.extra--);
  }

  private userId(idx: number): string {
    return `u_${fmix32((idx + this.idSalt + 0x1000) >>> 0).toString(36).padStart(7, '0')}`;
  }

  private modelAt(tier: Tier, ms: number): DemoModel {
    return tier === 'medium' && this.bumped && ms >= this.bumpMs ? this.bumped : TIER_MODELS[tier];
  }

  private weekOf(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    let w = this.weeks.get(day);
    if (w === undefined) this.weeks.set(day, (w = isoWeek(ms)));
    return w;
  }

  // ---- the day's traffic ----

  /** Day d's requests (growth × weekday × ±4% noise), of which BATCH_SHARE go to the nightly batch. */
  dayVolume(d: number, dayStart: number): { interactive: number; batch: number; userPool: number } {
    const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
    const noise = 1 + (this.traffic.next() - 0.5) * 0.08;
    const total = Math.max(1, Math.round(BASE_DAILY * this.o.scale * this.rate ** d * WEEKDAY[weekday]! * noise));
    const batch = Math.round(total * BATCH_SHARE);
    const interactive = total - batch;
    return { interactive, batch, userPool: Math.max(30, Math.round(interactive / 4)) };
  }

  /** The day's interactive requests, in sessions of 1 to 10 (mostly short), each routed as it is made. */
  sessions(dayStart: number, interactive: number, userPool: number): Pending[] {
    const primaries: Pending[] = [];
    let made = 0;
    while (made < interactive) {
      const len = Math.min(interactive - made, 1 + Math.min(9, Math.floor(-Math.log(1 - this.traffic.next()) * 1.6)));
      primaries.push(...this.session(dayStart, len, userPool));
      made += len;
    }
    return primaries;
  }

  /** One user's session: `len` requests a few minutes apart from an hour drawn by the daily traffic curve. */
  private session(dayStart: number, len: number, userPool: number): Pending[] {
    const session = this.newId('s_');
    const user = this.userId(Math.floor(userPool * this.traffic.next() ** 1.7));
    const hour = this.traffic.weighted(HOURLY);
    let ms = dayStart + hour * 3_600_000 + this.traffic.int(0, 3599) * 1000;
    const used = new Set<string>();
    const out: Pending[] = [];
    for (let i = 0; i < len; i++) {
      if (i > 0) ms += this.traffic.int(15, 360) * 1000;
      const kind = KINDS[this.traffic.weighted(KIND_WEIGHTS)]!;
      const { input, popularIndex } = this.freshInput(kind, used);
      used.add(input);
      const { inTokens, outTokens } = drawTokens(kind, input, this.traffic);
      const p: Pending = {
        ms, seq: this.seq++, id: this.newId('req_'), session, user, input, kind, served: null, score: null,
        inTokens, outTokens, natOut: outTokens, retryOf: null, isRetry: false, retried: false,
      };
      this.route(p, popularIndex);
      out.push(p);
    }
    return out;
  }

  /** An input the session has not sent yet; after six tries a repeat is kept (small pools run out). */
  private freshInput(kind: Kind, used: ReadonlySet<string>): { input: string; popularIndex: number } {
    let drawn = { input: '', popularIndex: -1 };
    for (let attempt = 0; attempt < 6; attempt++) {
      drawn = drawInput(kind, this.traffic, this.popularWeights, this.chatWeights);
      if (!used.has(drawn.input)) break;
    }
    return drawn;
  }

  /** The nightly batch job on the self-hosted model: `count` requests a few seconds apart from about 02:00. */
  batchJob(dayStart: number, count: number): Pending[] {
    if (count === 0) return [];
    const out: Pending[] = [];
    let ms = dayStart + 2 * 3_600_000 + this.traffic.int(0, 600) * 1000;
    const session = this.newId('s_');
    for (let i = 0; i < count; i++) {
      ms += this.traffic.int(2, 8) * 1000;
      const input = this.traffic.pick(P.BATCH_TEMPLATES).replace('{n}', String(this.traffic.int(10_000, 99_999)));
      out.push({
        ms, seq: this.seq++, id: this.newId('req_'), session, user: 'svc_nightly_enrich', input, kind: 'batch', served: null,
        score: null, inTokens: this.traffic.int(250, 900), outTokens: this.traffic.int(20, 120), natOut: 0, retryOf: null, isRetry: false, retried: false,
      });
    }
    return out;
  }

  // ---- routing ----

  /** Decides the served tier and the score (thousandths → 3 decimals); the route follows the thresholds. */
  private route(p: Pending, popularIndex: number): void {
    const kind = p.kind as Kind;
    const ideal = IDEAL_TIER[kind];
    const ranges = SCORE_RANGE[this.mode];
    const routing = this.routing;
    let served: Tier = ideal;
    let milli: number | null = null;
    if (kind === 'popular') {
      milli = this.popularBase[popularIndex]! + routing.int(-WOBBLE, WOBBLE);
      served = tierOfScore(milli);
    } else if (this.o.healthy) {
      if (routing.chance(HEALTHY_SLIP)) {
        served = ideal === 'simple' ? 'medium' : ideal === 'hard' ? 'medium' : routing.chance(0.5) ? 'simple' : 'hard';
      }
    } else {
      const r = routing.next();
      if (kind === 'chat') served = r < UNHEALTHY.chatMediumByLength(p.input.length) ? 'medium' : 'simple';
      else if (kind === 'simple') served = r < UNHEALTHY.simpleToMedium ? 'medium' : 'simple';
      else if (kind === 'medium') served = r < UNHEALTHY.mediumToHard ? 'hard' : r < UNHEALTHY.mediumToHard + UNHEALTHY.mediumToSimple ? 'simple' : 'medium';
      else served = r < UNHEALTHY.hardToMedium ? 'medium' : 'hard';
    }
    if (milli === null) {
      const [lo, hi] = ranges[served];
      if (!this.o.healthy && kind === 'chat' && served === 'medium') milli = routing.int(801, 880); // brevity shortcut
      else if (this.o.healthy && kind === 'chat' && served === 'simple') milli = routing.int(50, 320);
      else milli = routing.int(lo, hi);
    }
    p.served = served;
    p.score = milli / 1000;
    // A weak model gives a hard prompt a short, poor answer (which is why it gets retried).
    if (ideal === 'hard' && served !== 'hard') p.outTokens = Math.max(1, Math.round(p.outTokens * 0.5));
  }

  /** The primaries, each followed by its retry when it is a hard prompt served on medium that the user re-sent. */
  withRetries(primaries: readonly Pending[]): Pending[] {
    const out: Pending[] = [];
    for (const p of primaries) {
      out.push(p);
      if (p.kind === 'hard' && p.served === 'medium' && this.routing.chance(RETRY_SHARE)) {
        p.retried = true;
        out.push(this.retry(p));
      }
    }
    return out;
  }

  /** The re-send of an under-routed hard prompt, minutes later, served on hard with a full-size answer. */
  private retry(p: Pending): Pending {
    const [lo, hi] = SCORE_RANGE[this.mode].hard;
    return {
      ...p, ms: p.ms + this.routing.int(60, 480) * 1000, seq: this.seq++, id: this.extraId(), served: 'hard',
      score: this.routing.int(lo, hi) / 1000, outTokens: Math.max(1, Math.round(p.natOut * (0.9 + this.routing.next() * 0.25))),
      retryOf: this.routing.chance(RETRY_LINKED_SHARE) ? p.id : null, isRetry: true, retried: false,
    };
  }

  // ---- the day's lines ----

  /** Bad lines for day d: one per planned slot, after a random record of the day (index → what is broken). */
  planBadLines(d: number, records: number): Map<number, BadKind> {
    const badHere = new Map<number, BadKind>();
    const slot = this.badDays.indexOf(d);
    if (slot < 0) return badHere;
    for (let k = slot; k < BAD_KINDS.length && badHere.size < records; k += this.badDays.length) {
      let at = this.extras.int(0, records - 1);
      while (badHere.has(at)) at = (at + 1) % records;
      badHere.set(at, BAD_KINDS[k]!);
    }
    return badHere;
  }

  /** Expires the response caches once a day so they stay small. */
  expireCaches(dayStart: number): void {
    for (const [key, entry] of this.cache) if (entry.expires <= dayStart) this.cache.delete(key);
    for (const [key, expires] of this.inputCache) if (expires <= dayStart) this.inputCache.delete(key);
  }

  /** The day's records in order, each followed by its bad line when one is planned after it. */
  *emitDay(today: readonly Pending[], badLines: ReadonlyMap<number, BadKind>): Generator<DemoLine> {
    for (let i = 0; i < today.length; i++) {
      const p = today[i]!;
      const week = this.weekOf(p.ms);
      const rec = this.finish(p, week);
      const label = rec.ideal !== undefined && this.extras.chance(LABEL_SHARE) ? idealTierOf(p) : null;
      yield { week, text: JSON.stringify(rec), record: rec, label };
      const bad = badLines.get(i);
      if (bad) {
        this.truth.rejects_written++;
        yield { week, text: badLine(rec, bad, this.extraId()), record: null, label: null };
      }
    }
  }

  /** Applies the cache, prices the call, builds the record and counts it into the truth. */
  private finish(p: Pending, week: string): DemoRecord {
    const bucket = (this.truth.by_week[week] ??= emptyWeek());
    bucket.requests++;
    this.truth.requests++;
    if (p.input.length < SHORT_INPUT_CHARS) this.truth.short_requests++;
    const ts = new Date(p.ms).toISOString().replace('.000Z', 'Z');
    if (!isRouted(p)) {
      this.truth.unpriced_requests++;
      return {
        ts, request_id: p.id, session_id: p.session, user_id: p.user, input: p.input, model: BATCH_MODEL,
        input_tokens: p.inTokens, output_tokens: p.outTokens, cache_hit: false, status: 'success',
        latency_ms: 900 + p.outTokens * 22 + this.extras.int(0, 400), provider: 'self-hosted',
      };
    }
    const m = this.modelAt(p.served, p.ms);
    const served = this.serve(p, m);
    this.countRouted(p, m, week, served.costNano);
    this.countCounterfactual(p, served, bucket, week);
    return routedRecord(p, ts, m, served, this.modelAt(IDEAL_TIER[p.kind], p.ms).model);
  }

  /**
   * The response cache (keyed on model and input when unhealthy, the input alone when healthy; the input-only
   * shadow cache counts what the fix would hit), then the model's price and latency on a miss.
   */
  private serve(p: Routed, m: DemoModel): Served {
    const digest = inputDigest(p.input);
    const key = this.o.healthy ? digest : `${m.model}:${digest}`;
    this.keysSeen.add(key);
    this.inputsSeen.add(digest);
    this.truth.cache.keyed++;
    const shadow = this.inputCache.get(digest);
    if (shadow !== undefined && shadow > p.ms) this.truth.cache.hits_input_key++;
    else this.inputCache.set(digest, p.ms + CACHE_TTL_HOURS * 3_600_000);
    const hit = this.cache.get(key);
    const isHit = hit !== undefined && hit.expires > p.ms;
    if (hit && isHit) {
      this.truth.cache.hits++;
      return { key, isHit, outTokens: hit.outTokens, costNano: 0, latency: this.extras.int(6, 45) };
    }
    const out = p.outTokens;
    this.cache.set(key, { expires: p.ms + CACHE_TTL_HOURS * 3_600_000, outTokens: out });
    const costNano = Math.round(p.inTokens * m.input * 1000) + Math.round(out * m.output * 1000);
    const perToken = p.served === 'simple' ? 9 : p.served === 'medium' ? 13 : 20;
    const latency = 250 + (p.served === 'hard' ? 300 : p.served === 'medium' ? 120 : 0) + out * perToken + this.extras.int(0, 350);
    if (m !== TIER_MODELS[p.served]) {
      const base = TIER_MODELS[p.served];
      this.nano.bumpExtra += costNano - (Math.round(p.inTokens * base.input * 1000) + Math.round(out * base.output * 1000));
    }
    return { key, isHit, outTokens: out, costNano, latency };
  }

  /** Counts a routed request into the truth: its cost, over/under-routing, retries, the version bump. */
  private countRouted(p: Routed, m: DemoModel, week: string, costNano: number): void {
    const truth = this.truth;
    if (m !== TIER_MODELS[p.served] && truth.version_bump) truth.version_bump.requests++;
    this.nano.total += costNano;
    this.weekNano.set(week, (this.weekNano.get(week) ?? 0) + costNano);
    truth.evaluated++;
    const servedRank = TIERS.indexOf(p.served);
    const idealRank = TIERS.indexOf(IDEAL_TIER[p.kind]);
    if (idealRank < servedRank) truth.over_routed++;
    if (idealRank > servedRank) truth.under_routed++;
    if (p.isRetry) {
      truth.retries++;
      this.nano.retry += costNano;
      if (p.retryOf) truth.retries_linked++;
    }
    if (p.retried) this.nano.retriedOriginal += costNano;
  }

  /** A routed request in the week's counterfactuals (first calls only; see DemoWeekTruth). */
  private countCounterfactual(p: Routed, served: Served, bucket: DemoWeekTruth, week: string): void {
    bucket.routed++;
    if (p.isRetry) {
      bucket.retries++;
      return;
    }
    const sums = this.weekCounterfactual.get(week) ?? { tier: { simple: 0, medium: 0, hard: 0 }, ideal: 0 };
    this.weekCounterfactual.set(week, sums);
    const ideal = IDEAL_TIER[p.kind];
    const at = (tier: Tier): number => {
      if (served.isHit) return 0;
      const m = this.modelAt(tier, p.ms);
      return Math.round(p.inTokens * m.input * 1000) + Math.round(served.outTokens * m.output * 1000);
    };
    for (const tier of TIERS) {
      sums.tier[tier] += at(tier);
      if (TIERS.indexOf(ideal) > TIERS.indexOf(tier)) bucket.under_served[tier]++;
    }
    sums.ideal += at(ideal);
  }

  /** Writes the run's sums into the truth (costs were summed in nano-USD). */
  closeTruth(): void {
    const truth = this.truth;
    truth.cost_usd = this.nano.total / 1e9;
    truth.retry_cost_usd = this.nano.retry / 1e9;
    truth.retried_original_cost_usd = this.nano.retriedOriginal / 1e9;
    if (truth.version_bump) truth.version_bump.extra_cost_usd = this.nano.bumpExtra / 1e9;
    for (const [week, n] of this.weekNano) truth.by_week[week]!.cost_usd = n / 1e9;
    for (const [week, c] of this.weekCounterfactual) {
      const w = truth.by_week[week]!;
      for (const tier of TIERS) w.single_tier_usd[tier] = c.tier[tier] / 1e9;
      w.ideal_usd = c.ideal / 1e9;
    }
    truth.cache.entries = this.keysSeen.size;
    truth.cache.distinct_inputs = this.inputsSeen.size;
  }
}

function idealTierOf(p: Pending): Tier | null {
  return p.kind === 'batch' ? null : IDEAL_TIER[p.kind];
}

function tierOfScore(milli: number): Tier {
  return milli >= THRESHOLDS.hard * 1000 ? 'hard' : milli >= THRESHOLDS.medium * 1000 ? 'medium' : 'simple';
}

function inputDigest(input: string): string {
  return createHash('sha256').update(input.trim().toLowerCase()).digest('hex').slice(0, 16);
}

/** A routed request's record. Two literal shapes rather than a conditional spread: fixed-shape objects keep JSON.stringify fast. */
function routedRecord(p: Routed, ts: string, m: DemoModel, s: Served, idealModel: string): DemoRecord {
  const route = `${p.served}_complexity`;
  const cost = s.costNano / 1e9;
  return p.retryOf
    ? {
      ts, request_id: p.id, session_id: p.session, user_id: p.user, input: p.input, model: m.model, route,
      score: p.score!, ideal: idealModel, input_tokens: p.inTokens, output_tokens: s.outTokens, cost_usd: cost, cache_key: s.key,
      cache_hit: s.isHit, retry_of: p.retryOf, status: 'success', latency_ms: s.latency, provider: m.provider,
    }
    : {
      ts, request_id: p.id, session_id: p.session, user_id: p.user, input: p.input, model: m.model, route,
      score: p.score!, ideal: idealModel, input_tokens: p.inTokens, output_tokens: s.outTokens, cost_usd: cost, cache_key: s.key,
      cache_hit: s.isHit, status: 'success', latency_ms: s.latency, provider: m.provider,
    };
}

/** A deliberately broken copy of a record, under a fresh id, that a loader must reject. */
function badLine(rec: DemoRecord, kind: BadKind, id: string): string {
  const copy: Record<string, unknown> = { ...rec, request_id: id };
  delete copy['retry_of'];
  switch (kind) {
    case 'truncated': {
      const text = JSON.stringify(copy);
      return text.slice(0, Math.floor(text.length * 0.6));
    }
    case 'negative_tokens':
      copy['output_tokens'] = -Math.max(1, rec.output_tokens);
      break;
    case 'bad_ts':
      copy['ts'] = `${rec.ts.slice(0, 10)}T25:${rec.ts.slice(14, 19)}Z`;
      break;
    case 'bad_cost':
      copy['cost_usd'] = 'n/a';
      break;
  }
  return JSON.stringify(copy);
}

function drawInput(kind: Kind, r: Rng, popularWeights: readonly number[], chatWeights: readonly number[]): { input: string; popularIndex: number } {
  switch (kind) {
    case 'chat': {
      const base = P.CHIT_CHAT[r.weighted(chatWeights)]![0];
      const x = r.next();
      const recased = base.toLowerCase() === base ? capitalize(base) : base.toLowerCase();
      const input = x < 0.7 ? base : x < 0.82 ? recased : base + r.pick(P.CHAT_SUFFIXES);
      return { input, popularIndex: -1 };
    }
    case 'popular': {
      const index = r.weighted(popularWeights);
      const forms = POPULAR_FORMS[index]!;
      const canonical = forms[0]!;
      const x = r.next();
      // Case variants share a cache key (the key lower-cases); punctuation and word order do not.
      const input =
        x < 0.55 ? canonical
        : x < 0.75 ? canonical.toLowerCase()
        : x < 0.87 ? canonical.replace(/\?$/, '')
        : forms.length > 1 ? r.pick(forms.slice(1))
        : canonical;
      return { input, popularIndex: index };
    }
    case 'simple':
      return { input: fill(r.pick(P.SIMPLE_TEMPLATES), r), popularIndex: -1 };
    case 'medium':
      return { input: fill(r.pick(P.MEDIUM_TEMPLATES), r), popularIndex: -1 };
    case 'hard':
      return { input: fill(r.pick(P.HARD_TEMPLATES), r), popularIndex: -1 };
  }
}

/** Hand-written popular questions first (most asked), then the generated how-to long tail. */
const POPULAR_FORMS: readonly (readonly string[])[] = [
  ...P.POPULAR,
  ...P.HOWTO_TASKS.flatMap((task, i) =>
    P.HOWTO_LANGS.map((lang, j) => {
      const q = `How do I ${task} in ${lang}?`;
      // Every third one also gets a word-order paraphrase.
      return (i + j) % 3 === 0 ? [q, `${lang}: how to ${task}?`] : [q];
    })),
];

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Fills {slot}s left to right; each slot draws from its list. */
function fill(template: string, r: Rng): string {
  const unit = r.pick(P.UNITS);
  const pair = r.pick(P.PAIRS);
  const code = r.pick(P.CODE_LANGS);
  return template.replace(/\{(\w+)\}/g, (_m, slot: string) => {
    switch (slot) {
      case 'city': return r.pick(P.CITIES);
      case 'country': return r.pick(P.COUNTRIES);
      case 'lang': return r.pick(P.LANGS);
      case 'phrase': return r.pick(P.PHRASES);
      case 'unit': return unit[0];
      case 'unit2': return unit[1];
      case 'word': return r.pick(P.WORDS);
      case 'topic': return r.pick(P.TOPICS_SHORT);
      case 'n': return String(r.pick([2, 3, 5, 8, 10, 12, 15, 20, 25, 40, 50, 100, 250]));
      case 'm': return String(r.pick([3, 4, 6, 7, 9, 12, 30, 45, 60, 80, 120, 400]));
      case 'k': return String(r.int(2, 7));
      case 'p': return String(r.pick([5, 10, 12, 15, 20, 25, 30]));
      case 'g': return String(r.pick([2, 3, 5, 8]));
      case 'code': return code;
      case 'code2': return r.pick(P.CODE_LANGS.filter((c) => c !== code));
      case 'snippet': return r.pick(P.SNIPPETS);
      case 'doc': return r.pick(P.DOCS);
      case 'tone': return r.pick(P.TONES);
      case 'audience': return r.pick(P.AUDIENCES);
      case 'a': return pair[0];
      case 'b': return pair[1];
      case 'thing': return r.pick(P.REGEX_THINGS);
      case 'file': return `${r.pick(['notes', 'spec', 'report', 'thread', 'export', 'minutes'])}-${r.int(100, 9999)}.${r.pick(['pdf', 'docx', 'txt', 'md'])}`;
      case 'ticket': return `${r.pick(['ticket', 'issue', 'PR', 'case'])} #${r.int(1000, 99999)}`;
      case 'path': return `${r.pick(['src', 'lib', 'app', 'pkg', 'internal'])}/${r.pick(['utils', 'handlers', 'jobs', 'api', 'db', 'auth'])}/${r.pick(['index', 'main', 'worker', 'client', 'store', 'retry'])}${r.int(1, 40)}`;
      case 'system': return r.pick(P.SYSTEMS);
      case 'company': return r.pick(P.COMPANIES);
      case 'venue': return r.pick(P.VENUES);
      case 'weeks': return String(r.int(6, 16));
      case 'rps': return r.pick(['500', '2,000', '10,000', '50,000', '250,000']);
      case 'theorem': return r.pick(P.THEOREMS);
      case 'len': return String(r.pick([800, 1200, 1500, 2000, 3000]));
      case 'essay': return r.pick(P.ESSAYS);
      case 'size': return String(r.pick([6, 12, 25, 40, 80]));
      case 'algo': return r.pick(P.ALGOS);
      case 'flow': return r.pick(P.FLOWS);
      case 'story': return r.pick(P.STORIES);
      default: return slot;
    }
  });
}

/** Prompt tokens include the system prompt and any attached context; completion size follows the kind. */
function drawTokens(kind: Kind, input: string, r: Rng): { inTokens: number; outTokens: number } {
  const text = Math.ceil(input.length / 4);
  switch (kind) {
    case 'chat': return { inTokens: text + r.int(8, 40), outTokens: r.int(4, 30) };
    case 'simple': return { inTokens: text + r.int(20, 120), outTokens: r.int(25, 220) };
    case 'popular': return { inTokens: text + r.int(20, 120), outTokens: r.int(180, 480) };
    case 'medium': return { inTokens: text + r.int(150, 2500), outTokens: r.int(150, 750) };
    case 'hard': return { inTokens: text + r.int(60, 1800), outTokens: r.int(600, 2400) };
  }
}
