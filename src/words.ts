/**
 * Words that agree with their counts, for every message and block (analyses, sections, render and cli use it;
 * it imports nothing). `plural(1, 'request')` → `1 request`, `plural(1200, 'request')` → `1,200 requests`;
 * `many` for a plural that is not noun + s, or to make a verb agree: `plural(n, 'request has', 'requests have')`.
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  const count = Math.round(n).toLocaleString('en-US');
  return `${count} ${count === '1' ? one : many}`;
}
