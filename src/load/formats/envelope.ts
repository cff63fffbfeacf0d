/**
 * API envelopes (`{"data": [...], ...}`) as used by the Helicone and Langfuse APIs: shared by both formats.
 */

/** The records of a sample object: the elements of an API envelope's `data`, or the object itself. */
export function envelopeRecords(obj: Record<string, unknown>): Record<string, unknown>[] {
  const data = obj['data'];
  if (Array.isArray(data)) {
    return data.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && !Array.isArray(d));
  }
  return [obj];
}

/**
 * Unnests API envelopes `{"data":[...], ...}`; other records pass through. When the whole file is a single
 * envelope (one framed record), an element's line is its 1-based index in `data`, as for a top-level array;
 * otherwise (JSONL of envelopes) it is the envelope's line. A cheap text test keeps the extra JSON parse
 * to records that mention "data".
 */
export function explodeDataEnvelope(): string {
  const envelope = `CASE WHEN strpos(raw, '"data"') > 0 AND json_valid(raw) THEN coalesce(json_type(raw, '$.data') = 'ARRAY', false) ELSE false END`;
  // No CTE: one referenced twice would be materialized, copying every record's text.
  return `
SELECT line, raw FROM rc_framed WHERE NOT (${envelope})
UNION ALL
SELECT CASE WHEN (SELECT count(*) FROM rc_framed) = 1 THEN idx ELSE line END AS line, CAST(elem AS VARCHAR) AS raw
FROM (
  SELECT line, generate_subscripts(items, 1) AS idx, unnest(items) AS elem
  FROM (SELECT line, json_extract(raw, '$.data[*]') AS items FROM rc_framed WHERE ${envelope})
)`;
}

