import type { PricePeriod } from './catalog.js';
import type { CatalogInfo } from './catalog-data.js';
import type { ModelIdentity } from './identity.js';

/**
 * What the price commands and sections report about prices, as plain JSON-ready types: `prices show`, `prices
 * check`, and the unpriced/discrepancy/price-source parts of the tokens-per-dollar section. Renderers draw these.
 */
/**
 * Requests whose cost is unknown because no price applies: no logged cost (or a gateway's default $0), and neither the
 * price file nor the catalog prices the model for the request's provider, time and service tier. The unpriced gate's
 * share. Requests of a priced model that lack token counts are not here: they are NoTokenCounts.
 */
export interface Unpriced {
  requests: number;
  share: number;
  models: {
    model: string;
    provider: string | null;
    requests: number;
    share: number;
    /**
     * The price file or catalog has a price for the model, but none applies to these requests (another service tier,
     * a date before the price starts); false: no price for it at all.
     */
    catalog_priced: boolean;
    /** Of them, requests whose gateway logged $0 because it could not price them either (formats/types.ts). */
    logged_zero: number;
    /** Of them, requests in a service tier with no rate (batch, flex, priority) of a model that has a list price. */
    no_tier_rate: number;
    /** The service tiers other than default among them. */
    service_tiers: string[];
  }[];
}

/**
 * Requests whose cost is unknown because they carry no token counts, though a price applies (streaming OTel spans,
 * OpenInference spans without llm.token_count.*): nothing to multiply the price by. Their spend is unknown and in no
 * total; a price file cannot help, mapping the token fields (--map) or logging usage can.
 */
export interface NoTokenCounts {
  requests: number;
  share: number;
  models: { model: string; provider: string | null; requests: number; share: number }[];
}

export interface Discrepancy {
  model: string;
  /** First day of the gap (YYYY-MM-DD). */
  since: string;
  /** Logged cost over list-price cost − 1, over the weeks with a gap. */
  logged_vs_catalog: number;
  requests: number;
  /** The list price compared against. */
  price: string | null;
}

export interface PriceSource {
  model: string;
  provider: string | null;
  requests: number;
  /** The price in force at the end of the window: user file, catalog, or none. */
  source: 'user' | 'catalog' | null;
  origin: string | null;
}

/**
 * The genai-prices data a run priced with (the bundled snapshot, or a file `prices update` downloaded), its date and
 * age at the run's time; `stale` when older than `stale_after_days` (60).
 */
export interface CatalogStatus extends CatalogInfo {
  age_days: number | null;
  /** Older than this many days is stale. */
  stale_after_days: number;
  stale: boolean;
}

/** What `prices update` did. */
export interface PriceUpdate {
  file: string;
  url: string;
  downloaded_at: string;
  providers: number;
  models: number;
  /** The catalog the file held before (null: there was none, runs used the bundled snapshot). */
  previous: CatalogInfo | null;
}

export interface PriceShow {
  model: string;
  provider: string | null;
  identity: Omit<ModelIdentity, 'name'> & { name: string };
  at: string;
  /** The price in force at `at` for a request below any long-context threshold; null: unpriced. */
  price: PeriodJson | null;
  periods: PeriodJson[];
  catalog: CatalogStatus;
  price_file: string | null;
}

/** A price period (catalog.ts) as JSON: the same fields, its bounds as ISO text. */
export type PeriodJson = Omit<PricePeriod, 'from' | 'to'> & { from: string | null; to: string | null };

export interface PriceCheck {
  window: { from: string | null; to: string | null };
  requests: number;
  models: { model: string; provider: string | null; requests: number; unpriced: number; source: 'user' | 'catalog' | null; origin: string | null }[];
  unpriced: Unpriced;
  no_token_counts: NoTokenCounts;
  discrepancies: Discrepancy[];
  price_file: string | null;
  catalog: CatalogStatus;
}

