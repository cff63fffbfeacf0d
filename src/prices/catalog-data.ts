import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { updatePrices, waitForUpdate, type Provider } from '@pydantic/genai-prices';
import { UsageError } from '../errors.js';
import type { CatalogStatus } from './views.js';

/**
 * The genai-prices data the catalog matches against: the snapshot bundled in the installed package, or a newer
 * copy that `routecheck prices update` downloaded into a local file. Matching itself stays the library's
 * (`calcPrice`, `findProvider`): a file's data is handed to the library with its own `updatePrices` hook, so a
 * downloaded catalog is matched by exactly the rules of the bundled one.
 *
 * The library keeps one active data set per process. `activate()` makes a catalog's data the active one before its
 * (synchronous) lookups, so two catalogs in one process (tests, or a run comparing them) never see each other's data.
 *
 * A downloaded file is `{"routecheck_price_catalog": 1, "source_url", "downloaded_at", "providers": [...]}`, the
 * providers exactly as the data JSON lists them; a plain genai-prices data JSON (an array of providers) is accepted
 * too, dated by the file's modification time.
 */
export interface CatalogInfo {
  name: 'genai-prices';
  /** `bundled`: the installed package's snapshot; `file`: a local data file (`prices update`). */
  source: 'bundled' | 'file';
  /** The package version (bundled); null for a file. */
  version: string | null;
  /** YYYY-MM-DD: the bundled package's release date or the file's download date; null when unknown. */
  date: string | null;
  url: string | null;
  file: string | null;
  providers: number;
  models: number;
}

export interface CatalogData {
  info: CatalogInfo;
  providers: readonly Provider[];
}

/** A file that is not genai-prices data (or not readable): one line naming it. Exit 2. */
export class CatalogFileError extends UsageError {}

/**
 * The bundled package's npm release date, the newest its data can be. Pinned to the version it belongs to:
 * test/prices.update.test.ts fails when the installed package is another version, so an upgrade updates both.
 */
export const BUNDLED_RELEASE = { version: '0.1.8', date: '2026-09-23' } as const;

/** How old (days) a catalog may be before reports warn that its prices may be out of date. */
export const STALE_AFTER_DAYS = 60;

/** The bundled data, captured before anything can replace it (the library starts with it active). */
const BUNDLED_PROVIDERS: readonly Provider[] = (await waitForUpdate()) ?? [];

function bundledVersion(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}

const countModels = (providers: readonly Provider[]): number => providers.reduce((s, p) => s + p.models.length, 0);

export const BUNDLED: CatalogData = (() => {
  const version = bundledVersion();
  return {
    info: {
      name: 'genai-prices',
      source: 'bundled',
      version,
      date: version === BUNDLED_RELEASE.version ? BUNDLED_RELEASE.date : null,
      url: null,
      file: null,
      providers: BUNDLED_PROVIDERS.length,
      models: countModels(BUNDLED_PROVIDERS),
    },
    providers: BUNDLED_PROVIDERS,
  };
})();

let active: CatalogData = BUNDLED;

/** Makes `data` the library's active data (a no-op when it already is). Throws what the library throws on bad data. */
export function activate(data: CatalogData): void {
  if (active === data) return;
  updatePrices(({ setProviderData }) => setProviderData(data.providers as Provider[]));
  active = data;
}

/**
 * Pure: a parsed data JSON (the providers array, or routecheck's wrapper around it) → the providers, or an Error
 * whose message says what is wrong. Checks the shape the matching relies on, not every price key.
 */
export function catalogProviders(payload: unknown): Provider[] {
  const list = Array.isArray(payload) ? payload : (payload as { providers?: unknown } | null)?.providers;
  if (!Array.isArray(list)) throw new Error('expected an array of providers (genai-prices data JSON)');
  if (list.length === 0) throw new Error('the list of providers is empty');
  list.forEach((p: unknown, i) => {
    const where = `providers[${i}]`;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new Error(`${where} is not an object`);
    const provider = p as Record<string, unknown>;
    if (typeof provider['id'] !== 'string' || provider['id'] === '') throw new Error(`${where}.id is not a string`);
    if (!Array.isArray(provider['models'])) throw new Error(`${where} (${provider['id']}).models is not an array`);
    provider['models'].forEach((m: unknown, j) => {
      const at = `${where} (${provider['id']}).models[${j}]`;
      if (m === null || typeof m !== 'object') throw new Error(`${at} is not an object`);
      const model = m as Record<string, unknown>;
      if (typeof model['id'] !== 'string') throw new Error(`${at}.id is not a string`);
      if (model['match'] === null || typeof model['match'] !== 'object') throw new Error(`${at} (${model['id']}).match is not an object`);
      const prices = model['prices'];
      if (prices === null || typeof prices !== 'object') throw new Error(`${at} (${model['id']}).prices is not an object or a list`);
    });
  });
  const ids = new Set(list.map((p) => (p as { id: string }).id));
  for (const required of ['openai', 'anthropic']) {
    if (!ids.has(required)) throw new Error(`no "${required}" provider: not a complete genai-prices catalog`);
  }
  return list as Provider[];
}

/** Checks `providers` with the library itself (it refuses malformed price constraints), leaving the active data as it was. */
export function libraryCheck(providers: readonly Provider[]): void {
  const before = active;
  const trial: CatalogData = { info: { ...BUNDLED.info, source: 'file' }, providers };
  try {
    // The library converts the data before it swaps it in, so a throw leaves the active data untouched.
    activate(trial);
  } finally {
    activate(before);
  }
}

interface WrappedCatalog {
  routecheck_price_catalog: 1;
  source_url: string;
  downloaded_at: string;
  providers: unknown[];
}

const fileCache = new Map<string, { stamp: string; data: CatalogData }>();

/** Reads a catalog file written by `prices update` (or a plain genai-prices data JSON). Cached per path and mtime. */
export function loadCatalogFile(path: string): CatalogData {
  let stamp: string;
  let mtime: Date;
  try {
    const st = statSync(path);
    stamp = `${st.mtimeMs}:${st.size}`;
    mtime = st.mtime;
  } catch (error) {
    throw new CatalogFileError(`price catalog ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const cached = fileCache.get(path);
  if (cached && cached.stamp === stamp) return cached.data;
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CatalogFileError(`price catalog ${path}: not JSON (${(error as Error).message}); run routecheck prices update again, or remove the file`);
  }
  let providers: Provider[];
  try {
    providers = catalogProviders(payload);
  } catch (error) {
    throw new CatalogFileError(`price catalog ${path}: ${(error as Error).message}; run routecheck prices update again, or remove the file`);
  }
  const wrapped = !Array.isArray(payload) ? (payload as Partial<WrappedCatalog>) : null;
  const downloaded = typeof wrapped?.downloaded_at === 'string' && !Number.isNaN(Date.parse(wrapped.downloaded_at)) ? new Date(wrapped.downloaded_at) : mtime;
  const data: CatalogData = {
    info: {
      name: 'genai-prices',
      source: 'file',
      version: null,
      date: downloaded.toISOString().slice(0, 10),
      url: typeof wrapped?.source_url === 'string' ? wrapped.source_url : null,
      file: path,
      providers: providers.length,
      models: countModels(providers),
    },
    providers,
  };
  fileCache.set(path, { stamp, data });
  return data;
}

/**
 * Writes a downloaded catalog atomically: a temp file in the same folder, then a rename over the old one, so a
 * reader sees the old file or the new one, never half of one; on any failure the old file is left as it was.
 */
export function writeCatalogFile(path: string, providers: readonly Provider[], sourceUrl: string, downloadedAt: Date): void {
  const body: WrappedCatalog = {
    routecheck_price_catalog: 1,
    source_url: sourceUrl,
    downloaded_at: downloadedAt.toISOString(),
    providers: providers as unknown[],
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(body) + '\n');
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** `$XDG_CACHE_HOME/routecheck/prices.json`, else `~/.cache/…` (`%LOCALAPPDATA%\routecheck\…` on Windows); null without either. */
export function defaultCatalogPath(env: NodeJS.ProcessEnv): string | null {
  const xdg = env['XDG_CACHE_HOME']?.trim();
  if (xdg) return join(xdg, 'routecheck', 'prices.json');
  const local = env['LOCALAPPDATA']?.trim();
  if (local) return join(local, 'routecheck', 'prices.json');
  const home = env['HOME']?.trim() || env['USERPROFILE']?.trim();
  return home ? join(home, '.cache', 'routecheck', 'prices.json') : null;
}

/** Whether a file exists at `path` (a catalog that was never downloaded is not an error: the bundled one is used). */
export function catalogFileExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Days from the catalog's date to `now` (whole days, UTC), or null when the date is unknown. */
export function catalogAgeDays(info: CatalogInfo, now: Date): number | null {
  if (info.date === null) return null;
  return Math.floor((now.getTime() - Date.parse(`${info.date}T00:00:00Z`)) / 86_400_000);
}

/** What a report says about the catalog it priced with: source, date, and whether it is old enough to warn about. */
export function catalogStatus(info: CatalogInfo, now: Date): CatalogStatus {
  const age = catalogAgeDays(info, now);
  return { ...info, age_days: age, stale_after_days: STALE_AFTER_DAYS, stale: age !== null && age > STALE_AFTER_DAYS };
}
