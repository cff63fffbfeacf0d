import { CANONICAL_FIELDS, type CanonicalName } from '../canonical.js';
import type { FieldTemplate, LogFormat, Sample } from './types.js';
import { promptTotal } from './usage.js';

/** `{$.a}` for a plain key, `{$."a-b"}` for any other. */
export function keyPath(key: string): string {
  return /^[A-Za-z_]\w*$/.test(key) ? `{$.${key}}` : `{$."${key}"}`;
}

/** Extra nested places the native format looks, after the canonical name and its aliases. */
const NESTED: Partial<Record<CanonicalName, string[]>> = {
  // A provider usage object as returned: OpenAI's counts include cache reads and writes; Anthropic's input_tokens
  // and Bedrock's inputTokens leave them out, so they are added (OpenAI has no cache_*_input_tokens keys: + 0).
  input_tokens: [
    '{$.usage.prompt_tokens}',
    promptTotal('{$.usage.input_tokens}', '{$.usage.cache_read_input_tokens}', '{$.usage.cache_creation_input_tokens}'),
    promptTotal('{$.usage.inputTokens}', '{$.usage.cacheReadInputTokens}', '{$.usage.cacheWriteInputTokens}'),
  ],
  output_tokens: ['{$.usage.completion_tokens}', '{$.usage.output_tokens}', '{$.usage.outputTokens}'],
  cached_tokens: [
    '{$.usage.prompt_tokens_details.cached_tokens}', '{$.usage.input_tokens_details.cached_tokens}',
    '{$.usage.cache_read_input_tokens}', '{$.usage.cacheReadInputTokens}',
  ],
  cache_write_tokens: [
    '{$.usage.prompt_tokens_details.cache_write_tokens}', '{$.usage.input_tokens_details.cache_write_tokens}',
    '{$.usage.cache_creation_input_tokens}', '{$.usage.cacheWriteInputTokens}',
  ],
  // OpenAI puts service_tier on the response, Anthropic in usage.
  service_tier: ['{$.usage.service_tier}'],
  input: ['rc_last_user({$.messages})'],
};

/**
 * Field templates over the canonical names and their aliases. With `keys`, only the canonical name and
 * the spellings present among the keys of the file are read: every extra path costs a lookup on every row.
 */
function nativeFields(keys?: ReadonlySet<string>): Partial<Record<CanonicalName, FieldTemplate>> {
  const present = (key: string) => !keys || keys.has(key);
  const topKey = (template: string) => /^[^{]*\{\$\.("?)([^."\[}]+)\1/.exec(template)?.[2] ?? '';
  const fields: Partial<Record<CanonicalName, FieldTemplate>> = {};
  for (const field of CANONICAL_FIELDS) {
    const aliases = field.aliases.filter((a) => present(a) && a !== 'classifier_output').map(keyPath);
    const nested = (NESTED[field.name] ?? []).filter((t) => present(topKey(t)));
    const candidates = [keyPath(field.name), ...aliases, ...nested];
    fields[field.name] = candidates.length === 1 ? candidates[0]! : `coalesce(${candidates.join(', ')})`;
  }
  // The seed's log writes the route with its confidence: "medium_complexity (confidence: 0.78)".
  if (present('classifier_output')) {
    fields.route = `coalesce(${fields.route}, regexp_replace({$.classifier_output}, '\\s*\\(.*\\)\\s*$', ''))`;
    fields.score = `coalesce(${fields.score}, regexp_extract({$.classifier_output}, 'confidence:\\s*([0-9.]+)', 1))`;
  }
  return fields;
}

const TIME_KEYS = new Set<string>(['ts', ...CANONICAL_FIELDS[0].aliases]);
const MODEL_KEYS = new Set<string>(['model', ...CANONICAL_FIELDS.find((f) => f.name === 'model')!.aliases]);

/**
 * routecheck's own format: one JSON object per line (or a CSV/Parquet/Arrow row) using the canonical
 * names or their aliases. It is also the fallback for a gateway of one's own, with --map for the rest.
 */
export const native: LogFormat = {
  name: 'native',
  description: 'routecheck native JSONL (canonical field names and aliases)',
  framings: ['jsonl', 'json', 'csv', 'parquet', 'arrow'],
  detect(sample: Sample): number {
    const first = sample.objects[0];
    if (!first) return 0.01;
    const keys = Object.keys(first);
    const hasTime = keys.some((k) => TIME_KEYS.has(k));
    const hasModel = keys.some((k) => MODEL_KEYS.has(k));
    return hasTime && hasModel ? 0.3 : 0.05;
  },
  fields: nativeFields(),
  fieldsFor: (keys) => nativeFields(keys),
};
