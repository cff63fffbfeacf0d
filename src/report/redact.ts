import { createHash } from 'node:crypto';
import { seedLogLine } from '../analyses/deviation.js';
import type { RedactMode } from '../settings.js';
import type { Report } from './report.js';

/**
 * `--redact`: what the report shows of the text it quotes from the logs, applied in one pass over the built report
 * (buildReport's last step), so every format (table, markdown, HTML, CSV, JSON, Prometheus, the check) draws the
 * same redacted values. The report quotes log text in exactly these places, and redactReport covers each:
 *
 * - prompts: `cache.top_clusters[].sample`, `deviation.examples[].input` (and the `line` made from it),
 *   `classifier.jitter.top[].input`;
 * - raw records: `rejects.examples[].raw` (which may hold user ids, emails, whole prompts).
 *
 * Modes: `none` keeps them as logged; `truncate` (the default) cuts a prompt to PROMPT_CHARS characters and a raw
 * record to RAW_CHARS, each of its string values first cut to RAW_VALUE_CHARS (the record's shape stays readable);
 * `hash` replaces a prompt by the first 12 hex digits of its SHA-256 and every string value of a raw record (user
 * and session ids among them) by the same hash of the value, keys and numbers kept. The hash is of the whole
 * text, as `export --redact hash` writes it: `left(sha256(input), 12)` in DuckDB finds the request.
 *
 * A section that adds a key quoting log text adds it here; test/hostile.test.ts puts a marker prompt and user id
 * in every field of a log and checks that no format shows them whole.
 */

export const PROMPT_CHARS = 200;
export const RAW_CHARS = 500;
export const RAW_VALUE_CHARS = 100;
export const HASH_HEX = 12;

/** The first 12 hex digits of the SHA-256 of the text's UTF-8 bytes (DuckDB: `left(sha256(text), 12)`). */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_HEX);
}

/** At most `max` characters, the last one `…` when cut; never half a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let head = text.slice(0, max - 1);
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return head + '…';
}

export function redactPrompt(text: string, mode: RedactMode): string {
  if (mode === 'none') return text;
  return mode === 'hash' ? textHash(text) : cutText(text, PROMPT_CHARS);
}

/** A JSON string literal, and whether a `:` follows it (a key). Also matches the unterminated last one of a cut record. */
const STRING = /"((?:[^"\\]|\\.)*)("|$)(\s*:)?/g;

/**
 * A raw record: JSON-like text has each string value cut (truncate) or hashed (hash), keys and other values kept;
 * any other text is cut, or hashed whole. The result is at most RAW_CHARS characters.
 */
export function redactRaw(raw: string, mode: RedactMode): string {
  if (mode === 'none') return raw;
  if (!/^\s*[[{]/.test(raw)) return mode === 'hash' ? textHash(raw) : cutText(raw, RAW_CHARS);
  const values = raw.replace(STRING, (whole, body: string, close: string, colon: string | undefined) => {
    if (colon !== undefined) return whole;
    if (mode === 'hash') return `"${textHash(decoded(body))}${close}`;
    return body.length <= RAW_VALUE_CHARS ? whole : `"${cutEscaped(body, RAW_VALUE_CHARS)}${close}`;
  });
  return cutText(values, RAW_CHARS);
}

/** The value of a JSON string literal's body (its escapes read); the body as is when it does not parse. */
function decoded(body: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}

/** A literal's body cut to `max` characters with `…`, without leaving half an escape (`\`, `\u00e`). */
function cutEscaped(body: string, max: number): string {
  let head = body.slice(0, max - 1).replace(/\\u[0-9a-fA-F]{0,3}$/, '');
  const slashes = /\\*$/.exec(head)![0].length;
  if (slashes % 2 === 1) head = head.slice(0, -1);
  return head + '…';
}

/** The report with every quoted log text redacted as `mode` says (a new object; the input is not changed). */
export function redactReport(report: Report, mode: RedactMode): Report {
  if (mode === 'none') return report;
  const prompt = (text: string | null): string | null => (text === null ? null : redactPrompt(text, mode));
  const out: Report = {
    ...report,
    rejects: { ...report.rejects, examples: report.rejects.examples.map((e) => ({ ...e, raw: e.raw === null ? null : redactRaw(e.raw, mode) })) },
  };
  if (report.cache?.available) {
    out.cache = { ...report.cache, top_clusters: report.cache.top_clusters.map((t) => ({ ...t, sample: redactPrompt(t.sample, mode) })) };
  }
  if (report.deviation) {
    out.deviation = {
      ...report.deviation,
      examples: report.deviation.examples.map((e) => {
        const redacted = { ...e, input: prompt(e.input) };
        return { ...redacted, line: seedLogLine(redacted) };
      }),
    };
  }
  if (report.classifier) {
    out.classifier = {
      ...report.classifier,
      jitter: { ...report.classifier.jitter, top: report.classifier.jitter.top.map((f) => ({ ...f, input: prompt(f.input) })) },
    };
  }
  return out;
}
