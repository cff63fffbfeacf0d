import { jsonText } from './escape.js';

/** One JSON document, two-space indented, keys in the value's own order; controls in strings escaped. Pure. */
export function renderJson(value: unknown): string {
  return jsonText(value) + '\n';
}
