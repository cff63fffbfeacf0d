// A throwaway PostgreSQL cluster for the tests and the bench: initdb into a temp folder, pg_ctl start on a free
// 127.0.0.1 port, password (SCRAM) authentication, stop and delete. PostgreSQL refuses to run as root, so as root
// the server runs as the `postgres` OS user (Debian's postgresql package creates it), owning the folder.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where initdb and pg_ctl may be: /usr/local/bin, then Debian's versioned folders, newest first. */
export function findPgBin() {
  const dirs = ['/usr/local/bin'];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  return dirs.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

/** A TCP port nothing listens on right now (the kernel's pick). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** uid and gid of the `postgres` user when running as root; null otherwise (the server runs as us). */
function serverIdentity() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no "postgres" OS user to run PostgreSQL as (install the postgresql package)');
  }
}

/**
 * Starts a cluster; resolves to { host, port, user, password, database, bin, dir, stop() }. `settings` are extra
 * server settings (`-c name=value`), e.g. { shared_buffers: '256MB' } for the bench. `tls: { certFile, keyFile,
 * only }` turns TLS on with that certificate and key (PEM files, copied into the data folder); with `only`,
 * pg_hba.conf admits TCP clients over TLS only (hostssl), so a plain connection is refused.
 */
export async function startCluster({ user = 'routecheck', password = 'rc-secret-pw', settings = {}, tls = null } = {}) {
  const bin = findPgBin();
  if (!bin) throw new Error('no initdb/pg_ctl in /usr/local/bin or /usr/lib/postgresql/*/bin');
  const identity = serverIdentity();
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-pg-'));
  const run = (cmd, args) =>
    execFileSync(join(bin, cmd), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(identity ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (identity) {
    chownSync(dir, identity.uid, identity.gid);
    chownSync(pwfile, identity.uid, identity.gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', user, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '-N']);
    const tlsSettings = tls ? { ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key' } : {};
    if (tls) {
      // The server refuses a key file others can read, and reads both as its own user.
      for (const [from, to, mode] of [[tls.certFile, 'server.crt', 0o644], [tls.keyFile, 'server.key', 0o600]]) {
        copyFileSync(from, join(data, to));
        chmodSync(join(data, to), mode);
        if (identity) chownSync(join(data, to), identity.uid, identity.gid);
      }
      if (tls.only) {
        writeFileSync(join(data, 'pg_hba.conf'), 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
        if (identity) chownSync(join(data, 'pg_hba.conf'), identity.uid, identity.gid);
      }
    }
    const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off',
      ...Object.entries({ ...tlsSettings, ...settings }).map(([k, v]) => `-c ${k}=${v}`)];
    run('pg_ctl', ['-D', data, '-o', options.join(' '), '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${error.stderr?.toString() || error.message}`);
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database: 'postgres',
    bin,
    dir,
    /** An URL for `database` (default postgres), with the password unless `withPassword` is false. */
    url(database = 'postgres', withPassword = true) {
      return `postgres://${user}${withPassword ? ':' + encodeURIComponent(password) : ''}@127.0.0.1:${port}/${database}`;
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
