import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { runCli } from './run-cli.js';

/** Runs the CLI in-process with captured output. */
export const run = (argv: string[], stdinText = '') => runCli(argv, { stdin: stdinText });

const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-test-'));

describe('report', () => {
  it('prints the JSON skeleton for a file loaded in memory', async () => {
    const { code, stdout, stderr } = await run(['report', 'fixtures/formats/native.jsonl', '--format', 'json']);
    expect(stderr).toContain('fixtures/formats/native.jsonl: native, 3 records: 3 loaded, 0 rejected');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.schema_version).toBe(1);
    expect(report.window).toEqual({ from: '2025-03-17T09:00:00.000Z', to: '2025-03-17T09:00:10.000Z' });
    expect(report.requests).toMatchObject({
      total: 3, rejected: 0, by_format: { native: 3 }, input_tokens: 51, output_tokens: 528, cache_hits: 1,
    });
    expect(report.requests.spend_usd).toBeCloseTo(0.0000131 + 0.000185 + 0.00405, 12);
    expect(report.requests.models.map((m: { model: string }) => m.model).sort()).toEqual(
      ['claude-3-haiku-20240317', 'gpt-3.5-turbo-0125', 'gpt-4o-2024-08-06'],
    );
  });

  it('applies --since (inclusive) and --until (exclusive)', async () => {
    const { stdout } = await run(['report', 'fixtures/formats/native.jsonl', '--format', 'json', '--quiet',
      '--since', '2025-03-17T09:00:05Z', '--until', '2025-03-17T09:00:10Z']);
    expect(JSON.parse(stdout).requests.total).toBe(1);
  });

  it('reads stdin with -', async () => {
    const text = readFileSync('fixtures/formats/native.jsonl', 'utf8');
    const { code, stdout } = await run(['report', '-', '--format', 'json', '--quiet'], text);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).requests.total).toBe(3);
  });

  it('treats an empty input as a valid empty report', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const { code, stdout } = await run(['report', join(dir, 'empty.jsonl'), '--format', 'json', '--quiet']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).requests.total).toBe(0);
  });

  it('renders a table that fits 100 columns', async () => {
    const { code, stdout } = await run(['report', 'fixtures/formats/native.jsonl', '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toContain('routecheck report');
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('usage errors: one line, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing file', ['report', 'no/such/file.jsonl'], /cannot read no\/such\/file\.jsonl/],
    ['an unknown flag', ['report', 'fixtures/formats/native.jsonl', '--bogus'], /unknown option/],
    ['an unknown input format', ['report', 'fixtures/formats/native.jsonl', '--input-format', 'nope'], /unknown input format "nope"/],
    ['a bad --since', ['report', 'fixtures/formats/native.jsonl', '--since', 'yesterday'], /--since "yesterday"/],
    ['a bad --format', ['report', 'fixtures/formats/native.jsonl', '--format', 'xml'], /--format "xml"/],
    ['a bad --map', ['report', 'fixtures/formats/native.jsonl', '--map', 'nofield=a.b'], /unknown field "nofield"/],
    ['no inputs', ['report'], /report needs log files/],
    ['a glob matching nothing', ['report', 'fixtures/nothing-*.jsonl'], /no files match/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const { code, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('every flag and config value is checked before any log is read', () => {
  // A run that loaded logs before failing would have created the --db file: its absence shows nothing was read.
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-settings-'));
  const badConfig = join(dir, 'bad-gates.json');
  writeFileSync(badConfig, JSON.stringify({ gates: { max_deviation: 'high' } }));
  const badKeepRaw = join(dir, 'bad-keep-raw.json');
  writeFileSync(badKeepRaw, JSON.stringify({ keep_raw: 'yes' }));
  const cases: [string, string[], RegExp][] = [
    ['--embedder bogus', ['--embedder', 'bogus'], /--embedder/],
    ['--week-start funday', ['--week-start', 'funday'], /--week-start "funday"/],
    ['--trend-weeks 0', ['--trend-weeks', '0'], /--trend-weeks "0"/],
    ['--labels on a missing file', ['--labels', join(dir, 'missing.csv')], /--labels: cannot read/],
    ['--prices on a missing file', ['--prices', join(dir, 'missing.csv')], /--prices: cannot read/],
    ['--classifier of an unknown kind', ['--classifier', 'magic'], /unknown kind "magic"/],
    ['--cache-ttl that is no duration', ['--cache-ttl', 'soon'], /--cache-ttl/],
    ['--max-deviation that is no number', ['--max-deviation', 'lots'], /--max-deviation "lots"/],
    ['a config gate that is no number', ['--config', badConfig], /gates\.max_deviation/],
    ['a config keep_raw that is no boolean', ['--config', badKeepRaw], /"keep_raw" must be true or false/],
  ];
  for (const [name, flags, message] of cases) {
    it(name, async () => {
      const db = join(dir, `${name.replace(/\W+/g, '-')}.duckdb`);
      const { code, stderr } = await run(['report', 'fixtures/demo/logs/', '--db', db, ...flags]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(db)).toBe(false);
    });
  }

  it('a good run with the same flags does create the database (the check above can fail)', async () => {
    const db = join(dir, 'good.duckdb');
    const { code } = await run(['report', 'fixtures/formats/native.jsonl', '--db', db, '--embedder', 'lexical', '--week-start', 'sunday', '--quiet']);
    expect(code).toBe(0);
    expect(existsSync(db)).toBe(true);
  });
});

describe('ingest', () => {
  it('appends to a persistent database and adds nothing the second time', async () => {
    const db = join(tmp(), 'sub', 'rc.duckdb');
    const first = await run(['ingest', 'fixtures/formats/native.jsonl', '--db', db, '--format', 'json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ loaded: 3, total_requests: 3 });
    const second = await run(['ingest', 'fixtures/formats/native.jsonl', '--db', db, '--format', 'json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ loaded: 0, total_requests: 3 });
    expect(second.stderr).toContain('3 already loaded');
    const report = await run(['report', '--db', db, '--format', 'json', '--quiet']);
    expect(JSON.parse(report.stdout).requests.total).toBe(3);
  });

  it('stores the loaded records\' text only with --keep-raw or "keep_raw": true', async () => {
    const dir = tmp();
    const texts = async (db: string) =>
      Number((await withDatabase({ path: db }, (d) => d.scalar(`SELECT count(raw) FROM requests`))) ?? -1);
    const plain = join(dir, 'plain.duckdb');
    expect((await run(['ingest', 'fixtures/formats/native.jsonl', '--db', plain, '--quiet'])).code).toBe(0);
    expect(await texts(plain)).toBe(0);
    const flagged = join(dir, 'flag.duckdb');
    expect((await run(['ingest', 'fixtures/formats/native.jsonl', '--db', flagged, '--keep-raw', '--quiet'])).code).toBe(0);
    expect(await texts(flagged)).toBe(3);
    const config = join(dir, 'keep.json');
    writeFileSync(config, JSON.stringify({ keep_raw: true }));
    const configured = join(dir, 'config.duckdb');
    expect((await run(['report', 'fixtures/formats/native.jsonl', '--db', configured, '--config', config, '--quiet'])).code).toBe(0);
    expect(await texts(configured)).toBe(3);
  });

  // Formats that turn one record into several rows (OTLP spans, Langfuse observations) or pages into records keep
  // the text in the mapped table, not by line: the same rule must hold for them.
  it.each(['otel-traces.jsonl', 'langfuse-trace.json', 'langfuse-blob.jsonl', 'langfuse-v2-page.json'])('%s: text stored only with --keep-raw', async (name) => {
    const dir = tmp();
    const file = join('fixtures/formats', name);
    const stored = async (db: string) =>
      (await withDatabase({ path: db }, (d) => d.one<{ n: bigint; texts: bigint; json: bigint }>(
        `SELECT count(*) AS n, count(raw) AS texts, count(*) FILTER (WHERE json_valid(raw)) AS json FROM requests`,
      )))!;
    const plain = join(dir, 'plain.duckdb');
    expect((await run(['ingest', file, '--db', plain, '--quiet'])).code).toBe(0);
    const without = await stored(plain);
    expect(Number(without.n)).toBeGreaterThan(0);
    expect(Number(without.texts)).toBe(0);
    const kept = join(dir, 'kept.duckdb');
    expect((await run(['ingest', file, '--db', kept, '--keep-raw', '--quiet'])).code).toBe(0);
    const withRaw = await stored(kept);
    // The same requests, each with the JSON text it came from.
    expect(withRaw.n).toBe(without.n);
    expect(withRaw.texts).toBe(withRaw.n);
    expect(withRaw.json).toBe(withRaw.n);
  });
});
