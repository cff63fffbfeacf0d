import { CANONICAL_FIELDS, type CanonicalName, type FieldKind } from './canonical.js';
import type { FieldTemplate, LogFormat } from './formats/types.js';
import { quoteIdent, quoteLiteral } from '../db/sql.js';
import { UsageError } from '../errors.js';

const PLACEHOLDER = /\{(\$[^{}]*)\}/g;

/**
 * Compiles a format's field templates into one SELECT over `source(line, raw)` that yields
 * `line, raw, keep, reason` and every canonical column, typed. Pure: no DuckDB here.
 *
 * Each record's JSON is parsed once (json_extract_string with the list of every path used),
 * which is what keeps this within reach of a bare read_json.
 */
export function compileMapping(format: LogFormat, source: string, overrides: Record<string, string> = {}): string {
  const templates: Partial<Record<CanonicalName, FieldTemplate>> = { ...format.fields };
  for (const [field, path] of Object.entries(overrides)) {
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

  const textColumns = CANONICAL_FIELDS.map((field) => {
    const template = templates[field.name];
    const expr = template ? substitute(template) : 'NULL';
    return `CAST(${expr} AS VARCHAR) AS ${quoteIdent('t_' + field.name)}`;
  });
  const keepExpr = format.keep ? `coalesce(CAST(${substitute(format.keep)} AS BOOLEAN), false)` : 'true';

  const typed = CANONICAL_FIELDS.map((field) => {
    const scale = format.scale?.[field.name];
    const conv = convert(field.kind, quoteIdent('t_' + field.name));
    return `${scale === undefined ? conv : `(${conv}) * ${scale}`} AS ${quoteIdent(field.name)}`;
  });
  const checks = CANONICAL_FIELDS.flatMap((field) => rejectChecks(field.name, field.kind));
  const pathList = paths.length > 0 ? `[${paths.map(quoteLiteral).join(', ')}]` : `CAST([] AS VARCHAR[])`;

  return `
SELECT line, raw, keep,
  CASE
    WHEN NOT valid THEN 'malformed JSON'
    ${checks.join('\n    ')}
  END AS reason,
  ${typed.join(',\n  ')}
FROM (
  SELECT line, raw, valid,
    CASE WHEN valid THEN ${keepExpr} ELSE true END AS keep,
    ${textColumns.join(',\n    ')}
  FROM (
    SELECT line, raw, json_valid(raw) AS valid,
      CASE WHEN json_valid(raw) THEN json_extract_string(raw, ${pathList}) END AS j
    FROM ${source}
  )
)`;
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
  }
}

/** The reject reasons for one field, in the order they are tested, as CASE arms. */
function rejectChecks(name: string, kind: FieldKind): string[] {
  const t = quoteIdent('t_' + name);
  const shown = `left(${t}, 80)`;
  switch (kind) {
    case 'timestamp':
      return [
        `WHEN ${t} IS NULL OR trim(${t}) = '' THEN 'missing ${name}'`,
        `WHEN rc_ts(${t}) IS NULL THEN 'unparseable ${name}: ' || ${shown}`,
      ];
    case 'count':
      return [
        `WHEN NOT rc_nullish(${t}) AND rc_count(${t}) IS NULL THEN '${name} is not a whole number: ' || ${shown}`,
        `WHEN rc_count(${t}) < 0 THEN 'negative ${name}: ' || ${shown}`,
      ];
    case 'money':
      return [
        `WHEN NOT rc_nullish(${t}) AND rc_num(${t}) IS NULL THEN '${name} is not a number: ' || ${shown}`,
        `WHEN rc_num(${t}) < 0 THEN 'negative ${name}: ' || ${shown}`,
      ];
    case 'number':
      return [`WHEN NOT rc_nullish(${t}) AND rc_num(${t}) IS NULL THEN '${name} is not a number: ' || ${shown}`];
    case 'boolean':
      return [`WHEN NOT rc_nullish(${t}) AND rc_bool(${t}) IS NULL THEN '${name} is not true/false: ' || ${shown}`];
    case 'text':
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
