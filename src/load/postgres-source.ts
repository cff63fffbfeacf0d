import { createReadStream, statSync } from 'node:fs';
import { homedir } from 'node:os';
import pgpass from 'pgpass/lib/helper.js';
import { UsageError } from '../errors.js';

/** LiteLLM's proxy writes every call to this table (schema.prisma, model LiteLLM_SpendLogs). */
export const LITELLM_TABLE = 'LiteLLM_SpendLogs';
const DEFAULT_PORT = 5432;
/** URL parameters a `postgres://` input takes. */
const PARAMETERS = ['table', 'sslmode', 'sslrootcert'];

/** libpq's sslmode values, weakest first; `prefer` is libpq's default. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/**
 * TLS as libpq reads it: `sslmode` and `sslrootcert` from the URL, else PGSSLMODE / PGSSLROOTCERT, else `prefer` and
 * ~/.postgresql/root.crt (used when it exists). `sslrootcert=system` trusts the system's CAs and implies verify-full.
 */
export interface PostgresTls {
  mode: SslMode;
  /** Where mode came from, for messages. */
  modeFrom: 'url' | 'env' | 'default';
  /** A file of trusted root certificates, `system`, or null: the default file (~/.postgresql/root.crt) if it exists. */
  rootCert: string | null;
}

/** A `postgres://` input, parsed. The password never leaves this object except to the driver. */
export interface PostgresSource {
  host: string;
  port: number;
  database: string;
  /** As written in the URL; absent: the driver's default (PGUSER, else the OS user). */
  user?: string;
  /** From the URL only; PGPASSWORD and ~/.pgpass are read when the server asks (resolvePassword). */
  password?: string;
  /** `?table=NAME` (or `SCHEMA.NAME`), else LiteLLM_SpendLogs; as [schema?, name]. */
  table: string[];
  tls: PostgresTls;
  /**
   * How the source is shown and stored (source_file, the ingests table, the high-water mark): the URL without its
   * password, with the host and port spelled out so that two spellings of one server share one mark.
   */
  label: string;
}

export function isPostgresUrl(input: string): boolean {
  return /^postgres(ql)?:\/\//i.test(input);
}

/** The URL with any password cut out, for messages about a URL that does not even parse. Pure. */
export function withoutPassword(input: string): string {
  // Greedy up to the authority's last `@`, as URL parsing reads it: a password may hold an unescaped `@`.
  return input.replace(/^(postgres(?:ql)?:\/\/[^:@/?#]*):[^/?#]*@/i, '$1@');
}

/**
 * `postgres://USER[:PASS]@HOST[:PORT]/DB[?table=NAME&sslmode=MODE&sslrootcert=FILE]` (or `postgresql://`) → a source.
 * Pure apart from `env` (PGHOST/PGPORT/PGSSLMODE/PGSSLROOTCERT stand in for a URL without them, as libpq's do). Percent-escapes are decoded (a password with
 * `@` in it is written `%40`; a Unix socket folder as the host is written `%2Fvar%2Frun%2Fpostgresql`).
 */
export function parsePostgresUrl(input: string, env: NodeJS.ProcessEnv = {}): PostgresSource {
  const shown = withoutPassword(input);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`${shown} is not a PostgreSQL URL like postgres://USER@HOST:5432/DB`);
  }
  const decode = (s: string, what: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(`${shown}: the ${what} has a broken %-escape`);
    }
  };
  const database = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (database === '' || database.includes('/')) {
    throw new UsageError(`${shown}: name one database after the host, like postgres://USER@HOST:5432/DB`);
  }
  const unknown = [...url.searchParams.keys()].filter((k) => !PARAMETERS.includes(k));
  if (unknown.length > 0) throw new UsageError(`${shown}: unknown parameter "${unknown[0]}" (known: ${PARAMETERS.join(', ')})`);
  const tableParam = url.searchParams.get('table');
  if (tableParam !== null && tableParam.trim() === '') throw new UsageError(`${shown}: ?table= needs a table name`);
  const table = tableParam === null ? [LITELLM_TABLE] : splitTable(tableParam.trim());

  // An IPv6 literal comes back bracketed ([::1]): the label keeps the brackets, the driver takes the address.
  const hostText = decode(url.hostname, 'host') || env['PGHOST'] || 'localhost';
  const host = hostText.replace(/^\[(.*)\]$/, '$1');
  const portText = url.port || env['PGPORT'] || String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${shown}: port "${portText}" is not a port number`);
  const user = url.username ? decode(url.username, 'user name') : undefined;
  const password = url.password ? decode(url.password, 'password') : undefined;

  const shownHost = host.includes(':') ? `[${host}]` : host.startsWith('/') ? encodeURIComponent(host) : host;
  const userPart = user === undefined ? '' : `${encodeURIComponent(user)}@`;
  // `?table=LiteLLM_SpendLogs` is the default spelled out: the same source, the same label and mark.
  const query = table.length === 1 && table[0] === LITELLM_TABLE ? '' : `?table=${encodeURIComponent(table.join('.'))}`;
  const label = `postgres://${userPart}${shownHost}:${port}/${encodeURIComponent(database)}${query}`;

  const source: PostgresSource = { host, port, database, table, label, tls: parseTls(url.searchParams, env, shown) };
  if (user !== undefined) source.user = user;
  if (password !== undefined) source.password = password;
  return source;
}

/** sslmode and sslrootcert, URL over env over libpq's defaults; a bad value is a usage error naming where it came from. */
function parseTls(params: URLSearchParams, env: NodeJS.ProcessEnv, shown: string): PostgresTls {
  const urlMode = params.get('sslmode');
  const modeFrom = urlMode !== null ? 'url' : env['PGSSLMODE'] ? 'env' : 'default';
  const modeText = urlMode ?? (env['PGSSLMODE'] || 'prefer');
  const where = modeFrom === 'url' ? `${shown}: sslmode` : 'PGSSLMODE';
  if (!(SSL_MODES as readonly string[]).includes(modeText)) {
    throw new UsageError(`${where} "${modeText}" is not one of ${SSL_MODES.join(', ')}`);
  }
  const rootText = params.get('sslrootcert') ?? (env['PGSSLROOTCERT'] || null);
  if (rootText !== null && rootText.trim() === '') throw new UsageError(`${shown}: sslrootcert= needs a file (or "system")`);
  let mode = modeText as SslMode;
  if (rootText === 'system') {
    // As libpq 16: the system's CAs vouch only for host names, so nothing weaker than verify-full goes with them.
    if (modeFrom === 'default') mode = 'verify-full';
    else if (mode !== 'verify-full') throw new UsageError(`${where} "${mode}" cannot be used with sslrootcert=system (use verify-full)`);
  }
  return { mode, modeFrom, rootCert: rootText };
}

/** `NAME` or `SCHEMA.NAME` (a name with a dot in it: `"my.table"`, quoted). */
function splitTable(text: string): string[] {
  const quoted = /^"((?:[^"]|"")+)"$/.exec(text);
  if (quoted) return [quoted[1]!.replace(/""/g, '"')];
  const dot = text.indexOf('.');
  return dot > 0 && dot < text.length - 1 ? [text.slice(0, dot), text.slice(dot + 1)] : [text];
}

/**
 * The password, looked for where libpq looks: the URL, then PGPASSWORD, then the password file (PGPASSFILE, else
 * ~/.pgpass, used only when not readable by others, as libpq insists). Called only when the server asks for one.
 */
export async function resolvePassword(source: PostgresSource, user: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (source.password !== undefined) return source.password;
  if (env['PGPASSWORD'] !== undefined) return env['PGPASSWORD'];
  const file = env['PGPASSFILE'] ?? `${env['HOME'] ?? homedir()}/.pgpass`;
  let stats;
  try {
    stats = statSync(file);
  } catch {
    return undefined;
  }
  // pgpass warns on process.stderr when the file is group- or world-readable: say nothing and skip it, as libpq does.
  if (!stats.isFile() || (stats.mode & 0o077) !== 0) return undefined;
  return new Promise((resolve) => {
    pgpass.getPassword({ host: source.host, port: source.port, database: source.database, user }, createReadStream(file), (password?: string) =>
      resolve(password),
    );
  });
}
