import { CANONICAL_FIELDS, MAX_MAGNITUDE, type CanonicalName, type FieldKind } from './canonical.js';
import type { FieldTemplate, LogFormat } from './formats/types.js';
import { quoteIdent, quoteLiteral } from '../db/sql.js';
import { UsageError } from '../errors.js';

const PLACEHOLDER = /\{(\$[^{}]*)\}/g;

/**
 * Compiles a format's field templates into one SELECT over `source(line, raw)` that yields
 * `line, raw, keep, reason, record_key` and every canonical column, typed. Pure: no DuckDB here.
 *
 * Each record's JSON is parsed once (json_extract_string with the list of every path used; try() makes a record
 * that is not JSON a NULL list, so no json_valid pass is needed), which is what keeps this within reach of a bare
 * read_json; the layers below exist so that each conversion is computed once and the reject checks reuse it.
 */
export function compileMapping(format: LogFormat, source: string, options: MappingOptions = {}): string {
  const templates: Partial<Record<CanonicalName, FieldTemplate>> = {
    ...(format.fieldsFor && options.keys ? format.fieldsFor(options.keys) : format.fields),
  };
  for (const [field, path] of Object.entries(options.overrides ?? {})) {
    templates[field as CanonicalName] = `{${toJsonPath(path)}}`;
  }

  const paths: string[] = [];
  const substitute = (template: FieldTemplate): string =>
    template.replace(PLACEHOLDER, (_m, path: string) => {
      let index = paths.indexOf(path);
      if (index < 0) {
        paths.push(path);
        index = paths.length - 1;
      }
      return `j[${index + 1}]`;
    });

  const text = (name: string) => quoteIdent('t_' + name);
  const textColumns = CANONICAL_FIELDS.map((field) => {
    const template = templates[field.name];
    return `CAST(${template ? substitute(template) : 'NULL'} AS VARCHAR) AS ${text(field.name)}`;
  });
  const keepExpr = format.keep ? `coalesce(CAST(${substitute(format.keep)} AS BOOLEAN), false)` : 'true';
  const typed = CANONICAL_FIELDS.map((field) => {
    const scale = format.scale?.[field.name];
    const conv = convert(field.kind, text(field.name));
    return `${scale === undefined ? conv : `(${conv}) * ${scale}`} AS ${quoteIdent(field.name)}`;
  });
  const checks = CANONICAL_FIELDS.flatMap((field) => rejectChecks(field.name, field.kind));
  const pathList = paths.length > 0 ? `[${paths.map(quoteLiteral).join(', ')}]` : `CAST([] AS VARCHAR[])`;
  const canonical = CANONICAL_FIELDS.map((f) => quoteIdent(f.name)).join(', ');

  return `
SELECT line, raw, keep,
  CASE
    WHEN NOT valid THEN 'malformed JSON'
    ${checks.join('\n    ')}
  END AS reason,
  md5_number(CASE WHEN request_id IS NOT NULL THEN 'id:' || request_id ELSE 'raw:' || raw END) AS record_key,
  ${canonical}
FROM (
  SELECT *, ${typed.join(',\n    ')}
  FROM (
    SELECT line, raw, valid,
      CASE WHEN valid THEN ${keepExpr} ELSE true END AS keep,
      ${textColumns.join(',\n      ')}
    FROM (
      SELECT line, raw, ${paths.length > 0 ? 'j IS NOT NULL' : 'json_valid(raw)'} AS valid, j
      FROM (SELECT line, raw, try(json_extract_string(raw, ${pathList})) AS j FROM ${source})
    )
  )
)`;
}

export interface MappingOptions {
  /** --map field=json.path overrides. */
  overrides?: Record<string, string>;
  /** Top-level keys that occur in the file's records, for formats that build their fields from them. */
  keys?: ReadonlySet<string>;
}

function convert(kind: FieldKind, text: string): string {
  switch (kind) {
    case 'timestamp':
      return `rc_ts(${text})`;
    case 'count':
      return `rc_count(${text})`;
    case 'number':
    case 'money':
      return `rc_num(${text})`;
    case 'boolean':
      return `CASE WHEN rc_nullish(${text}) THEN NULL ELSE rc_bool(${text}) END`;
    case 'text':
      return `nullif(${text}, '')`;
    case 'service_tier':
      return `rc_service_tier(${text})`;
  }
}

/**
 * The reject reasons for one field, as CASE arms over its text (t_name) and typed (name) columns. With the macros'
 * conversions this makes the mapping total: every value either converts or gives its record a reason, so one bad
 * value never stops a file (NaN, "inf", 1e309, a 9.3e18 token count, a year-9999 time all end up here).
 */
function rejectChecks(name: string, kind: FieldKind): string[] {
  const t = quoteIdent('t_' + name);
  const v = quoteIdent(name);
  const shown = `left(${t}, 80)`;
  const reason = (text: string) => `${quoteLiteral(text)} || ${shown}`;
  // What a number that did not convert was: not a number, not finite (NaN, inf), or too large to be a measurement.
  const badNumber = (notNumber: string) => `WHEN ${v} IS NULL AND NOT rc_nullish(${t}) THEN CASE
        WHEN rc_double(${t}) IS NULL THEN ${reason(notNumber)}
        WHEN NOT isfinite(rc_double(${t})) THEN ${reason(`${name} is not a finite number: `)}
        WHEN abs(rc_double(${t})) > ${MAX_MAGNITUDE} THEN ${reason(`${name} out of range: `)}
        ELSE ${reason(notNumber)} END`;
  switch (kind) {
    case 'timestamp':
      return [
        `WHEN ${t} IS NULL OR trim(${t}) = '' THEN ${quoteLiteral(`missing ${name}`)}`,
        `WHEN ${v} IS NULL THEN ${reason(`unparseable ${name}: `)}`,
        `WHEN NOT rc_ts_in_range(${v}) THEN ${reason(`${name} out of range: `)}`,
      ];
    case 'count':
      return [badNumber(`${name} is not a whole number: `), `WHEN ${v} < 0 THEN ${reason(`negative ${name}: `)}`];
    case 'money':
      return [badNumber(`${name} is not a number: `), `WHEN ${v} < 0 THEN ${reason(`negative ${name}: `)}`];
    case 'number':
      return [badNumber(`${name} is not a number: `)];
    case 'boolean':
      return [`WHEN ${v} IS NULL AND NOT rc_nullish(${t}) THEN ${reason(`${name} is not true/false: `)}`];
    case 'text':
    case 'service_tier':
      return [];
  }
}

/**
 * `usage.prompt_tokens`, `$.usage.prompt_tokens` or `messages[0].content` → a DuckDB JSON path.
 * Keys that are not plain identifiers must be written quoted: `metadata."x-route"`.
 */
export function toJsonPath(path: string): string {
  const trimmed = path.trim();
  if (trimmed === '') throw new UsageError('--map needs a JSON path after "="');
  const body = trimmed.startsWith('$') ? trimmed.slice(1) : '.' + trimmed;
  if (!/^(\.("[^"]+"|[A-Za-z_][\w-]*)|\[\d+\])+$/.test(body)) {
    throw new UsageError(`--map path "${path}" is not a JSON path like usage.prompt_tokens or items[0].text`);
  }
  return '$' + body;
}

/** Parses `--map field=path` entries into {field: path}, naming the bad one. */
export function parseMapOption(entries: string[]): Record<string, string> {
  const known = new Set<string>(CANONICAL_FIELDS.map((f) => f.name));
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--map "${entry}" must look like field=json.path`);
    const field = entry.slice(0, eq).trim();
    if (!known.has(field)) {
      throw new UsageError(`--map "${entry}": unknown field "${field}" (fields: ${[...known].join(', ')})`);
    }
    out[field] = toJsonPath(entry.slice(eq + 1));
  }
  return out;
}
