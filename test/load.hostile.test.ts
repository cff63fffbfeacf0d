import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { discoverInputs } from '../src/load/discover.js';
import { formatByName } from '../src/load/formats/index.js';
import { ingestFile } from '../src/load/ingest.js';
import { MAX_LINE_BYTES } from '../src/load/scan.js';
import { loadFile } from './helpers.js';
import { runCli } from './run-cli.js';

/** Issue 12: whatever a log holds, each record loads or is rejected with a reason; nothing stops the file or the run. */

const dir = mkdtempSync(join(tmpdir(), 'routecheck-hostile-'));
let files = 0;
const file = (text: string | Buffer, name = `f${++files}.jsonl`): string => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const good = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ts: '2025-03-17T10:00:00Z', request_id: id, model: 'gpt-4o-mini', input_tokens: 5, output_tokens: 7, cost_usd: 0.01, ...extra });
/** A record whose field is written as raw JSON text (NaN, 1e309: what JSON.stringify cannot write). */
const withRaw = (id: string, field: string, rawValue: string) => good(id, { [field]: '__RAW__' }).replace('"__RAW__"', rawValue);

describe('the conversion of every field is total', () => {
  it('rejects non-finite and out-of-range numbers, record by record, and loads the rest of the file', async () => {
    const path = file(
      [
        good('ok-1'),
        withRaw('nan-cost', 'cost_usd', 'NaN'),
        withRaw('inf-tokens', 'input_tokens', '"inf"'),
        withRaw('infinity-cost', 'cost_usd', '"Infinity"'),
        withRaw('huge-tokens', 'input_tokens', '1e309'),
        withRaw('int-range', 'output_tokens', '9.3e18'),
        withRaw('neg-inf-score', 'score', '-Infinity'),
        withRaw('huge-latency', 'latency_ms', '1e300'),
        withRaw('huge-cost', 'cost_usd', '1e300'),
        good('ok-2'),
      ].join('\n') + '\n',
    );
    const { summary, rows, rejects } = await loadFile(path);
    expect(rows.map((r) => r['request_id'])).toEqual(['ok-1', 'ok-2']);
    expect(rejects.map((r) => [r['source_line'], r['reason']])).toEqual([
      [2n, 'cost_usd is not a finite number: NaN'],
      [3n, 'input_tokens is not a finite number: inf'],
      [4n, 'cost_usd is not a finite number: Infinity'],
      [5n, 'input_tokens is not a finite number: 1e309'],
      [6n, 'output_tokens out of range: 9300000000000000000.0'],
      [7n, 'score is not a finite number: -Infinity'],
      [8n, expect.stringMatching(/^latency_ms out of range: 1(\.0)?e\+?300/)],
      [9n, expect.stringMatching(/^cost_usd out of range: 1(\.0)?e\+?300/)],
    ]);
    expect(summary).toMatchObject({ records: 10, loaded: 2, rejected: 8 });
  });

  it('rejects times outside 1970..a day after the load as "ts out of range"', async () => {
    const path = file(
      [
        good('inf', { ts: 'infinity' }),
        good('neg-inf', { ts: '-infinity' }),
        good('epoch', { ts: 'epoch' }),
        good('y9999', { ts: '9999-12-01T00:00:00Z' }),
        withRaw('e20', 'ts', '1e20'),
        good('zero', { ts: 0 }),
        good('next-week', { ts: new Date(Date.now() + 7 * 86_400_000).toISOString() }),
        good('digits', { ts: '9'.repeat(40) }),
        good('ok', { ts: 1742205600 }),
      ].join('\n') + '\n',
    );
    const { rows, rejects } = await loadFile(path);
    expect(rows.map((r) => r['request_id'])).toEqual(['ok']);
    expect(rejects.map((r) => String(r['reason']).replace(/:.*/, ''))).toEqual(Array(8).fill('ts out of range'));
    expect(rejects.map((r) => r['source_line'])).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  });

  it('skips a line of tabs or spaces like a blank line', async () => {
    const { summary, rows } = await loadFile(file(`${good('a')}\n\t\t\n  \t \n\n${good('b')}\n`));
    expect(rows.map((r) => [r['request_id'], r['source_line']])).toEqual([['a', 1n], ['b', 5n]]);
    expect(summary).toMatchObject({ records: 2, rejected: 0 });
  });
});

describe('a --db that an older routecheck filled with unusable rows', () => {
  it('moves them to rejects on open, so every later command works', async () => {
    const db = join(dir, 'broken.duckdb');
    expect((await runCli(['ingest', file(good('fine') + '\n'), '--db', db, '--quiet'])).code).toBe(0);
    // What an older version stored from `"ts": "infinity"` and `"cost_usd": NaN`: written straight into the table.
    const instance = await DuckDBInstance.create(db);
    const c = await instance.connect();
    await c.run(`INSERT INTO requests (ts, request_id, model, cost_usd, source_file, source_line, format, raw, record_key, ingested_at) VALUES
      ('infinity', 'old-inf', 'gpt-4o-mini', 0.1, 'old.jsonl', 1, 'native', '{"ts":"infinity"}', 1, now()),
      ('2025-03-17 11:00:00+00', 'old-nan', 'gpt-4o-mini', 'NaN', 'old.jsonl', 2, 'native', '{"cost_usd":NaN}', 2, now()),
      ('9999-01-01 00:00:00+00', 'old-9999', 'gpt-4o-mini', 0.1, 'old.jsonl', 3, 'native', '{"ts":"9999"}', 3, now()),
      ('2025-03-17 12:00:00+00', 'old-no-text', 'gpt-4o-mini', 'Infinity', 'old.jsonl', 4, 'native', NULL, 4, now())`);
    c.closeSync();
    instance.closeSync();

    const report = await runCli(['report', '--db', db, '--all', '--format', 'json']);
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout);
    expect(json.requests.total).toBe(1);
    expect(Number.isFinite(json.requests.spend_usd)).toBe(true);
    expect(json.rejects.by_reason).toEqual(
      expect.arrayContaining([{ reason: 'ts out of range', count: 2 }, { reason: 'cost_usd is not a finite number', count: 2 }]),
    );
    // A row stored without its text (no --keep-raw) moves with its fields as JSON, so the reject still says what it was.
    const moved = await withDatabase({ path: db }, (d) => d.all<{ raw: string }>(`SELECT raw FROM rejects WHERE source_line = 4`));
    expect(moved).toHaveLength(1);
    expect(moved[0]!.raw).toContain('"request_id":"old-no-text"');
    expect(moved[0]!.raw).toContain('"cost_usd":Infinity');
    for (const argv of [['check'], ['export', '--out', join(dir, 'broken.csv')], ['prices', 'check'], ['report']]) {
      const r = await runCli([...argv, '--db', db]);
      expect([0, 1], `${argv.join(' ')}: ${r.stderr}`).toContain(r.code);
    }
  });
});

describe('framing reports what it cannot read', () => {
  it('rejects a line longer than the limit, however long, and keeps the later line numbers', async () => {
    const long = good('long', { input: 'x'.repeat(2 * MAX_LINE_BYTES + 1024) });
    const { summary, rows, rejects } = await loadFile(file([good('a'), long, good('c'), '{bad', good('e')].join('\n') + '\n'));
    expect(rows.map((r) => [r['request_id'], r['source_line']])).toEqual([['a', 1n], ['c', 3n], ['e', 5n]]);
    expect(rejects.map((r) => [r['source_line'], String(r['reason']).replace(/: \d+ bytes$/, '')])).toEqual([
      [2n, `line longer than ${MAX_LINE_BYTES} bytes`],
      [4n, 'malformed JSON'],
    ]);
    expect(String(rejects[0]!['raw'])).toMatch(/^\{"ts":"2025-03-17T10:00:00Z","request_id":"long"/);
    expect(summary).toMatchObject({ records: 5, loaded: 3, rejected: 2 });
  });

  it('rejects bad lines however many there are, each at its line', async () => {
    // Latin-1 text (not UTF-8) on every other line, and a line holding the line reader's delimiter U+0001.
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      i % 2 === 0 ? Buffer.from(good(`l-${i}`)) : Buffer.from(good(`bad-${i}`, { input: 'caf\u00e9' }), 'latin1'),
    );
    lines[5] = Buffer.from(good('delim').replace('gpt-4o-mini', 'gpt\u0001'));
    const { summary, rows, rejects } = await loadFile(file(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]))));
    expect(summary).toMatchObject({ records: 20_000, loaded: 10_000, rejected: 10_000 });
    expect(rows.slice(0, 3).map((r) => [r['request_id'], r['source_line']])).toEqual([['l-0', 1n], ['l-2', 3n], ['l-4', 5n]]);
    expect(rejects.slice(0, 4).map((r) => [r['source_line'], r['reason']])).toEqual([
      [2n, 'not valid UTF-8'],
      [4n, 'not valid UTF-8'],
      [6n, 'a raw U+0001 control character in the line'],
      [8n, 'not valid UTF-8'],
    ]);
    expect(rejects[0]!['raw']).toContain('"request_id":"bad-1"');
  });

  it('numbers CSV rows after rows the reader rejects', async () => {
    const csv = ['ts,request_id,model', '2025-03-17T10:00:00Z,c1,m', '2025-03-17T10:00:00Z,c2,m,extra', '2025-03-17T10:00:00Z,c3,m',
      '2025-03-17T10:00:00Z,c4', '2025-03-17T10:00:00Z,c5,m,x,y', '2025-03-17T10:00:00Z,c6,m'].join('\n') + '\n';
    const { rows, rejects } = await loadFile(file(csv, 'rows.csv'), { inputFormat: formatByName('native')! });
    expect(rows.map((r) => [r['request_id'], r['source_line']])).toEqual([['c1', 2n], ['c3', 4n], ['c6', 7n]]);
    expect(rejects.map((r) => r['source_line'])).toEqual([3n, 5n, 6n]);
  });

  it('says a truncated .gz or .zst ends early, and loads the part before', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => good(`t-${i}`, { input: `prompt number ${i} ${'z'.repeat(i % 97)}` })).join('\n') + '\n';
    const gz = gzipSync(lines);
    const zst = execFileSync('zstd', ['-q', '-c'], { input: lines });
    for (const [name, bytes, kind] of [['cut.jsonl.gz', gz, 'gzip'], ['cut.jsonl.zst', zst, 'zstd']] as const) {
      const path = file(bytes.subarray(0, Math.floor(bytes.length / 2)), name);
      const db = join(dir, `${name}.duckdb`);
      const r = await runCli(['ingest', path, '--db', db]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`warning: .*${name}: the ${kind} archive ends early .* after [\\d,]+ whole lines`));
      const { loaded, ends } = await withDatabase({ path: db }, async (d) => ({
        loaded: await d.scalar(`SELECT count(*) FROM requests`),
        ends: await d.one<{ source_line: bigint }>(`SELECT source_line FROM rejects WHERE starts_with(reason, '${kind} archive ends early')`),
      }));
      expect(loaded).toBeGreaterThan(100);
      expect(loaded).toBeLessThan(3000);
      // The reject sits at the first line that is not whole: one after the loaded ones.
      expect(Number(ends!.source_line)).toBe(loaded! + 1);
    }
  });
});

describe('inputs are read once', () => {
  it('copies stdin once and streams it; two different feeds keep their own rejects', async () => {
    const db = join(dir, 'stdin.duckdb');
    const a = await runCli(['ingest', '-', '--db', db], { stdin: `${good('s1')}\n{"feed": "one", broken\n` });
    const b = await runCli(['ingest', '-', '--db', db], { stdin: `${good('s2')}\n{"feed": "two", broken\n` });
    expect([a.code, b.code]).toEqual([0, 0]);
    const report = JSON.parse((await runCli(['report', '--db', db, '--all', '--format', 'json'])).stdout);
    expect(report.requests.total).toBe(2);
    expect(report.rejects.examples.map((e: { raw: string }) => e.raw).sort()).toEqual(['{"feed": "one", broken', '{"feed": "two", broken']);
  });

  it('stores a reject once, whatever path or compression the same file is read through', async () => {
    const text = [good('r1'), '{broken one', good('r2'), withRaw('r3', 'cost_usd', 'NaN')].join('\n') + '\n';
    const plain = file(text, 'same/a.jsonl');
    const copy = join(dir, 'same/b.jsonl');
    copyFileSync(plain, copy);
    const gz = file(gzipSync(text), 'same/a.jsonl.gz');
    const db = join(dir, 'same.duckdb');
    for (const input of [plain, copy, gz, plain]) expect((await runCli(['ingest', input, '--db', db, '--quiet'])).code).toBe(0);
    const report = JSON.parse((await runCli(['report', '--db', db, '--all', '--format', 'json'])).stdout);
    expect(report.rejects.total).toBe(2);
  });

  it('follows symlinks to files and folders, each file once, through a loop', async () => {
    const root = join(dir, 'links');
    file(good('l1') + '\n', 'links/real/a.jsonl');
    mkdirSync(join(root, 'logs'));
    symlinkSync('../real/a.jsonl', join(root, 'logs/link.jsonl'));
    symlinkSync('../real', join(root, 'logs/folder'));
    symlinkSync('..', join(root, 'real/loop'));
    const { files, notes, cleanup } = await discoverInputs([join(root, 'logs'), join(root, 'real/a.jsonl')], Readable.from([]));
    cleanup();
    expect(files.map((f) => f.label)).toEqual([join(root, 'logs/folder/a.jsonl')]);
    expect(notes.length).toBeGreaterThanOrEqual(2);
    expect(notes).toContain(`${join(root, 'real/a.jsonl')} is the same file as ${join(root, 'logs/folder/a.jsonl')}: read once`);
  });

  it('reads a file whose name has [ ] * ? { } as that file, not as a pattern DuckDB expands', async () => {
    file(good('literal') + '\n', 'glob/a[1].jsonl');
    file(good('other') + '\n', 'glob/a1.jsonl');
    file(good('literal-q') + '\n', 'glob/b?{x}.jsonl');
    file(good('other-q') + '\n', 'glob/bz{x}.jsonl');
    for (const [name, id] of [['a[1].jsonl', 'literal'], ['b?{x}.jsonl', 'literal-q']] as const) {
      const out = join(dir, 'glob.csv');
      const r = await runCli(['export', join(dir, 'glob', name), '--out', out]);
      expect(r.code).toBe(0);
      const csv = readFileSync(out, 'utf8');
      expect(csv).toContain(`\n${id},`);
      expect(csv).not.toContain(id === 'literal' ? '\nother,' : '\nother-q,');
    }
  });

  it('expands a pattern that starts with ./', async () => {
    const cwd = process.cwd();
    try {
      process.chdir(join(dir, 'glob'));
      const { files, cleanup } = await discoverInputs(['./a*.jsonl'], Readable.from([]));
      cleanup();
      expect(files.map((f) => f.label)).toEqual(['a[1].jsonl', 'a1.jsonl']);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('native field discovery', () => {
  it('reads an alias that a few records in 200,000 use', async () => {
    const rare = new Set([150_001, 199_990]);
    const lines: string[] = [];
    for (let i = 1; i <= 200_000; i++) {
      lines.push(rare.has(i) ? JSON.stringify({ ts: '2025-03-17T10:00:00Z', request_id: `k${i}`, model: 'm', cost: 1.5 }) : `{"ts":"2025-03-17T10:00:00Z","request_id":"k${i}","model":"m","cost_usd":0.5}`);
    }
    const path = file(lines.join('\n') + '\n');
    const costs = await withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, path, path);
      return db.all(`SELECT request_id, cost_usd FROM requests WHERE cost_usd <> 0.5 ORDER BY request_id`);
    });
    expect(costs).toEqual([{ request_id: 'k150001', cost_usd: 1.5 }, { request_id: 'k199990', cost_usd: 1.5 }]);
  });
});

describe('temporary files', () => {
  it("keeps DuckDB's spill files in a private folder (0700) that is gone after the run", async () => {
    const spill = await withDatabase({ path: ':memory:' }, async (db) => {
      const row = await db.one<{ dir: string }>(`SELECT current_setting('temp_directory') AS dir`);
      const dir = row!.dir;
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(dir.startsWith(tmpdir())).toBe(true);
      return dir;
    });
    expect(existsSync(spill)).toBe(false);
  });
});
