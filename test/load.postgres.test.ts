import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A plain .mjs helper, shared with bench/postgres.mjs.
import { findPgBin, freePort, startCluster } from '../scripts/pg-cluster.mjs';
import { withDatabase, type Row } from '../src/db/database.js';
import { litellmSpendLogs } from '../src/load/formats/litellm.js';
import { ingestFile } from '../src/load/ingest.js';
import { ingestPostgres, LITELLM_COLUMNS, readPlan } from '../src/load/postgres.js';
import { parsePostgresUrl, withoutPassword } from '../src/load/postgres-source.js';
import { readSpan } from '../src/report/read-span.js';
import { exportJsonl, generatedRows, insertRows, later, spendLogsDdl, type SpendRow } from './postgres-rows.js';
import { runCli } from './run-cli.js';

interface Cluster {
  host: string;
  port: number;
  user: string;
  password: string;
  url(database?: string, withPassword?: boolean): string;
  stop(): void;
}

const BIN: string | null = findPgBin();
const NO_SERVER = BIN ? '' : ' — SKIPPED: no PostgreSQL binaries (initdb, pg_ctl in /usr/local/bin or /usr/lib/postgresql/*/bin; apt-get install postgresql)';

/** Rows with something to check in each field; all in ISO week 2025-W12. */
const SPECIAL: SpendRow[] = [
  {
    request_id: 'chatcmpl-pg-1',
    call_type: 'acompletion',
    spend: 0.000185,
    total_tokens: 1420,
    prompt_tokens: 1180,
    completion_tokens: 240,
    startTime: '2025-03-18 09:00:00.120',
    endTime: '2025-03-18 09:00:01.530',
    request_duration_ms: 1410,
    model: 'gpt-4o-mini',
    model_group: 'router-auto',
    custom_llm_provider: 'openai',
    user: 'internal-user-7',
    end_user: 'cust-42',
    session_id: 'sess-pg',
    status: 'success',
    cache_hit: 'False',
    cache_key: 'Cache OFF',
    metadata: {
      routing_decision: { router_type: 'complexity', tier: 'SIMPLE', score: 0.08 },
      usage_object: { prompt_tokens: 1180, completion_tokens: 240, prompt_tokens_details: { cached_tokens: 1024 } },
    },
    proxy_server_request: {
      model: 'router-auto',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Où est ma commande ? 注文はどこ？ 📦' }] },
      ],
    },
  },
  {
    // Zero spend with tokens on a priced model: stored as logged (0); pricing decides what a logged 0 means.
    request_id: 'chatcmpl-pg-2',
    call_type: 'acompletion',
    spend: 0,
    total_tokens: 1020,
    prompt_tokens: 900,
    completion_tokens: 120,
    startTime: '2025-03-18 10:00:00',
    endTime: '2025-03-18 10:00:02.500',
    model: 'gpt-4o',
    model_group: 'router-auto',
    custom_llm_provider: 'openai',
    user: '',
    cache_hit: 'None',
    cache_key: '',
    status: 'success',
    metadata: {},
    // The prompt from the `messages` column (proxy_server_request keeps its default "{}").
    messages: [{ role: 'user', content: 'Zusammenfassung: Größe prüfen — ñandú «ok»' }],
  },
  {
    request_id: 'chatcmpl-pg-3_cache_hit1742288400.5',
    call_type: 'acompletion',
    spend: 0,
    total_tokens: 1020,
    prompt_tokens: 900,
    completion_tokens: 120,
    startTime: '2025-03-18 11:00:00',
    endTime: '2025-03-18 11:00:00.012',
    model: 'gpt-4o-mini',
    custom_llm_provider: 'openai',
    cache_hit: 'True',
    cache_key: '3f9c1d0e8b7a',
    status: 'success',
    metadata: null,
  },
  {
    request_id: 'chatcmpl-pg-4',
    call_type: 'acompletion',
    spend: 0,
    startTime: '2025-03-18 12:00:00',
    endTime: '2025-03-18 12:00:30.250',
    model: 'claude-3-5-sonnet-20241022',
    model_group: '',
    custom_llm_provider: 'anthropic',
    user: 'internal-user-9',
    end_user: '',
    status: 'failure',
    metadata: { spend_logs_metadata: { route: 'complex', score: 0.71, ideal: 'gpt-4o-mini' } },
    proxy_server_request: { messages: [{ role: 'user', content: 'Line one\nLine "two" \\ end' }] },
  },
  // Not a model call: skipped.
  { request_id: 'batch-pg-5', call_type: 'acreate_batch', startTime: '2025-03-18 13:00:00', endTime: '2025-03-18 13:00:01' },
  // A negative spend: rejected, with the row's text. The latest row, so incremental runs read it again.
  { request_id: 'chatcmpl-pg-6', call_type: 'acompletion', spend: -0.0002, startTime: '2025-03-23 23:00:00', endTime: '2025-03-23 23:00:01', model: 'gpt-4o-mini' },
];

/** What each kept special row maps to (hand-written from the rows above and the spend-log format's rules). */
const EXPECTED = [
  {
    ts_ms: 1742288400120n,
    request_id: 'chatcmpl-pg-1',
    session_id: 'sess-pg',
    user_id: 'cust-42',
    input: 'Où est ma commande ? 注文はどこ？ 📦',
    model: 'gpt-4o-mini',
    requested_model: 'router-auto',
    route: 'SIMPLE',
    score: 0.08,
    ideal: null,
    input_tokens: 1180n,
    output_tokens: 240n,
    cached_tokens: 1024n,
    cost_usd: 0.000185,
    cache_key: null,
    cache_hit: false,
    status: 'success',
    latency_ms: 1410,
    provider: 'openai',
  },
  {
    ts_ms: 1742292000000n,
    request_id: 'chatcmpl-pg-2',
    session_id: null,
    user_id: null,
    input: 'Zusammenfassung: Größe prüfen — ñandú «ok»',
    model: 'gpt-4o',
    requested_model: 'router-auto',
    route: null,
    score: null,
    input_tokens: 900n,
    output_tokens: 120n,
    cached_tokens: null,
    cost_usd: 0,
    cache_key: null,
    cache_hit: null,
    latency_ms: 2500,
    provider: 'openai',
  },
  {
    ts_ms: 1742295600000n,
    request_id: 'chatcmpl-pg-3_cache_hit1742288400.5',
    input: null,
    requested_model: null,
    cost_usd: 0,
    cache_key: '3f9c1d0e8b7a',
    cache_hit: true,
    latency_ms: 12,
  },
  {
    ts_ms: 1742299200000n,
    request_id: 'chatcmpl-pg-4',
    user_id: 'internal-user-9',
    input: 'Line one\nLine "two" \\ end',
    model: 'claude-3-5-sonnet-20241022',
    requested_model: null,
    route: 'complex',
    score: 0.71,
    ideal: 'gpt-4o-mini',
    input_tokens: 0n,
    output_tokens: 0n,
    cost_usd: 0,
    status: 'failure',
    latency_ms: 30250,
    provider: 'anthropic',
  },
];

/** Seven weeks of ordinary calls up to the end of 2025-W12, and the special rows. */
const ROWS: SpendRow[] = [...generatedRows(500, '2025-02-03 00:00:00', '2025-03-23 22:00:00'), ...SPECIAL];

const CANONICAL = `SELECT * EXCLUDE (raw, record_key, ingested_at, source_file), epoch_ms(ts) AS ts_ms FROM requests ORDER BY ts, request_id`;

/**
 * The report JSON without what tells the sources apart: the inputs list, and the reject examples' file and text
 * (a row's text is the server's row_to_json, a line's is the export's). With `position`, the example's line too:
 * a row's number is its place in the rows read, and a pushed-down read starts later than the file.
 */
function comparable(stdout: string, position = false): unknown {
  const report = JSON.parse(stdout) as Record<string, unknown> & { rejects: { examples: { file?: string; raw?: string; line?: number }[] } };
  delete report['inputs'];
  for (const e of report.rejects.examples) {
    e.file = '<source>';
    e.raw = '<text>';
    if (position) e.line = 0;
  }
  return report;
}

describe.skipIf(!BIN)(`postgres:// inputs against a real PostgreSQL server${NO_SERVER}`, () => {
  let cluster: Cluster;
  let admin: pg.Client;
  let dir: string;
  let jsonl: string;
  let url: string;
  const sql = (text: string, values?: unknown[]) => admin.query(text, values);

  beforeAll(async () => {
    cluster = (await startCluster()) as Cluster;
    dir = mkdtempSync(join(tmpdir(), 'rc-pg-test-'));
    const root = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'postgres' });
    await root.connect();
    await root.query('CREATE DATABASE litellm');
    await root.end();
    admin = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'litellm' });
    await admin.connect();
    await sql(spendLogsDdl());
    await insertRows(admin, ROWS);
    jsonl = join(dir, 'spend-logs.jsonl');
    writeFileSync(jsonl, await exportJsonl(admin));
    url = cluster.url('litellm');
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('maps every field of each row as the spend-log file format does', async () => {
    const source = parsePostgresUrl(url);
    const fromPg = await withDatabase({ path: ':memory:' }, async (db) => {
      const load = await ingestPostgres(db, source, { env: {}, span: { from: null, to: null } });
      return { load, rows: await db.all(CANONICAL), rejects: await db.all(`SELECT * FROM rejects`), files: await db.all(`SELECT DISTINCT source_file FROM requests`) };
    });
    expect(fromPg.load.summary).toEqual({
      file: source.label,
      format: 'litellm-spendlogs',
      records: ROWS.length,
      loaded: ROWS.length - 2,
      rejected: 1,
      skipped: 1,
      duplicates: 0,
    });
    const byId = new Map(fromPg.rows.map((r) => [r['request_id'], r]));
    for (const expected of EXPECTED) expect(byId.get(expected.request_id)).toMatchObject({ ...expected, format: 'litellm-spendlogs' });
    expect(fromPg.rejects).toHaveLength(1);
    expect(fromPg.rejects[0]).toMatchObject({ source_file: source.label, reason: 'negative cost_usd: -0.0002' });
    expect(JSON.parse(fromPg.rejects[0]!['raw'] as string)).toMatchObject({ request_id: 'chatcmpl-pg-6', spend: -0.0002 });
    expect(fromPg.files).toEqual([{ source_file: 'postgres://routecheck@127.0.0.1:' + cluster.port + '/litellm' }]);

    // The same rows as a LiteLLM JSONL export land as the same canonical rows, field for field, line for line.
    const fromFile = await withDatabase({ path: ':memory:' }, async (db) => {
      await ingestFile(db, jsonl, jsonl);
      return db.all(CANONICAL);
    });
    expect(fromPg.rows).toEqual(fromFile);
  });

  it('reads a table of the same shape with ?table= (NULL tokens and spend read as missing, not 0)', async () => {
    await sql('CREATE SCHEMA archive');
    await sql(spendLogsDdl('archive.spend_2024'));
    await sql('ALTER TABLE archive.spend_2024 ALTER COLUMN prompt_tokens DROP NOT NULL, ALTER COLUMN completion_tokens DROP NOT NULL, ALTER COLUMN spend DROP NOT NULL');
    await insertRows(
      admin,
      [{ request_id: 'old-1', call_type: 'completion', startTime: '2024-06-03 08:00:00', endTime: '2024-06-03 08:00:01', model: 'gpt-4o-mini', spend: null, prompt_tokens: null, completion_tokens: null }],
      'archive.spend_2024',
    );
    const r = await runCli(['ingest', `${url}?table=archive.spend_2024`, '--db', join(dir, 'archive.duckdb')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`postgres://routecheck@127.0.0.1:${cluster.port}/litellm?table=archive.spend_2024: litellm-spendlogs, 1 record: 1 loaded`);
    const rows = await withDatabase({ path: join(dir, 'archive.duckdb') }, (db) => db.all(CANONICAL));
    expect(rows).toMatchObject([{ request_id: 'old-1', input_tokens: null, output_tokens: null, cost_usd: null, ts_ms: 1717401600000n }]);
  });

  it('gives the same report as the same rows exported to a JSONL file', async () => {
    const fromPg = await runCli(['report', url, '--format', 'json']);
    const fromFile = await runCli(['report', jsonl, '--format', 'json']);
    expect(fromPg.code).toBe(0);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromPg.stdout).requests.total).toBeGreaterThan(0);
    expect(comparable(fromPg.stdout)).toEqual(comparable(fromFile.stdout));
  });

  it('pushes a dated window down to the server and still reports it as the whole file does', async () => {
    const args = ['--since', '2025-03-17', '--until', '2025-03-24', '--format', 'json'];
    const fromPg = await runCli(['report', url, ...args]);
    const fromFile = await runCli(['report', jsonl, ...args]);
    expect(fromPg.code).toBe(0);
    // The window, the week before, the trend weeks and the cache warm-up need rows from 2025-01-20 on, until the window's end.
    expect(fromPg.stderr).toContain('rows read: startTime from 2025-01-20T00:00:00Z up to 2025-03-24T00:00:00Z (what the window needs)');
    const read = JSON.parse(fromPg.stdout).inputs[0].records as number;
    const inSpan = ROWS.filter((r) => r.startTime >= '2025-01-20' && r.startTime < '2025-03-24').length;
    expect(read).toBe(inSpan);

    const narrow = await runCli(['report', url, '--week', '2025-W12', '--trend-weeks', '1', '--cache-ttl', '1h', '--format', 'json']);
    const narrowFile = await runCli(['report', jsonl, '--week', '2025-W12', '--trend-weeks', '1', '--cache-ttl', '1h', '--format', 'json']);
    // W12 and the week before, and one week of cost facts before that: from 2025-03-03.
    expect(narrow.stderr).toContain('rows read: startTime from 2025-03-03T00:00:00Z up to 2025-03-24T00:00:00Z');
    const narrowRead = JSON.parse(narrow.stdout).inputs[0].records as number;
    expect(narrowRead).toBe(ROWS.filter((r) => r.startTime >= '2025-03-03' && r.startTime < '2025-03-24').length);
    expect(narrowRead).toBeLessThan(ROWS.length);
    expect(comparable(narrow.stdout, true)).toEqual(comparable(narrowFile.stdout, true));
    expect(comparable(fromPg.stdout, true)).toEqual(comparable(fromFile.stdout, true));

    // --since alone: the comparison window's length hangs on the data's end, so every row is read.
    const open = await runCli(['report', url, '--since', '2025-03-17', '--format', 'json']);
    expect(open.stderr).not.toContain('rows read');
    expect(JSON.parse(open.stdout).inputs[0].records).toBe(ROWS.length);
  });

  it('with --db reads only rows after the last run (less an overlap the dedupe absorbs), then only new rows', async () => {
    const db = join(dir, 'state.duckdb');
    const first = await runCli(['ingest', url, '--db', db]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`: litellm-spendlogs, ${ROWS.length} records: ${ROWS.length - 2} loaded, 1 rejected`);

    const latest = ROWS.map((r) => r.startTime).sort().at(-1)!;
    const overlapStart = later(latest, -24 * 3_600_000);
    const inOverlap = ROWS.filter((r) => r.startTime >= overlapStart).length;
    const again = await runCli(['ingest', url, '--db', db]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`: litellm-spendlogs, ${inOverlap} records: 0 loaded, 1 rejected, ${inOverlap - 1} already loaded`);
    const shownStart = new Date(overlapStart.replace(' ', 'T') + 'Z').toISOString().replace('.000Z', 'Z');
    expect(again.stderr).toContain(`rows read: startTime from ${shownStart} (24 h before the latest row of the last run)`);

    // New rows, and a late one: written after the last run, with a startTime before its latest (inside the overlap).
    const fresh: SpendRow[] = [
      ...generatedRows(3, '2025-03-24 06:00:00', '2025-03-24 12:00:00', 11, 'fresh'),
      { ...SPECIAL[0]!, request_id: 'late-1', startTime: later(latest, -3_600_000), endTime: later(latest, -3_000_000) },
    ];
    await insertRows(admin, fresh);
    const third = await runCli(['ingest', url, '--db', db, '--format', 'json']);
    expect(third.code).toBe(0);
    const summary = JSON.parse(third.stdout);
    expect(summary.files[0]).toMatchObject({ loaded: fresh.length, rejected: 1 });
    expect(summary.total_requests).toBe(ROWS.length - 2 + fresh.length);

    const state = await withDatabase({ path: db }, async (d) => ({
      marks: await d.all(`SELECT source, epoch_ms(high_water) AS hw FROM source_marks`),
      rejects: await d.scalar(`SELECT count(*) FROM rejects`),
    }));
    const newest = [...ROWS, ...fresh].map((r) => r.startTime).sort().at(-1)!;
    expect(state.marks).toEqual([{ source: `postgres://routecheck@127.0.0.1:${cluster.port}/litellm`, hw: BigInt(Date.parse(newest.replace(' ', 'T') + 'Z')) }]);
    // The rejected row was read three times but is stored once (its text is its identity, not its position).
    expect(state.rejects).toBe(1);

    // The weekly cron job: one command.
    const cron = await runCli(['report', url, '--db', db, '--format', 'json']);
    expect(cron.code).toBe(0);
    expect(JSON.parse(cron.stdout).inputs[0].loaded).toBe(0);
    await sql(`DELETE FROM "LiteLLM_SpendLogs" WHERE request_id = ANY($1)`, [fresh.map((r) => r.request_id)]);
  });

  it('takes the password from PGPASSWORD or ~/.pgpass, and never shows it', async () => {
    const bare = cluster.url('litellm', false);
    const home = mkdtempSync(join(tmpdir(), 'rc-pg-home-'));
    try {
      const none = await runCli(['report', bare, '--format', 'json'], { env: { HOME: home } });
      expect(none.code).toBe(2);
      expect(none.stderr).toBe(`routecheck: cannot read ${bare}: the server wants a password: none in the URL, PGPASSWORD or ~/.pgpass\n`);

      const env = await runCli(['report', bare, '--format', 'json'], { env: { HOME: home, PGPASSWORD: cluster.password } });
      expect(env.code).toBe(0);

      const pgpass = join(home, '.pgpass');
      writeFileSync(pgpass, `# host:port:db:user:password\n127.0.0.1:${cluster.port}:litellm:${cluster.user}:${cluster.password}\n`, { mode: 0o644 });
      // Readable by others: ignored, as libpq ignores it.
      expect((await runCli(['report', bare, '--format', 'json'], { env: { HOME: home } })).code).toBe(2);
      chmodSync(pgpass, 0o600);
      const file = await runCli(['report', bare, '--format', 'markdown'], { env: { HOME: home } });
      expect(file.code).toBe(0);
      expect(file.stdout).toContain(bare);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }

    // A password in the URL is in no output: messages, the report's inputs, the database's labels.
    const db = join(dir, 'secret.duckdb');
    const runs = [
      await runCli(['report', url, '--db', db, '--format', 'markdown']),
      await runCli(['report', url, '--db', db, '--format', 'json']),
      await runCli(['ingest', url, '--db', db, '--format', 'json']),
    ];
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(cluster.password);
    }
    expect(runs[0]!.stdout).toContain(bare);
    const labels = await withDatabase({ path: db }, (d) =>
      d.all<Row>(`SELECT source_file AS s FROM requests UNION SELECT source_file FROM ingests UNION SELECT source_file FROM rejects UNION SELECT source FROM source_marks`),
    );
    expect(labels.map((l) => l['s'])).toEqual([bare]);
  });

  describe('errors: one line, exit 2, the source named without its password', () => {
    const expectError = async (input: string, message: RegExp | string, shown: string): Promise<void> => {
      const r = await runCli(['report', input, '--format', 'json']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`routecheck: cannot read ${shown}: `);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain(cluster.password);
    };

    it('refused connection', async () => {
      const port = await freePort();
      await expectError(`postgres://routecheck:${cluster.password}@127.0.0.1:${port}/litellm`, 'connection refused', `postgres://routecheck@127.0.0.1:${port}/litellm`);
    });

    it('sslmode=require against a server without TLS (the default, prefer, connects without: every test above)', async () => {
      await expectError(`${url}?sslmode=require`, 'the server does not accept TLS connections (sslmode=require; sslmode=prefer or disable connects without)', cluster.url('litellm', false));
    });

    it('bad password, and a database that does not exist', async () => {
      const shown = cluster.url('litellm', false);
      await expectError(`postgres://routecheck:not-${cluster.password}@127.0.0.1:${cluster.port}/litellm`, 'password authentication failed for user "routecheck"', shown);
      await expectError(cluster.url('nowhere'), 'database "nowhere" does not exist', cluster.url('nowhere', false));
    });

    it('missing table', async () => {
      await expectError(`${url}?table=spend_logs`, 'no table "spend_logs" in database litellm', `${cluster.url('litellm', false)}?table=spend_logs`);
    });

    it('a column of another type, and a table that is not a spend-log table', async () => {
      await sql(`CREATE TABLE wrong_types (request_id text PRIMARY KEY, "startTime" timestamp(3), spend text, prompt_tokens integer)`);
      await expectError(`${url}?table=wrong_types`, 'column "spend" of table "wrong_types" is text, not a number (double precision) as in LiteLLM\'s schema', `${cluster.url('litellm', false)}?table=wrong_types`);
      await sql(`CREATE TABLE no_start (request_id text PRIMARY KEY, spend float8)`);
      await expectError(`${url}?table=no_start`, 'table "no_start" has no column "startTime"', `${cluster.url('litellm', false)}?table=no_start`);
    });

    it('a malformed URL is a usage error before anything is read', async () => {
      const r = await runCli(['report', `postgres://routecheck:${cluster.password}@127.0.0.1:${cluster.port}/`, '--format', 'json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`routecheck: postgres://routecheck@127.0.0.1:${cluster.port}/: name one database after the host, like postgres://USER@HOST:5432/DB\n`);
      const unknown = await runCli(['report', `${url}&connect_timeout=5`.replace('&', '?'), '--format', 'json']);
      expect(unknown.stderr).toContain('unknown parameter "connect_timeout" (known: table, sslmode, sslrootcert)');
    });
  });
});

describe('postgres:// sources without a server', () => {
  it('parses URLs into a label without the password', () => {
    expect(parsePostgresUrl('postgresql://litellm:p%40ss@db/litellm')).toEqual({
      host: 'db',
      port: 5432,
      database: 'litellm',
      user: 'litellm',
      password: 'p@ss',
      table: ['LiteLLM_SpendLogs'],
      label: 'postgres://litellm@db:5432/litellm',
      tls: { mode: 'prefer', modeFrom: 'default', rootCert: null },
    });
    expect(parsePostgresUrl('postgres://u@[::1]:6543/x?table=s.t').label).toBe('postgres://u@[::1]:6543/x?table=s.t');
    expect(parsePostgresUrl('postgres://u@[::1]:6543/x?table=s.t').table).toEqual(['s', 't']);
    expect(parsePostgresUrl('postgres:///x', { PGHOST: 'pg.internal', PGPORT: '6000' }).label).toBe('postgres://pg.internal:6000/x');
    // The default table spelled out is the same source.
    expect(parsePostgresUrl('postgres://u@h/x?table=LiteLLM_SpendLogs').label).toBe('postgres://u@h:5432/x');
    // An unescaped @ in the password: the URL's last @ ends it, and no part of it is shown.
    expect(parsePostgresUrl('postgres://u:p@ss@h/x')).toMatchObject({ password: 'p@ss', label: 'postgres://u@h:5432/x' });
    expect(withoutPassword('postgres://u:p@ss@h:1/ (broken')).toBe('postgres://u@h:1/ (broken');
  });

  it('plans the read: everything, the span, or from the mark less the overlap', () => {
    const d = (s: string) => new Date(s);
    const span = { from: d('2025-03-01T00:00:00Z'), to: d('2025-03-24T00:00:00Z') };
    expect(readPlan({ from: null, to: null }, null)).toEqual({ from: null, to: null, advances: true, basis: 'all' });
    // A first read of a span leaves the rows before it unread: no mark.
    expect(readPlan(span, null)).toMatchObject({ from: span.from, advances: false, basis: 'span' });
    // A mark after the span's start: resume there, less the overlap.
    expect(readPlan(span, d('2025-03-20T12:00:00Z'), 3_600_000)).toEqual({ from: d('2025-03-20T11:00:00Z'), to: span.to, advances: true, basis: 'mark' });
    // A span that starts after the mark would leave a gap: read the span, keep the mark.
    expect(readPlan(span, d('2025-02-01T00:00:00Z'), 3_600_000)).toMatchObject({ from: span.from, advances: false, basis: 'span' });
  });

  it('knows the span a dated window reads, and reads everything when it hangs on the data', async () => {
    const { normalizeRunSettings } = await import('../src/settings.js');
    const { normalizeConfig } = await import('../src/config.js');
    const settings = (flags: Record<string, unknown>) => normalizeRunSettings(flags, normalizeConfig({}, undefined), { env: {}, isTTY: false });
    // 2025-W12 with the defaults: 8 trend weeks from 2025-01-27, their cost facts a week before that.
    expect(readSpan(settings({ week: '2025-W12' }))).toEqual({ from: new Date('2025-01-20T00:00:00Z'), to: new Date('2025-03-24T00:00:00Z') });
    expect(readSpan(settings({ until: '2025-03-24' }))).toEqual({ from: null, to: new Date('2025-03-24T00:00:00Z') });
    for (const flags of [{}, { all: true }, { last: '7d' }, { since: '2025-03-17' }, { since: '7d', until: '2025-03-24' }]) {
      expect(readSpan(settings(flags))).toEqual({ from: null, to: null });
    }
  });

  it('knows the type of every column the spend-log format reads', () => {
    const fields = JSON.stringify({ keep: litellmSpendLogs.keep, fields: litellmSpendLogs.fields });
    const read = new Set([...fields.matchAll(/\{\$\.(\w+)\}/g)].map((m) => m[1]!));
    expect([...read].sort()).toEqual(Object.keys(LITELLM_COLUMNS).sort());
  });

  it('the table DDL has the columns of schema.prisma', () => {
    const ddl = readFileSync('fixtures/postgres/litellm-spendlogs.sql', 'utf8');
    for (const column of Object.keys(LITELLM_COLUMNS)) expect(ddl).toContain(`"${column}"`);
  });
});
