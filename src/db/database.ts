import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { privateTempDir } from '../temp.js';
import { createSchema } from './schema.js';

export type Params = Record<string, DuckDBValue> | DuckDBValue[];
export type Row = Record<string, unknown>;

/**
 * The one DuckDB connection of a run. Results come back as plain JS values
 * (BIGINT as bigint, TIMESTAMPTZ as Date); mappers convert what they need.
 */
export class Database {
  readonly path: string;
  private readonly connection: DuckDBConnection;

  constructor(path: string, connection: DuckDBConnection) {
    this.path = path;
    this.connection = connection;
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, params);
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
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
  const config: Record<string, string> = {};
  if (options.threads) config['threads'] = String(options.threads);
  // Past the limit DuckDB spills to disk instead of growing; without one it would take 80% of RAM.
  config['memory_limit'] = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  // Spill files go to a private folder of the system temp folder (mkdtemp, 0700), never into the user's working
  // directory nor a predictable /tmp name another user could plant a symlink at; removed when the run ends.
  const spill = privateTempDir('routecheck-db-');
  config['temp_directory'] = spill.path;
  try {
    const instance = await DuckDBInstance.create(options.path, config);
    try {
      const connection = await instance.connect();
      try {
        await connection.run("SET TimeZone = 'UTC'");
        const db = new Database(options.path, connection);
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
