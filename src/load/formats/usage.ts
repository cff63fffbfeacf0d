import type { FieldTemplate } from './types.js';

/**
 * The whole prompt from a count that leaves cache reads and writes out (Anthropic `input_tokens`, Bedrock Converse
 * `inputTokens`, Helicone `prompt_tokens`) plus those parts: canonical input_tokens is the whole prompt. A base that
 * is not a whole number passes through as text, so that the record is rejected with it; a missing part adds 0.
 */
export function promptTotal(base: FieldTemplate, ...parts: FieldTemplate[]): FieldTemplate {
  const sum = [`rc_count(${base})`, ...parts.map((p) => `coalesce(rc_count(${p}), 0)`)].join(' + ');
  return `CASE WHEN rc_count(${base}) IS NULL THEN ${base} ELSE CAST(${sum} AS VARCHAR) END`;
}
