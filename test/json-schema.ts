/**
 * A small JSON Schema (2020-12) validator for the subset schema/report.schema.json uses: type, const, enum,
 * properties, required, additionalProperties, items, minItems, maxItems, minimum, maximum, pattern, oneOf,
 * anyOf, if/then and local $ref (#/$defs/…). Anything else in a schema is an error, so the subset cannot
 * silently grow past what is checked. Returns the list of errors, each with its JSON path.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema', '$id', 'title', 'description', '$defs', 'type', 'const', 'enum', 'properties', 'required', 'additionalProperties',
  'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'pattern', 'oneOf', 'anyOf', 'if', 'then', '$ref',
]);

export function validate(schema: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(schema, value, '$', schema, errors);
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(s: Schema, v: unknown, path: string, root: Schema, errors: string[]): void {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema keyword "${k}" at ${path} is not supported by this validator`);
  if (typeof s['$ref'] === 'string') {
    const ref = s['$ref'] as string;
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const target = m ? (root['$defs'] as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (!target) throw new Error(`unresolved $ref ${ref} at ${path}`);
    check(target, v, path, root, errors);
  }
  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
      errors.push(`${path}: ${t} is not ${types.join(' or ')}`);
      return;
    }
  }
  if ('const' in s && JSON.stringify(s['const']) !== JSON.stringify(v)) errors.push(`${path}: ${JSON.stringify(v)} is not ${JSON.stringify(s['const'])}`);
  if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s['enum'])}`);
  }
  if (typeof v === 'number') {
    if (typeof s['minimum'] === 'number' && v < (s['minimum'] as number)) errors.push(`${path}: ${v} < ${s['minimum']}`);
    if (typeof s['maximum'] === 'number' && v > (s['maximum'] as number)) errors.push(`${path}: ${v} > ${s['maximum']}`);
  }
  if (typeof v === 'string' && typeof s['pattern'] === 'string' && !new RegExp(s['pattern'] as string, 'u').test(v)) {
    errors.push(`${path}: "${v}" does not match ${s['pattern']}`);
  }
  if (Array.isArray(v)) {
    if (typeof s['minItems'] === 'number' && v.length < (s['minItems'] as number)) errors.push(`${path}: fewer than ${s['minItems']} items`);
    if (typeof s['maxItems'] === 'number' && v.length > (s['maxItems'] as number)) errors.push(`${path}: more than ${s['maxItems']} items`);
    if (s['items'] && typeof s['items'] === 'object') v.forEach((x, i) => check(s['items'] as Schema, x, `${path}[${i}]`, root, errors));
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const props = (s['properties'] ?? {}) as Record<string, Schema>;
    for (const r of (s['required'] ?? []) as string[]) if (!(r in o)) errors.push(`${path}: missing "${r}"`);
    for (const [k, x] of Object.entries(o)) {
      if (props[k]) check(props[k]!, x, `${path}.${k}`, root, errors);
      else if (s['additionalProperties'] === false) errors.push(`${path}: unexpected key "${k}"`);
      else if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object') check(s['additionalProperties'] as Schema, x, `${path}.${k}`, root, errors);
    }
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (!Array.isArray(s[key])) continue;
    const results = (s[key] as Schema[]).map((sub) => {
      const e: string[] = [];
      check(sub, v, path, root, e);
      return e;
    });
    const ok = results.filter((e) => e.length === 0).length;
    if (key === 'oneOf' ? ok !== 1 : ok === 0) {
      errors.push(`${path}: matches ${ok} of the ${key} alternatives (${results.map((e) => e[0] ?? 'ok').join(' | ')})`);
    }
  }
  if (s['if'] && typeof s['if'] === 'object') {
    const e: string[] = [];
    check(s['if'] as Schema, v, path, root, e);
    if (e.length === 0 && s['then'] && typeof s['then'] === 'object') check(s['then'] as Schema, v, path, root, errors);
  }
}
