import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { CANONICAL_FIELDS, SQL_TYPE } from '../load/canonical.js';
import { join } from 'node:path';
import { privateTempDir } from '../temp.js';
import { createSchema } from './schema.js';
import { quoteIdent, quoteLiteral } from './sql.js';

export type Params = Record<string, DuckDBValue> | DuckDBValue[];
export type Row = Record<string, unknown>;

/**
 * The one DuckDB connection of a run. Results come back as plain JS values
 * (BIGINT as bigint, TIMESTAMPTZ as Date); mappers convert what they need.
 */
export class Database {
  readonly path: string;
  /** The file could not be written and is read through an in-memory database (attachReadOnly): nothing is stored in it. */
  readonly readOnly: boolean;
  private readonly connection: DuckDBConnection;

  constructor(path: string, connection: DuckDBConnection, readOnly = false) {
    this.path = path;
    this.connection = connection;
    this.readOnly = readOnly;
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, params);
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** The whole result as one array of JS values per column (lists as arrays, BIGINT as bigint); empty arrays for no rows. */
  async columns(sql: string, params?: Params): Promise<unknown[][]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    const columns = reader.getColumnsJS();
    return Array.from({ length: reader.columnCount }, (_, c) => columns[c] ?? []);
  }

  /**
   * A result read chunk by chunk (DuckDB's vectors, up to 2,048 rows each), as one array of values per column: JS
   * holds one chunk at a time, whatever the number of rows. INTEGER and DOUBLE columns come as numbers (cast BIGINT
   * columns that fit to DOUBLE: they would come as bigint). The generator must be run to its end.
   */
  async *stream(sql: string, params?: Params): AsyncGenerator<unknown[][]> {
    const result = await this.connection.stream(sql, params);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk.getColumns();
    }
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  /** Bulk rows into a temp table without a statement per row (rows read from a database source); close it after. */
  async tempAppender(table: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table, 'main', 'temp');
  }

  /** A single scalar as a JS number (BIGINT/HUGEINT/DECIMAL converted), or null. */
  async scalar(sql: string, params?: Params): Promise<number | null> {
    const row = await this.one(sql, params);
    if (!row) return null;
    const value = Object.values(row)[0];
    return value === null || value === undefined ? null : Number(value);
  }
}

/** Keeps a week of traffic (millions of rows) within ~1.5 GB of process memory; --memory-limit raises it. */
export const DEFAULT_MEMORY_LIMIT = '1GB';

export interface DatabaseOptions {
  /** File path, or ':memory:'. The parent folder of a file is created. */
  path: string;
  /** DuckDB thread count; defaults to DuckDB's own (one per core). */
  threads?: number;
  /** DuckDB memory_limit (e.g. '1GB'); past it DuckDB spills to a temp folder instead of growing. */
  memoryLimit?: string;
  /** Seconds to wait while another process holds the file (a running ingest) before giving up (default 0: none). */
  waitSeconds?: number;
  /**
   * The run stores nothing the user asked for (no files appended): a file it may not write (permissions, a
   * read-only mount) is then read read-only instead of failing. Reports, history and prices need only read access.
   */
  readOnlyOk?: boolean;
}

/**
 * DuckDB's configuration for every instance. Extension autoloading and autoinstalling are off: a SQLite file or an
 * `http://`/`s3://` path given as --db would otherwise make DuckDB download an extension, and routecheck promises
 * runs that never reach the network unless a command says it will. The extensions routecheck uses (json, parquet,
 * icu, core functions) are built into @duckdb/node-api.
 */
function instanceConfig(options: DatabaseOptions, tempDirectory: string): Record<string, string> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (options.threads) config['threads'] = String(options.threads);
  // Past the limit DuckDB spills to disk instead of growing; without one it would take 80% of RAM.
  config['memory_limit'] = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  config['temp_directory'] = tempDirectory;
  return config;
}

/**
 * Opens one instance and one connection, creates the schema, runs `fn`, and always closes the
 * connection before the instance. UTC is pinned so that weeks and dates never depend on the host.
 */
export async function withDatabase<T>(options: DatabaseOptions, fn: (db: Database) => Promise<T>): Promise<T> {
  if (options.path !== ':memory:') {
    const { mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    mkdirSync(dirname(options.path), { recursive: true });
  }
  // Spill files go to a private folder of the system temp folder (mkdtemp, 0700), never into the user's working
  // directory nor a predictable /tmp name another user could plant a symlink at; removed when the run ends.
  const spill = privateTempDir('routecheck-db-');
  try {
    const { instance, readOnly } = await openInstance(options, spill.path);
    try {
      const connection = await instance.connect();
      try {
        await connection.run("SET TimeZone = 'UTC'");
        if (readOnly) await attachReadOnly(connection, options.path);
        const db = new Database(options.path, connection, readOnly);
        await createSchema(db);
        return await fn(db);
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  } finally {
    spill.remove();
  }
}

/** Why DuckDB could not open a database file: the user's situation (exit 2), or null for anything else. */
export type OpenFailure = 'locked' | 'not-writable' | 'folder' | 'not-duckdb' | 'needs-extension' | 'io';

export function openFailure(message: string): OpenFailure | null {
  if (/Could not set lock on file|Conflicting lock is held/i.test(message)) return 'locked';
  if (/Permission denied|Read-only file system|read-only mode/i.test(message)) return 'not-writable';
  if (/Is a directory/i.test(message)) return 'folder';
  if (/not a valid DuckDB database file|is not a DuckDB|database file with version|Unknown file format/i.test(message)) return 'not-duckdb';
  if (/extension/i.test(message)) return 'needs-extension';
  if (/^IO Error/i.test(message)) return 'io';
  return null;
}

/** The one line a user sees for an open failure. Pure. */
export function openFailureMessage(kind: OpenFailure, path: string, message: string, waited: number): string {
  const first = message.split('\n')[0]!.replace(/^[A-Za-z ]*Error: /, '');
  switch (kind) {
    case 'locked': {
      const holder = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
      const who = holder ? ` (PID ${holder[2]}, ${holder[1]})` : '';
      return `database ${path} is in use by another process${who}, e.g. a running ingest; waited ${waited} s: try again when it ends, or wait longer with --wait SECONDS`;
    }
    case 'not-writable':
      return `cannot write database ${path} (${first}): appending logs needs write access; a report on it alone needs only read access`;
    case 'folder':
      return `--db ${path} is a folder: give a database file, e.g. ${join(path, 'routecheck.duckdb')}`;
    case 'not-duckdb':
      return `${path} is not a DuckDB database file (--db takes a database routecheck made, or a new file name)`;
    case 'needs-extension':
      return `${path} is not a DuckDB database file: DuckDB would need an extension to read it, and routecheck never downloads one (${first})`;
    case 'io':
      return `cannot open database ${path}: ${first}`;
  }
}

/**
 * DuckDBInstance.create with the user's situations turned into one-line UserErrors (exit 2). A file another process
 * holds (DuckDB allows one writer and no reader beside it) is tried again, with growing pauses, for up to
 * `waitSeconds`. A file that cannot be written is read read-only when the run allows it.
 */
async function openInstance(options: DatabaseOptions, tempDirectory: string): Promise<{ instance: DuckDBInstance; readOnly: boolean }> {
  const config = instanceConfig(options, tempDirectory);
  if (options.path === ':memory:') return { instance: await DuckDBInstance.create(':memory:', config), readOnly: false };
  if (isFolder(options.path)) throw new UserError(openFailureMessage('folder', options.path, '', 0));
  const waitMs = Math.max(0, (options.waitSeconds ?? 0) * 1000);
  const started = Date.now();
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return { instance: await DuckDBInstance.create(options.path, config), readOnly: false };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const kind = openFailure(message);
      const waited = Date.now() - started;
      if (kind === 'locked' && waited < waitMs) {
        await sleep(Math.min(pause, waitMs - waited));
        continue;
      }
      if (kind === 'not-writable' && options.readOnlyOk && exists(options.path)) {
        return { instance: await DuckDBInstance.create(':memory:', config), readOnly: true };
      }
      if (kind === null) throw error;
      throw new UserError(openFailureMessage(kind, options.path, message, Math.round(waited / 100) / 10), 2, { cause: error });
    }
  }
}

/**
 * A file read read-only: attached READ_ONLY to an in-memory database, whose `main` then holds a view of each of the
 * file's tables (the requests and rejects are read in place) or, for the tables a run writes to (the embedding
 * and replay caches, the cluster store, the report history), a copy: the run works as usual and stores nothing.
 * A `requests` table made by an older routecheck gets the canonical columns it lacks as NULLs.
 */
async function attachReadOnly(connection: DuckDBConnection, path: string): Promise<void> {
  const file = 'rc_file';
  try {
    await connection.run(`ATTACH ${quoteLiteral(path)} AS ${file} (READ_ONLY)`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const kind = openFailure(message);
    if (kind === null || kind === 'not-writable') throw error;
    throw new UserError(openFailureMessage(kind, path, message, 0), 2, { cause: error });
  }
  const reader = await connection.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE database_name = '${file}' AND schema_name = 'main'`);
  const tables = reader.getRowObjectsJS().map((r) => String(r['table_name']));
  const inPlace = new Set(['requests', 'rejects', 'ingests', 'source_marks']);
  for (const table of tables) {
    const source = `${file}.main.${quoteIdent(table)}`;
    if (!inPlace.has(table)) {
      await connection.run(`CREATE TABLE ${quoteIdent(table)} AS FROM ${source}`);
      continue;
    }
    let extra = '';
    if (table === 'requests') {
      const cols = await connection.runAndReadAll(
        `SELECT column_name FROM duckdb_columns() WHERE database_name = '${file}' AND table_name = 'requests'`,
      );
      const present = new Set(cols.getRowObjectsJS().map((r) => String(r['column_name'])));
      extra = CANONICAL_FIELDS.filter((f) => !present.has(f.name))
        .map((f) => `, CAST(NULL AS ${SQL_TYPE[f.kind]}) AS ${quoteIdent(f.name)}`)
        .join('');
    }
    await connection.run(`CREATE VIEW ${quoteIdent(table)} AS SELECT *${extra} FROM ${source}`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
