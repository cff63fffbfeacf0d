/** One JSON document, two-space indented, keys in the value's own order. Pure. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
