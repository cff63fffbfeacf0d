import type { Config } from '../config.js';
import { UsageError } from '../errors.js';

/**
 * What the cache section takes from the config ("cache": {"ttl_hours", "similarity"}) and the flags
 * (--cache-ttl, --similarity), validated once; and the TTL inference rule.
 */
export const DEFAULT_TTL_SECONDS = 24 * 3600;

export interface CacheSettings {
  /** An explicit TTL (--cache-ttl, else cache.ttl_hours); undefined: inferred from the log, else 24 h. */
  ttl?: { seconds: number; source: 'flag' | 'config' };
  /** --similarity, else cache.similarity; undefined: the embedder's default. */
  similarity?: number;
}

const CONFIG_FIELDS = ['ttl_hours', 'similarity'];

/** Pure: raw flags (commander names: cacheTtl, similarity) and the config → settings, or a UsageError. */
export function normalizeCacheSettings(options: Record<string, unknown>, config: Pick<Config, 'file' | 'raw'>): CacheSettings {
  const where = config.file ?? 'config';
  const settings: CacheSettings = {};
  const raw = config.raw['cache'];
  if (raw !== undefined) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new UsageError(`${where}: "cache" must be an object {"ttl_hours", "similarity"}`);
    }
    const obj = raw as Record<string, unknown>;
    const unknown = Object.keys(obj).filter((k) => !CONFIG_FIELDS.includes(k));
    if (unknown.length > 0) throw new UsageError(`${where}: "cache.${unknown[0]}" is not a known field (${CONFIG_FIELDS.join(', ')})`);
    if (obj['ttl_hours'] !== undefined) {
      const hours = obj['ttl_hours'];
      if (typeof hours !== 'number' || !(hours > 0) || !Number.isFinite(hours)) {
        throw new UsageError(`${where}: "cache.ttl_hours" must be a number of hours above 0`);
      }
      settings.ttl = { seconds: hours * 3600, source: 'config' };
    }
    if (obj['similarity'] !== undefined) settings.similarity = parseSimilarity(obj['similarity'], `${where}: "cache.similarity"`);
  }
  if (options['cacheTtl'] !== undefined) settings.ttl = { seconds: parseTtl(String(options['cacheTtl']), '--cache-ttl'), source: 'flag' };
  if (options['similarity'] !== undefined) settings.similarity = parseSimilarity(options['similarity'], '--similarity');
  return settings;
}

const TTL = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/i;
const TTL_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `15m`, `24h`, `2d` → seconds. Pure. */
export function parseTtl(text: string, what: string): number {
  const m = TTL.exec(text.trim());
  const seconds = m ? Number(m[1]) * TTL_UNIT[m[2]!.toLowerCase()]! : NaN;
  if (!(seconds >= 1)) throw new UsageError(`${what} "${text}" is not a duration of at least 1 second (90s, 15m, 24h, 2d)`);
  return seconds;
}

function parseSimilarity(value: unknown, what: string): number {
  const x = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!(x > 0 && x <= 1)) throw new UsageError(`${what} must be a cosine similarity above 0 and at most 1, got ${JSON.stringify(value)}`);
  return x;
}

/** TTLs people configure; an inferred TTL is the smallest of these at or above the longest write→hit gap. */
const ROUND_TTLS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400, 172800, 259200, 604800, 1209600, 2592000];

/** Pure: the longest observed gap between an entry's write and a hit on it → a TTL, or null with no evidence. */
export function inferTtl(maxGapSeconds: number | null): number | null {
  if (maxGapSeconds === null || !(maxGapSeconds > 0)) return null;
  return ROUND_TTLS.find((t) => t >= maxGapSeconds) ?? Math.ceil(maxGapSeconds / 86400) * 86400;
}

