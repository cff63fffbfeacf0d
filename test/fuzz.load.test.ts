import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { isEnvelope } from '../src/load/envelope.js';
import { formatByName } from '../src/load/formats/index.js';
import { ingestFile } from '../src/load/ingest.js';
import { runCli } from './run-cli.js';

/**
 * Issue 12 part 5: records mutated from the valid ones of every format in fixtures/formats (type swaps, non-finite and
 * huge numbers, odd times, huge strings, wrong nesting, truncation, control and invalid bytes), seeded. For each run:
 * every file's counts add up (records read = loaded + rejected + duplicates + skipped, and for line-framed formats
 * records = non-blank lines), no exit other than 0/1/2, and report, check, export and prices check on the same --db
 * still work. ROUTECHECK_FUZZ_RUNS and ROUTECHECK_FUZZ_SEED run more, or others.
 */
const RUNS = Number(process.env['ROUTECHECK_FUZZ_RUNS'] ?? 2);
const SEED = Number(process.env['ROUTECHECK_FUZZ_SEED'] ?? 20261129);
const RECORDS_PER_FILE = 100;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A fixture and how its records are written back: the shape its mutated copies go out in. */
interface Base {
  fixture: string;
  format: string;
  kind: 'jsonl' | 'json-array' | 'envelope' | 'csv' | 'text';
  records: Json[] | string[];
  /** The envelope around `data` (a saved API page), or the CSV header. */
  wrapper?: { [key: string]: Json };
  fields?: string[];
}

/** Values written as raw JSON text: what JSON.stringify cannot write (NaN, 1e309) and numbers past every range. */
const RAW_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e309', '-1e309', '9.3e18', '1e20', '1e300', '-0', '123456789012345678901234567890', '1e-400'];
const ODD_TEXT = [
  'inf', '-inf', 'NaN', 'nan', 'Infinity', 'infinity', '-infinity', 'epoch', 'now', 'today', '9999-12-31T23:59:59Z', '0001-01-01',
  '1969-12-31T23:59:59Z', '2025-02-29T10:00:00Z', '', ' ', '\t', 'None', 'null', 'true', '1e20', '-1', '0', '1.5', '٣', '１２',
  '{"a":1}', '[1,2]', '\u001b[31mred\u001b[0m', 'line\nbreak', 'quote"comma,', '\u0000',
];

type Value = { raw: string } | { json: Json };
const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom(...RAW_NUMBERS).map((raw) => ({ raw })),
  fc.constantFrom(...ODD_TEXT).map((s) => ({ json: s })),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)).map((v) => ({ json: v as Json })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => ({ json: s })),
  fc.tuple(fc.integer({ min: 10_000, max: 200_000 }), fc.constantFrom('x', 'é', '😀', '"')).map(([n, c]) => ({ json: c.repeat(n) })),
  fc.constantFrom<Json>([], {}, [1, 'a'], { a: { b: [null] } }, [[[[[]]]]]).map((v) => ({ json: v })),
);

type Edit =
  | { kind: 'set'; at: number; value: Value }
  | { kind: 'delete'; at: number }
  | { kind: 'nest'; at: number; how: 'array' | 'object' | 'string' }
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; at: number; bytes: number[] };
// No 0x0a: a newline would only make two records of one (and the line count below says so either way).
const BYTES = [0x00, 0x01, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x1b, 0x7f, 0x80, 0xc3, 0xed, 0xa0, 0xfe, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x2c];
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: valueArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), how: fc.constantFrom('array' as const, 'object' as const, 'string' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.array(fc.constantFrom(...BYTES), { minLength: 1, maxLength: 4 }) }) },
);
/** One mutated record: which base record, and up to three edits (none: the record as it is, a duplicate). */
const recordArb = fc.tuple(fc.nat(), fc.array(editArb, { maxLength: 3 }));

/** Every path into a JSON value: [] is the value itself. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const PLACEHOLDER = '\u0000rc-raw-';

/** Applies the value edits to a copy of the record; raw numbers go in as placeholders replaced after stringify. */
function editValue(record: Json, edits: Edit[], raws: string[]): Json {
  const root: Json = structuredClone(record);
  for (const edit of edits) {
    if (edit.kind === 'truncate' || edit.kind === 'bytes') continue;
    const all = paths(root).filter((p) => p.length > 0);
    if (all.length === 0) continue;
    const path = all[edit.at % all.length]!;
    const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string, Json>)[k as string]!, root) as Record<string, Json> | Json[];
    const key = path[path.length - 1]!;
    const current = (parent as Record<string, Json>)[key as string]!;
    if (edit.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (edit.kind === 'nest') {
      (parent as Record<string, Json>)[key as string] = edit.how === 'array' ? [current] : edit.how === 'object' ? { value: current } : JSON.stringify(current);
    } else if ('raw' in edit.value) {
      raws.push(edit.value.raw);
      (parent as Record<string, Json>)[key as string] = `${PLACEHOLDER}${raws.length - 1}`;
    } else {
      // A copy: fast-check hands out the same constant objects, and one nested into itself would be circular.
      (parent as Record<string, Json>)[key as string] = structuredClone(edit.value.json);
    }
  }
  return root;
}

function withRaws(text: string, raws: string[]): string {
  return raws.reduce((t, raw, i) => t.split(JSON.stringify(`${PLACEHOLDER}${i}`)).join(raw), text);
}

/** The byte edits, on the record's serialized text. */
function editBytes(line: Buffer, edits: Edit[]): Buffer {
  let out = line;
  for (const edit of edits) {
    if (edit.kind === 'truncate' && out.length > 0) out = out.subarray(0, edit.at % out.length);
    if (edit.kind === 'bytes') {
      const at = out.length === 0 ? 0 : edit.at % out.length;
      out = Buffer.concat([out.subarray(0, at), Buffer.from(edit.bytes), out.subarray(at)]);
    }
  }
  return out;
}

/** The file of one fixture's mutated records, in the shape of the fixture. */
function mutatedFile(base: Base, records: [number, Edit[]][]): Buffer {
  const lines: Buffer[] = records.map(([pick, edits]) => {
    const record = base.records[pick % base.records.length]!;
    if (base.kind === 'text') return editBytes(Buffer.from(record as string), edits);
    if (base.kind === 'csv') {
      const row = { ...(record as Record<string, string>) };
      for (const edit of edits) {
        const field = base.fields![('at' in edit ? edit.at : 0) % base.fields!.length]!;
        if (edit.kind === 'set') row[field] = 'raw' in edit.value ? edit.value.raw : typeof edit.value.json === 'string' ? edit.value.json : JSON.stringify(edit.value.json);
        if (edit.kind === 'delete') row[field] = '';
        if (edit.kind === 'nest') row[field] = JSON.stringify([row[field]]);
      }
      return editBytes(Buffer.from(Papa.unparse([row], { header: false, columns: base.fields }).replace(/\r?\n/g, ' ')), edits);
    }
    const raws: string[] = [];
    const text = Buffer.from(withRaws(JSON.stringify(editValue(record as Json, edits, raws)), raws));
    // In a JSON document one cut or stray byte breaks the whole file (one reject): there only the values change.
    return base.kind === 'jsonl' ? editBytes(text, edits) : text;
  });
  const joined = (parts: Buffer[], sep: string): Buffer =>
    Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from(sep), p])));
  switch (base.kind) {
    case 'jsonl':
    case 'text':
      return Buffer.concat([joined(lines, '\n'), Buffer.from('\n')]);
    case 'csv':
      return Buffer.concat([Buffer.from(Papa.unparse([base.fields!]) + '\n'), joined(lines, '\n'), Buffer.from('\n')]);
    case 'json-array':
      return Buffer.concat([Buffer.from('[\n'), joined(lines, ',\n'), Buffer.from('\n]\n')]);
    case 'envelope': {
      const [head, tail] = JSON.stringify({ ...base.wrapper, data: '@@rc-data@@' }).split('"@@rc-data@@"');
      return Buffer.concat([Buffer.from(head!), Buffer.from('['), joined(lines, ','), Buffer.from(']'), Buffer.from(tail!)]);
    }
  }
}

/** Records a line-framed file holds: its lines, blank ones (JSON whitespace only) left out; CR ends a line too. */
function nonBlankLines(bytes: Buffer): number {
  return bytes.toString('latin1').split(/\r\n|\r|\n/).filter((l) => l.replace(/[ \t]/g, '') !== '').length;
}

function readBase(fixture: string, format: string): Base {
  const text = readFileSync(join('fixtures/formats', fixture), 'utf8');
  if (fixture.endsWith('.log')) return { fixture, format, kind: 'text', records: text.split('\n').filter((l) => l !== '') };
  if (fixture.endsWith('.csv')) {
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    return { fixture, format, kind: 'csv', records: parsed.data, fields: parsed.meta.fields! };
  }
  if (fixture.endsWith('.jsonl')) return { fixture, format, kind: 'jsonl', records: text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Json) };
  const doc = JSON.parse(text) as Json;
  if (Array.isArray(doc)) return { fixture, format, kind: 'json-array', records: doc };
  const data = (doc as Record<string, Json>)['data'];
  if (Array.isArray(data)) {
    const { data: _data, ...wrapper } = doc as Record<string, Json>;
    return { fixture, format, kind: 'envelope', records: data, wrapper };
  }
  // A single document (an OTLP export request, a Langfuse trace): its mutated copies go out one per line.
  return { fixture, format, kind: 'jsonl', records: [doc] };
}

const FIXTURES = readdirSync('fixtures/formats')
  .filter((f) => /\.(jsonl|json|csv|log)$/.test(f) && !f.includes('.bad.'))
  .sort();

describe('fuzzing the loader with mutated records of every format', () => {
  const bases: Base[] = [];
  beforeAll(async () => {
    // Each fixture's format as detection names it; the mutated files are then read as that format (--input-format).
    await withDatabase({ path: ':memory:' }, async (db) => {
      for (const fixture of FIXTURES) {
        const summary = await ingestFile(db, join('fixtures/formats', fixture), fixture);
        bases.push(readBase(fixture, summary.format));
      }
    });
  });

  it(`keeps its counts and its database usable (${RUNS} seeded runs of ${FIXTURES.length} files of ${RECORDS_PER_FILE} records)`, async () => {
    const filesArb = fc.array(fc.array(recordArb, { minLength: RECORDS_PER_FILE, maxLength: RECORDS_PER_FILE }), {
      minLength: FIXTURES.length,
      maxLength: FIXTURES.length,
    });
    let run = 0;
    const FILE_TIME = new Date('2025-03-19T12:00:00Z');
    const result = await fc.check(
      fc.asyncProperty(filesArb, async (perFile) => {
        const dir = mkdtempSync(join(tmpdir(), `routecheck-fuzz-${run++}-`));
        const db = join(dir, 'fuzz.duckdb');
        const written = bases.map((base, i) => {
          const path = join(dir, base.fixture);
          const bytes = mutatedFile(base, perFile[i]!);
          writeFileSync(path, bytes);
          // Records without a time (Anthropic batch results) are dated by their file's modification time: a fixed one
          // keeps the data, and so the default window, the same whatever day the test runs (with "now", a Monday
          // left those records alone in a week the default window does not reach, and `check` found nothing).
          utimesSync(path, FILE_TIME, FILE_TIME);
          return { base, path, bytes };
        });
        for (const format of new Set(bases.map((b) => b.format))) {
          const paths = written.filter((w) => w.base.format === format).map((w) => w.path);
          const r = await runCli(['ingest', ...paths, '--db', db, '--input-format', format, '--quiet']);
          // Bad records are rejects, never a failed file: the ingest exits 0 (the brief allows 0/1/2 for any command).
          expect(r.code, `ingest --input-format ${format} (files in ${dir}): ${r.stderr}`).toBe(0);
        }
        const ingests = await withDatabase({ path: db }, (d) =>
          d.all<{ source_file: string; records: bigint; loaded: bigint; rejected: bigint; duplicates: bigint; skipped: bigint; stored: bigint }>(
            `SELECT i.*, (SELECT count(*) FROM requests r WHERE r.source_file = i.source_file) AS stored FROM ingests i`,
          ),
        );
        for (const w of written) {
          const s = ingests.find((i) => i.source_file === w.path);
          expect(s, `${w.base.fixture} was not loaded`).toBeDefined();
          const [records, loaded, rejected, duplicates, skipped] = [s!.records, s!.loaded, s!.rejected, s!.duplicates, s!.skipped].map(Number);
          expect(Math.min(loaded!, rejected!, duplicates!, skipped!), w.base.fixture).toBeGreaterThanOrEqual(0);
          expect(loaded! + rejected! + duplicates! + skipped!, w.base.fixture).toBe(records);
          expect(Number(s!.stored), w.base.fixture).toBe(loaded);
          const pages = isEnvelope(w.base.records[0] as Record<string, unknown>);
          if (w.base.kind === 'jsonl' && !pages && !formatByName(w.base.format)?.explode) {
            expect(records, w.base.fixture).toBe(nonBlankLines(w.bytes));
          }
        }
        const report = await runCli(['report', '--db', db, '--all', '--format', 'json']);
        expect(report.code, report.stderr).toBe(0);
        const json = JSON.parse(report.stdout);
        expect(Number.isFinite(json.requests.spend_usd)).toBe(true);
        expect(json.requests.total).toBe(ingests.reduce((n, i) => n + Number(i.loaded), 0));
        for (const argv of [['check'], ['export', '--out', join(dir, 'export.csv')], ['prices', 'check'], ['report', '--format', 'markdown']]) {
          const r = await runCli([...argv, '--db', db]);
          expect([0, 1], `${argv.join(' ')}: ${r.stderr}`).toContain(r.code);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The counterexample is megabytes of records: the failure says where to find the files and how to replay it.
    if (result.failed) {
      const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      throw new Error(`fuzz run failed (ROUTECHECK_FUZZ_SEED=${result.seed}, path ${result.counterexamplePath}): ${error.slice(0, 2000)}`);
    }
  }, 600_000);
});
