import { REMOTE_DATA_JSON_URL } from '@pydantic/genai-prices';
import { UsageError, UserError } from '../errors.js';

/**
 * Where `routecheck prices watch` fetches model and price lists from, and how.
 *
 * Sources come from the config (`prices_watch.sources`) or from repeated `--source FORMAT[=URL]`
 * flags (the flags replace the config's list for that run). Each source's snapshots are keyed by its
 * `name`, so renaming a source starts a new history, and pointing a name at another URL compares the
 * new list with the old one.
 *
 * API keys are read from the environment only when a source that needs one is used, and never
 * appear in messages.
 */

export type WatchFormat = 'genai-prices' | 'openrouter' | 'openai' | 'anthropic';
export const WATCH_FORMATS: readonly WatchFormat[] = ['genai-prices', 'openrouter', 'openai', 'anthropic'];

/** Formats that carry prices; the others are model lists only (new/removed models, no prices). */
export const PRICED_FORMATS: ReadonlySet<WatchFormat> = new Set(['genai-prices', 'openrouter']);

/**
 * The well-known URL of each format, used when a source gives none. genai-prices: the URL the
 * bundled @pydantic/genai-prices package itself updates from (its REMOTE_DATA_JSON_URL).
 */
export const DEFAULT_URLS: Record<WatchFormat, string> = {
  'genai-prices': REMOTE_DATA_JSON_URL,
  openrouter: 'https://openrouter.ai/api/v1/models',
  openai: 'https://api.openai.com/v1/models',
  anthropic: 'https://api.anthropic.com/v1/models',
};

/** The Anthropic API version header value; /v1/models has been stable under it. */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface WatchSource {
  /** Unique within a run; snapshots are stored under this name. */
  name: string;
  url: string;
  format: WatchFormat;
}

/** `prices_watch` from the config, validated. Every field is optional. */
export interface WatchConfig {
  sources: WatchSource[];
  timeout?: string;
  webhook?: string;
}

/** Pure: the raw `prices_watch` value → WatchConfig, or a UsageError naming the file and field. */
export function normalizeWatchConfig(raw: unknown, file: string | undefined): WatchConfig {
  const where = `${file ?? 'config'}: "prices_watch`;
  if (raw === undefined) return { sources: [] };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`${where}" must be an object like {"sources": [{"name", "url", "format"}]}`);
  }
  const obj = raw as Record<string, unknown>;
  const config: WatchConfig = { sources: [] };
  if (obj['sources'] !== undefined) {
    if (!Array.isArray(obj['sources'])) throw new UsageError(`${where}.sources" must be an array of {"name", "url", "format"}`);
    obj['sources'].forEach((s, i) => {
      const at = `${where}.sources[${i}]`;
      if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new UsageError(`${at}" must be an object {"name", "url", "format"}`);
      const src = s as Record<string, unknown>;
      const format = parseFormat(src['format'], `${at}.format"`);
      const name = src['name'] === undefined ? format : nonEmpty(src['name'], `${at}.name"`);
      const url = src['url'] === undefined ? DEFAULT_URLS[format] : parseHttpUrl(src['url'], `${at}.url"`);
      config.sources.push({ name, url, format });
    });
    ensureUniqueNames(config.sources, (name) => `${where}.sources": two sources are named "${name}"; names must be unique`);
  }
  if (obj['timeout'] !== undefined) {
    config.timeout = nonEmpty(obj['timeout'], `${where}.timeout"`);
    parseTimeout(config.timeout, `${where}.timeout"`);
  }
  if (obj['webhook'] !== undefined) config.webhook = parseHttpUrl(obj['webhook'], `${where}.webhook"`);
  return config;
}

/** Pure: `--source openrouter` or `--source openrouter=https://…` → a source named after its format. */
export function parseSourceFlag(text: string): WatchSource {
  const eq = text.indexOf('=');
  const formatText = (eq < 0 ? text : text.slice(0, eq)).trim();
  const format = parseFormat(formatText, `--source "${text}": the format`);
  const url = eq < 0 ? DEFAULT_URLS[format] : parseHttpUrl(text.slice(eq + 1).trim(), `--source "${text}": the URL`);
  return { name: format, url, format };
}

/** The flags replace the config's sources for this run; with neither, there is nothing to watch. */
export function resolveSources(config: WatchConfig, flags: string[] | undefined): WatchSource[] {
  if (flags && flags.length > 0) {
    const sources = flags.map(parseSourceFlag);
    ensureUniqueNames(sources, (name) => `--source ${name} is given twice; to watch two ${name} URLs, name them in the config's prices_watch.sources`);
    return sources;
  }
  if (config.sources.length === 0) {
    throw new UsageError(
      `prices watch needs sources: --source FORMAT[=URL] (formats: ${WATCH_FORMATS.join(', ')}) or "prices_watch": {"sources": [...]} in the config`,
    );
  }
  return config.sources;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i;

/** Pure: `10s`, `500ms`, `2m`, or a plain number of seconds → milliseconds (at most 10 minutes). */
export function parseTimeout(text: string, what = '--timeout'): number {
  const m = DURATION.exec(text.trim());
  const unit = (m?.[2] ?? 's').toLowerCase();
  const ms = m ? Number(m[1]) * (unit === 'ms' ? 1 : unit === 'm' ? 60_000 : 1000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 600_000) {
    throw new UsageError(`${what} "${text}" must be a duration like 10s, 500ms or 2m (at most 10m)`);
  }
  return Math.round(ms);
}

/** Pure: an http(s) URL, else a UsageError naming `what`. */
export function parseHttpUrl(value: unknown, what: string): string {
  const text = nonEmpty(value, what);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what} "${text}" must be an http or https URL`);
  return text;
}

/**
 * Pure: the headers a source needs. OpenAI takes a Bearer token, Anthropic an x-api-key plus an API
 * version; the keys come from `env` and a missing one is a usage error (exit 2) naming the variable.
 */
export function requestHeaders(source: WatchSource, env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'routecheck-prices-watch' };
  if (source.format === 'openai') {
    headers['authorization'] = `Bearer ${requireKey(env, 'OPENAI_API_KEY', source)}`;
  } else if (source.format === 'anthropic') {
    headers['x-api-key'] = requireKey(env, 'ANTHROPIC_API_KEY', source);
    headers['anthropic-version'] = ANTHROPIC_VERSION;
  }
  return headers;
}

/** A source could not be fetched or read: one line naming it; the run exits 2. */
export class SourceError extends UserError {
  readonly source: string;
  constructor(source: WatchSource, message: string) {
    super(`source "${source.name}": ${message}`, 2);
    this.name = 'SourceError';
    this.source = source.name;
  }
}

export interface FetchOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** Anthropic pages its list (default 20 a page); more pages than this means a loop, not a list. */
const MAX_PAGES = 50;

/**
 * Fetches a source's payload as parsed JSON. Anthropic's paged list is followed (`has_more`,
 * `after_id`) and returned as one `{data: [...]}`; every request gets its own timeout.
 * Throws SourceError with a one-line reason (timeout, network, HTTP status, not JSON).
 */
export async function fetchSource(source: WatchSource, options: FetchOptions): Promise<unknown> {
  const headers = requestHeaders(source, options.env);
  if (source.format !== 'anthropic') return fetchJson(source, source.url, headers, options);
  const data: unknown[] = [];
  let url = new URL(source.url);
  if (!url.searchParams.has('limit')) url.searchParams.set('limit', '1000');
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await fetchJson(source, url.toString(), headers, options);
    // Shape errors are the parser's to report; only follow pages that look like pages.
    if (body === null || typeof body !== 'object' || !Array.isArray((body as { data?: unknown }).data)) return body;
    const pageBody = body as { data: unknown[]; has_more?: unknown; last_id?: unknown };
    data.push(...pageBody.data);
    if (pageBody.has_more !== true || typeof pageBody.last_id !== 'string') return { data };
    url = new URL(url);
    url.searchParams.set('after_id', pageBody.last_id);
  }
  throw new SourceError(source, `more than ${MAX_PAGES} pages from ${source.url}; stopped`);
}

async function fetchJson(source: WatchSource, url: string, headers: Record<string, string>, options: FetchOptions): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  // One signal for the whole exchange: it also aborts a body that stops arriving half-way.
  const signal = AbortSignal.timeout(options.timeoutMs);
  let text: string;
  try {
    const response = await doFetch(url, { headers, signal, redirect: 'follow' });
    text = await response.text();
    if (!response.ok) {
      const detail = errorDetail(text);
      throw new SourceError(source, `HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''} from ${url}${detail ? `: ${detail}` : ''}`);
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || (name === 'AbortError' && signal.aborted)) {
      throw new SourceError(source, `timed out after ${formatMs(options.timeoutMs)} fetching ${url}`);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SourceError(source, `cannot fetch ${url}: ${oneLine(String(reason), 120)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SourceError(source, `the response from ${url} is not JSON (starts with "${oneLine(text, 40)}")`);
  }
}

/**
 * POSTs a Slack-compatible JSON message (`{"text", "blocks"}`) to an incoming-webhook URL. Throws
 * UserError (exit 2) with one line when it cannot be delivered (timeout, network, non-2xx).
 */
export async function postWebhook(url: string, message: unknown, options: { timeoutMs: number; fetch?: typeof fetch }): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs);
  // The host only: a Slack webhook URL is a secret and must not end up in cron mail.
  const where = new URL(url).host;
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'routecheck-prices-watch' },
      body: JSON.stringify(message),
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw new UserError(`webhook ${where} answered HTTP ${response.status}${text ? `: ${oneLine(text, 80)}` : ''}`, 2);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError') throw new UserError(`webhook ${where} timed out after ${formatMs(options.timeoutMs)}`, 2);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UserError(`webhook ${where} cannot be reached: ${oneLine(String(cause?.code ?? cause?.message ?? (error as Error).message), 120)}`, 2);
  }
}

/** The provider's own error message when the body is `{"error": {"message": …}}`, else a short excerpt. */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof body.error === 'string' ? body.error : body.error?.message ?? body.message;
    if (typeof message === 'string') return oneLine(message, 120);
  } catch {
    // not JSON: fall through to the excerpt
  }
  return oneLine(text, 80);
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1) + '…';
}

function requireKey(env: NodeJS.ProcessEnv, variable: string, source: WatchSource): string {
  const key = env[variable];
  if (!key) throw new UsageError(`source "${source.name}" (${source.format}) needs ${variable} in the environment`);
  return key;
}

function parseFormat(value: unknown, what: string): WatchFormat {
  if (typeof value !== 'string' || !WATCH_FORMATS.includes(value as WatchFormat)) {
    throw new UsageError(`${what} must be one of ${WATCH_FORMATS.join(', ')}${typeof value === 'string' ? ` (got "${value}")` : ''}`);
  }
  return value as WatchFormat;
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${what} must be a non-empty string`);
  return value.trim();
}

function ensureUniqueNames(sources: WatchSource[], message: (name: string) => string): void {
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.name)) throw new UsageError(message(s.name));
    seen.add(s.name);
  }
}
