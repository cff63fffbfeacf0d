import { quoteLiteral } from '../../db/sql.js';
import { CANONICAL_FIELDS, type CanonicalName } from '../canonical.js';
import type { FieldTemplate, LogFormat, Sample } from './types.js';

/** `2025-01-15 14:23:07 | key: value` (seconds may carry a fraction or a zone: `14:23:07,123`, `…07.5Z`). */
const LINE = String.raw`^\s*(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*)\s*\|\s*([\w.-]+)\s*:\s*(.*?)\s*$`;
const LINE_JS = new RegExp(LINE);

/** The timestamp a reject names for a line that is neither a log line, a blank nor a `#` comment. */
const NOT_A_LOG_LINE = 'not a "YYYY-MM-DD HH:MM:SS | key: value" line';

/**
 * Physical lines (rc_framed(line, raw), raw being plain text) → one JSON record per request:
 * `{"ts": "<timestamp of its first line>", "kv": {"user_input": "…", "routed_to": "…", …}}`, numbered by
 * its first line. A record ends at a blank line, a `#` comment (skipped), a line that is not a log line,
 * when the timestamp's second changes, or when a key repeats (two requests logged in the same second).
 * The repeat rule is sequential (a a b b is three records: a | a b | b), so it is a fold over each run's
 * keys (list_reduce) rather than a window. Runs also break at gaps in line numbers, so the grouping is the
 * same if a reader drops blank lines. A line that is not a log line becomes `{"unrecognised": "<text>"}`,
 * which the ts template turns into a reject naming the expected shape.
 * Values lose one pair of surrounding quotes (`"OK, got it, thanks"` → OK, got it, thanks).
 */
const EXPLODE = `
WITH parsed AS (
  SELECT line, raw, regexp_extract(raw, ${quoteLiteral(LINE)}, ['ts', 'key', 'val']) AS m FROM rc_framed
), classified AS (
  SELECT line, raw,
    CASE WHEN trim(raw) = '' OR starts_with(ltrim(raw), '#') THEN 'skip' WHEN m.ts <> '' THEN 'kv' ELSE 'bad' END AS kind,
    regexp_replace(m.ts, ',([0-9]+)', '.\\1') AS ts, m.key AS key,
    CASE WHEN regexp_full_match(m.val, '"(.*)"|''(.*)''') THEN m.val[2:-2] ELSE m.val END AS val
  FROM parsed
), breaks AS (
  SELECT *, CASE WHEN kind = 'kv' AND lag(kind) OVER w = 'kv' AND lag(line) OVER w = line - 1
                  AND left(lag(ts) OVER w, 19) = left(ts, 19) THEN 0 ELSE 1 END AS brk
  FROM classified WINDOW w AS (ORDER BY line)
), runs AS (
  SELECT *, sum(brk) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING) AS run FROM breaks WHERE kind = 'kv'
), folded AS (
  SELECT run, list(line ORDER BY line) AS lines,
    list_reduce(list_transform(list(key ORDER BY line), k -> {'seen': [k], 'g': []::INTEGER[]}),
      (acc, x) -> CASE WHEN list_contains(acc.seen, x.seen[1])
        THEN {'seen': x.seen, 'g': list_append(acc.g, acc.g[-1] + 1)}
        ELSE {'seen': list_concat(acc.seen, x.seen), 'g': list_append(acc.g, coalesce(acc.g[-1], 1))} END,
      {'seen': []::VARCHAR[], 'g': []::INTEGER[]}).g AS groups
  FROM runs GROUP BY run
), grouped AS (
  SELECT run, unnest(lines) AS line, unnest(groups) AS grp FROM folded
)
SELECT min(r.line) AS line,
  '{"ts":' || CAST(to_json(arg_min(r.ts, r.line)) AS VARCHAR) || ',"kv":{'
    || string_agg(CAST(to_json(r.key) AS VARCHAR) || ':' || CAST(to_json(r.val) AS VARCHAR), ',' ORDER BY r.line)
    || '}}' AS raw
FROM runs r JOIN grouped g USING (run, line)
GROUP BY r.run, g.grp
UNION ALL
SELECT line, CAST(json_object('unrecognised', raw) AS VARCHAR) AS raw FROM classified WHERE kind = 'bad'`;

/** `{$.kv.name}` for a plain key, `{$.kv."a-b"}` for any other. */
const kv = (key: string): string => (/^[A-Za-z_]\w*$/.test(key) ? `{$.kv.${key}}` : `{$.kv."${key}"}`);

/** Every canonical field from its own name or an alias, as the native format reads them. */
function byName(): Partial<Record<CanonicalName, FieldTemplate>> {
  const fields: Partial<Record<CanonicalName, FieldTemplate>> = {};
  for (const field of CANONICAL_FIELDS) {
    const candidates = [field.name, ...field.aliases].map(kv);
    fields[field.name] = candidates.length === 1 ? candidates[0]! : `coalesce(${candidates.join(', ')})`;
  }
  return fields;
}

const fields = byName();

/**
 * The plain-text log of the incident write-up ("How our clever multi-model router burned $2,200"):
 * `user_input`, `classifier_output: <route> (confidence: <score>)`, `routed_to` (model) and `should_be`
 * (ideal), plus any other canonical name or alias as a key (request_id, input_tokens, cost, …).
 * A bare `tokens:` is not mapped (it does not say which tokens); every key stays in the record's raw.
 */
export const seedText: LogFormat = {
  name: 'seed-text',
  description: 'plain-text router log: groups of "YYYY-MM-DD HH:MM:SS | key: value" lines',
  framings: ['text'],
  detect(sample: Sample): number {
    return sample.framing === 'text' && sample.lines.some((l) => LINE_JS.test(l)) ? 0.9 : 0;
  },
  explode: EXPLODE,
  fields: {
    ...fields,
    ts: `CASE WHEN {$.unrecognised} IS NOT NULL THEN ${quoteLiteral(NOT_A_LOG_LINE)} ELSE {$.ts} END`,
    route: `regexp_replace(${fields.route}, '\\s*\\(.*\\)\\s*$', '')`,
    score: `coalesce(${fields.score}, nullif(regexp_extract(${kv('classifier_output')}, 'confidence\\s*[:=]\\s*([0-9.]+)', 1), ''))`,
    // "$0.0031" and "0.0031 USD" are how people write money in a text log.
    cost_usd: `regexp_replace(${fields.cost_usd}, '^\\s*\\$\\s*|\\s*USD\\s*$', '', 'g')`,
    latency_ms: `regexp_replace(${fields.latency_ms}, '\\s*ms\\s*$', '')`,
  },
};
