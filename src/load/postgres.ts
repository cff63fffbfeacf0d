import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Database } from '../db/database.js';
import { quoteIdent } from '../db/sql.js';
import { InputError } from '../errors.js';
import { litellmSpendLogs } from './formats/litellm.js';
import { dropFrameTables } from './frame.js';
import { ingestFramed, type FileSummary, type IngestOptions } from './ingest.js';
import { resolvePassword, type PostgresSource, type PostgresTls } from './postgres-source.js';

/*
 * LiteLLM's proxy keeps every call in PostgreSQL, table "LiteLLM_SpendLogs". Its rows are read as the JSON objects
 * PostgreSQL's row_to_json makes of them, which is the LiteLLM spend-log record the file format reads (the same
 * column names; JSON columns as objects rather than JSON-encoded strings, which that format reads either way), and
 * go through that format's mapping unchanged: one mapping, whatever carried the rows.
 */

/**
 * A row's startTime is when its call started, but LiteLLM writes the row when the call ends, in batches: a long
 * (streaming) call's row lands after rows of calls that started later. An incremental run re-reads this much before
 * the last run's latest startTime; the rows read twice are dropped by the request-id dedupe.
 */
export const OVERLAP_MS = 24 * 3_600_000;
/** Rows per cursor read: JS holds one batch at a time, whatever the table's size. */
const BATCH_ROWS = 5_000;
const CONNECT_TIMEOUT_MS = 15_000;

type ColumnKind = 'text' | 'time' | 'number' | 'count' | 'json';

/**
 * LiteLLM's columns that the spend-log format reads, with their schema.prisma types (String → text, DateTime →
 * timestamp(3), Float → double precision, Int → integer, Json → jsonb) and the PostgreSQL types that may stand for
 * them in a table of the same shape. A column of another type is an error, not a silent NULL; a missing column
 * reads as NULL (older LiteLLM versions lack status, session_id, proxy_server_request…), except the two a row
 * cannot do without.
 */
export const LITELLM_COLUMNS: Readonly<Record<string, ColumnKind>> = {
  request_id: 'text',
  call_type: 'text',
  spend: 'number',
  prompt_tokens: 'count',
  completion_tokens: 'count',
  startTime: 'time',
  endTime: 'time',
  request_duration_ms: 'count',
  model: 'text',
  model_group: 'text',
  custom_llm_provider: 'text',
  user: 'text',
  metadata: 'json',
  cache_hit: 'text',
  cache_key: 'text',
  end_user: 'text',
  messages: 'json',
  session_id: 'text',
  status: 'text',
  proxy_server_request: 'json',
  response: 'json',
};
const REQUIRED = ['request_id', 'startTime'];

const TYPES: Record<ColumnKind, { types: readonly string[]; expected: string }> = {
  text: { types: ['text', 'character varying', 'character'], expected: 'text' },
  time: { types: ['timestamp without time zone', 'timestamp with time zone'], expected: 'a timestamp (timestamp(3))' },
  number: { types: ['double precision', 'real', 'numeric', 'integer', 'bigint', 'smallint'], expected: 'a number (double precision)' },
  count: { types: ['integer', 'bigint', 'smallint'], expected: 'a whole number (integer)' },
  // A JSON column kept as text is what LiteLLM's own exports hold: the format reads JSON-encoded text too.
  json: { types: ['jsonb', 'json', 'text', 'character varying'], expected: 'JSON (jsonb)' },
};

/** Which rows to read: a span of startTime, and whether the read covers everything before it (see readPlan). */
export interface ReadPlan {
  from: Date | null;
  to: Date | null;
  /** Whether this read may move the source's high-water mark. */
  advances: boolean;
  /** Why `from` is what it is, for the line printed before the read. */
  basis: 'all' | 'span' | 'mark';
}

/**
 * The rows a run reads from a database source, given the span the run needs (readSpan) and the source's
 * high-water mark in this database. Pure.
 *
 * The mark promises that every row up to it was read, from the first row on. So a run reads from the mark less the
 * overlap, unless the span starts later, and only a read that starts at the beginning or at (mark − overlap) may
 * move the mark; a read that starts later (`--week` on a source never read whole) leaves a gap behind it and
 * keeps the mark where it was.
 */
export function readPlan(span: { from: Date | null; to: Date | null }, mark: Date | null, overlapMs = OVERLAP_MS): ReadPlan {
  if (mark === null) return { from: span.from, to: span.to, advances: span.from === null, basis: span.from === null ? 'all' : 'span' };
  const resume = new Date(mark.getTime() - overlapMs);
  if (span.from === null || span.from <= resume) return { from: resume, to: span.to, advances: true, basis: 'mark' };
  return { from: span.from, to: span.to, advances: false, basis: 'span' };
}

export interface PostgresLoad {
  summary: FileSummary;
  plan: ReadPlan;
  /** The source's high-water mark after this run (null: none). */
  mark: Date | null;
}

/**
 * Reads a LiteLLM spend-log table into `requests` through a server-side cursor (bounded memory: one batch in JS,
 * the rows staged in a DuckDB temp table that spills to disk past the memory limit), then maps them with the
 * LiteLLM spend-log format. `span` bounds startTime (a WHERE with bound parameters, so the server filters);
 * with a persistent database the source's high-water mark narrows it further.
 */
export async function ingestPostgres(
  db: Database,
  source: PostgresSource,
  options: IngestOptions & { env: NodeJS.ProcessEnv; span: { from: Date | null; to: Date | null } },
): Promise<PostgresLoad> {
  const markRow = await db.one<{ high_water: Date }>(`SELECT high_water FROM source_marks WHERE source = $source`, { source: source.label });
  const mark = markRow?.high_water ?? null;
  const plan = readPlan(options.span, mark);

  let client: pg.Client | null = null;
  let latestStart: number | null = null;
  try {
    client = await connect(source, options.env);
    const tableSql = source.table.map(quoteIdent).join('.');
    await checkColumns(client, source, tableSql);
    latestStart = await stageRows(db, client, tableSql, plan);
  } catch (error) {
    throw new InputError(`cannot read ${source.label}: ${reason(error, source)}`, { cause: error });
  } finally {
    await client?.end().catch(() => undefined);
  }
  await db.run(`CREATE TEMP VIEW rc_framed AS SELECT rowid + 1 AS line, raw FROM rc_rows`);
  // --input-format does not apply (the table is LiteLLM's by definition); --map does.
  const summary = await ingestFramed(db, source.label, litellmSpendLogs, [], { map: options.map, keepRaw: options.keepRaw, rejectIdentity: 'raw' });

  let newMark = mark;
  if (plan.advances && latestStart !== null && (mark === null || latestStart > mark.getTime())) newMark = new Date(latestStart);
  if (newMark !== mark && newMark !== null) {
    await db.run(`INSERT OR REPLACE INTO source_marks VALUES ($source, CAST($mark AS TIMESTAMPTZ), now())`, {
      source: source.label,
      mark: newMark.toISOString(),
    });
  }
  return { summary, plan, mark: newMark };
}

/** pg's `ssl` option: false (plain), or the TLS options of a connection. */
type Ssl = false | ConnectionOptions;

/**
 * The connections libpq would try for the source's sslmode, in order, as pg `ssl` options. Reads the root
 * certificate file; a missing one is an error only where libpq makes it one (verify-ca, verify-full).
 *   disable      plain
 *   allow        plain, then TLS (when the server refuses the plain connection)
 *   prefer       TLS, then plain (when the server has no TLS or refuses the TLS connection)   libpq's default
 *   require      TLS; the certificate is checked against the root certificate only if there is one (as libpq does)
 *   verify-ca    TLS, the certificate signed by the root certificate
 *   verify-full  TLS, signed, and issued for the host
 * Over a Unix socket libpq never uses TLS, whatever the mode.
 */
export function sslAttempts(source: Pick<PostgresSource, 'host' | 'tls'>, env: NodeJS.ProcessEnv): Ssl[] {
  const { mode, rootCert } = source.tls;
  if (mode === 'disable' || source.host.startsWith('/')) return [false];
  const verifyMode = mode === 'verify-ca' || mode === 'verify-full';
  const file = rootCert ?? `${env['HOME'] ?? homedir()}/.postgresql/root.crt`;
  let ca: string | undefined;
  if (rootCert !== 'system') {
    if (existsSync(file)) {
      try {
        ca = readFileSync(file, 'utf8');
      } catch (error) {
        throw new InputError(`cannot read the root certificate ${file}: ${(error as Error).message}`);
      }
    } else if (verifyMode) {
      throw new InputError(`sslmode=${mode} needs a root certificate: ${file} does not exist (sslrootcert=FILE or PGSSLROOTCERT)`);
    }
  }
  // A root certificate is checked whenever there is one (libpq); the host name only with verify-full.
  const verify = verifyMode || rootCert === 'system' || ca !== undefined;
  const tls: ConnectionOptions = {
    rejectUnauthorized: verify,
    ...(ca !== undefined ? { ca } : {}),
    checkServerIdentity: mode === 'verify-full' ? checkServerIdentity : () => undefined,
  };
  if (mode === 'allow') return [false, tls];
  if (mode === 'prefer') return [tls, false];
  return [tls];
}

/**
 * Connects as libpq would for the sslmode: the first attempt, then (allow, prefer) the other kind of connection when
 * the first was refused for its encryption. Any other failure (refused, wrong password) is not retried.
 */
async function connect(source: PostgresSource, env: NodeJS.ProcessEnv): Promise<pg.Client> {
  const attempts = sslAttempts(source, env);
  for (let i = 0; ; i++) {
    const client = newClient(source, env, attempts[i]!);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (i + 1 >= attempts.length || !refusedForEncryption(error)) throw error;
    }
  }
}

/** The server has no TLS, the TLS handshake failed, or pg_hba.conf has no entry for this kind of connection. */
function refusedForEncryption(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return /does not support SSL|error establishing an SSL connection/.test(e.message ?? '') || isTlsError(e) || e.code === '28000';
}

function isTlsError(e: { code?: string }): boolean {
  return typeof e.code === 'string' && (/^ERR_(TLS|SSL)_/.test(e.code) || /CERT|SELF_SIGNED|UNABLE_TO_/.test(e.code));
}

function newClient(source: PostgresSource, env: NodeJS.ProcessEnv, ssl: Ssl): pg.Client {
  // Everything is passed explicitly, from the URL and the run's env: the driver would otherwise read the process env.
  const user = source.user ?? env['PGUSER'] ?? env['USER'] ?? env['LOGNAME'] ?? 'postgres';
  return new pg.Client({
    host: source.host,
    port: source.port,
    database: source.database,
    user,
    // Called only when the server asks for a password.
    password: async () => {
      const password = await resolvePassword(source, user, env);
      if (password === undefined) throw new InputError('the server wants a password: none in the URL, PGPASSWORD or ~/.pgpass');
      return password;
    },
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Always explicit: left undefined, the driver reads PGSSLMODE from the process env itself.
    ssl,
    // Timestamps with a zone come back in UTC in the row text, as routecheck stores them.
    options: '-c TimeZone=UTC',
    application_name: 'routecheck',
  });
}

/** The table exists and every LiteLLM column it has is of a type the mapping reads; else an error naming it. */
async function checkColumns(client: pg.Client, source: PostgresSource, tableSql: string): Promise<void> {
  const found = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [tableSql],
  );
  const table = source.table.join('.');
  if (found.rows.length === 0) throw new InputError(`no table "${table}" in database ${source.database}`);
  const types = new Map(found.rows.map((r) => [r.name, r.type]));
  for (const column of REQUIRED) {
    if (!types.has(column)) throw new InputError(`table "${table}" has no column "${column}": not LiteLLM's spend-log table`);
  }
  for (const [column, kind] of Object.entries(LITELLM_COLUMNS)) {
    const type = types.get(column);
    if (type !== undefined && !TYPES[kind].types.includes(type)) {
      throw new InputError(`column "${column}" of table "${table}" is ${type}, not ${TYPES[kind].expected} as in LiteLLM's schema`);
    }
  }
}

/**
 * Streams the planned rows into temp table rc_rows(raw), in startTime order, and returns the latest startTime read
 * (epoch ms), or null when none was. The rows' JSON text is made by the server; JS only hands it over.
 */
async function stageRows(db: Database, client: pg.Client, tableSql: string, plan: ReadPlan): Promise<number | null> {
  const where: string[] = [];
  const params: string[] = [];
  // The parameters are untyped, so the server reads them as the column's own type (timestamp or timestamptz), and
  // LiteLLM's startTime index serves the range; a zone-less timestamp ignores the Z, and LiteLLM writes UTC.
  if (plan.from) where.push(`rc_row."startTime" >= $${params.push(plan.from.toISOString())}`);
  if (plan.to) where.push(`rc_row."startTime" < $${params.push(plan.to.toISOString())}`);
  const sql = `SELECT row_to_json(rc_row)::text AS raw, extract(epoch FROM rc_row."startTime")::float8 AS start
    FROM ${tableSql} rc_row ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY rc_row."startTime", rc_row.request_id`;

  await dropFrameTables(db);
  await db.run(`CREATE TEMP TABLE rc_rows (raw VARCHAR)`);
  const appender = await db.tempAppender('rc_rows');
  const cursor = client.query(new Cursor<{ raw: string; start: number }>(sql, params));
  let latest: number | null = null;
  try {
    for (;;) {
      const rows = await cursor.read(BATCH_ROWS);
      if (rows.length === 0) break;
      for (const row of rows) {
        appender.appendVarchar(row.raw);
        appender.endRow();
        // epoch seconds of the zone-less time taken as UTC (extract's rule for timestamp), as LiteLLM writes it.
        const ms = Math.round(row.start * 1000);
        if (latest === null || ms > latest) latest = ms;
      }
    }
  } finally {
    appender.closeSync();
    await cursor.close().catch(() => undefined);
  }
  return latest;
}

const firstLine = (text: string): string => text.split('\n')[0]!;

/** The TLS settings a message names: the mode and where it came from, the root certificate. Never a secret. */
function sslWhere(tls: PostgresTls): string {
  const mode = tls.modeFrom === 'env' ? `PGSSLMODE=${tls.mode}` : `sslmode=${tls.mode}${tls.modeFrom === 'default' ? ' (the default)' : ''}`;
  return tls.rootCert ? `${mode}, root certificate ${tls.rootCert}` : mode;
}

/** One line for a failure: the server's own message, or what a network error means. Never the password. */
function reason(error: unknown, source: PostgresSource): string {
  const e = error as { code?: string; message?: string };
  let text: string;
  if (error instanceof InputError) text = error.message;
  else if (e.code === 'ECONNREFUSED') text = 'connection refused (is the server running, on that host and port?)';
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') text = `unknown host ${source.host}`;
  else if (e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '')) text = 'no answer from the server (connection timed out)';
  else if (/does not support SSL/.test(e.message ?? '')) text = `the server does not accept TLS connections (${sslWhere(source.tls)}; sslmode=prefer or disable connects without)`;
  else if (isTlsError(e)) text = `the server's certificate failed verification (${sslWhere(source.tls)}): ${firstLine(e.message ?? String(error))}`;
  else {
    text = firstLine(e.message ?? String(error));
    // pg_hba.conf lets this client in only over TLS.
    if (e.code === '28000' && /no encryption/.test(text)) text += ` (the server wants TLS; ${sslWhere(source.tls)}: use sslmode=require or stronger)`;
  }
  return source.password ? text.split(source.password).join('***') : text;
}
