import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A plain .mjs helper, shared with bench/postgres.mjs.
import { findPgBin, startCluster } from '../scripts/pg-cluster.mjs';
import { sslAttempts } from '../src/load/postgres.js';
import { parsePostgresUrl } from '../src/load/postgres-source.js';
import { generatedRows, insertRows, spendLogsDdl } from './postgres-rows.js';
import { runCli } from './run-cli.js';

/**
 * TLS for postgres:// inputs, as libpq reads `sslmode` and `sslrootcert`, against a real PostgreSQL server started with
 * TLS on and (pg_hba.conf) nothing but TLS over TCP. The certificates are made here, with the openssl command: a test
 * root CA, the server's certificate it signs (for 127.0.0.1 and localhost), and another CA that signed nothing.
 */

interface Cluster {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  url(database?: string, withPassword?: boolean): string;
  stop(): void;
}

const BIN: string | null = findPgBin();
const OPENSSL = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const SKIP = !BIN
  ? ' — SKIPPED: no PostgreSQL binaries (initdb, pg_ctl in /usr/local/bin or /usr/lib/postgresql/*/bin; apt-get install postgresql)'
  : !OPENSSL
    ? ' — SKIPPED: no openssl command to make the test certificates with (apt-get install openssl)'
    : '';

/** A CA, a server certificate it signs for `names`, and an unrelated CA; PEM files in `dir`. */
function makeCertificates(dir: string, names: string): { ca: string; cert: string; key: string; wrongCa: string } {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=routecheck test CA');
  openssl('req', '-x509', ...ec, '-keyout', 'wrong-ca.key', '-out', 'wrong-ca.crt', '-days', '2', '-subj', '/CN=another CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=routecheck test server');
  writeFileSync(join(dir, 'san.cnf'), `subjectAltName=${names}\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), wrongCa: join(dir, 'wrong-ca.crt') };
}

describe.skipIf(SKIP !== '')(`postgres:// over TLS against a real PostgreSQL server that takes TLS only${SKIP}`, () => {
  let cluster: Cluster;
  let certs: ReturnType<typeof makeCertificates>;
  let dir: string;
  let home: string;
  let base: string;
  const ROWS = generatedRows(12, '2025-03-17 00:00:00', '2025-03-23 23:00:00', 11, 'tls');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routecheck-tls-'));
    certs = makeCertificates(dir, 'IP:127.0.0.1,DNS:localhost');
    cluster = (await startCluster({ tls: { certFile: certs.cert, keyFile: certs.key, only: true }, settings: { log_connections: 'on' } })) as Cluster;
    const ssl = { ca: readFileSync(certs.ca, 'utf8') };
    const root = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'postgres', ssl });
    await root.connect();
    await root.query('CREATE DATABASE litellm');
    await root.end();
    const admin = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'litellm', ssl });
    await admin.connect();
    await admin.query(spendLogsDdl());
    await insertRows(admin, ROWS);
    await admin.end();
    // A HOME without ~/.postgresql/root.crt, so that only what a test names is trusted.
    home = join(dir, 'home');
    mkdirSync(home);
    base = cluster.url('litellm');
  }, 120_000);

  afterAll(() => {
    cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const report = (url: string, env: Record<string, string> = {}) => runCli(['report', url, '--all', '--format', 'json', '--quiet'], { env: { HOME: home, ...env } });
  /** Connections the server logged as TLS (log_connections: "… SSL enabled (protocol=…)"). */
  const tlsConnections = (): number => (readFileSync(join(cluster.dir, 'server.log'), 'utf8').match(/connection authorized: .* SSL enabled/g) ?? []).length;

  it('sslmode=require connects over TLS without checking the certificate, and reads every row', async () => {
    const before = tlsConnections();
    const r = await report(`${base}?sslmode=require`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).requests.total).toBe(ROWS.length);
    expect(tlsConnections()).toBe(before + 1);
  });

  it('the default (prefer, as libpq) takes TLS when the server offers it; PGSSLMODE sets the mode too', async () => {
    const before = tlsConnections();
    const r = await report(base);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).requests.total).toBe(ROWS.length);
    const env = await report(base, { PGSSLMODE: 'require' });
    expect(env.code).toBe(0);
    expect(tlsConnections()).toBe(before + 2);
  });

  it('verify-full and verify-ca connect with the CA that signed the server certificate (URL or PGSSLROOTCERT)', async () => {
    for (const mode of ['verify-full', 'verify-ca']) {
      const r = await report(`${base}?sslmode=${mode}&sslrootcert=${encodeURIComponent(certs.ca)}`);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const env = await report(base, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.ca });
    expect(env.code).toBe(0);
    expect(JSON.parse(env.stdout).requests.total).toBe(ROWS.length);
  });

  it('~/.postgresql/root.crt is the default root certificate, and require then checks it, as libpq does', async () => {
    const other = join(dir, 'home-wrong');
    mkdirSync(join(other, '.postgresql'), { recursive: true });
    writeFileSync(join(other, '.postgresql', 'root.crt'), readFileSync(certs.wrongCa));
    const r = await runCli(['report', `${base}?sslmode=require`, '--all', '--format', 'json', '--quiet'], { env: { HOME: other } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/certificate failed verification/);
    writeFileSync(join(other, '.postgresql', 'root.crt'), readFileSync(certs.ca));
    const ok = await runCli(['report', `${base}?sslmode=verify-full`, '--all', '--format', 'json', '--quiet'], { env: { HOME: other } });
    expect(ok.code).toBe(0);
  });

  it('allow tries a plain connection first, then TLS when the server refuses it', async () => {
    const before = tlsConnections();
    const r = await report(`${base}?sslmode=allow`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).requests.total).toBe(ROWS.length);
    expect(tlsConnections()).toBe(before + 1);
  });

  describe('errors: one line, exit 2, the source without its password', () => {
    const shown = (): string => cluster.url('litellm', false);
    const expectError = async (url: string, env: Record<string, string>, ...parts: (string | RegExp)[]) => {
      const r = await report(url, env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`routecheck: cannot read ${shown()}: `);
      for (const part of parts) expect(r.stderr).toMatch(part);
      expect(r.stderr).not.toContain(cluster.password);
    };

    it('verify-full with a root certificate that did not sign the server certificate', async () => {
      await expectError(`${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.wrongCa)}`, {},
        "the server's certificate failed verification", `sslmode=verify-full, root certificate ${certs.wrongCa}`);
      await expectError(base, { PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.wrongCa }, `PGSSLMODE=verify-full, root certificate ${certs.wrongCa}`);
    });

    it('verify-ca without a root certificate', async () => {
      await expectError(`${base}?sslmode=verify-ca`, {}, `sslmode=verify-ca needs a root certificate: ${join(home, '.postgresql', 'root.crt')} does not exist`);
    });

    it('disable against a server that takes TLS only', async () => {
      await expectError(`${base}?sslmode=disable`, {}, /no pg_hba\.conf entry for host "127\.0\.0\.1".*no encryption/, 'the server wants TLS; sslmode=disable: use sslmode=require or stronger');
      // The URL's mode wins over the environment's.
      await expectError(`${base}?sslmode=disable`, { PGSSLMODE: 'require' }, 'sslmode=disable');
    });
  });
});

describe('sslmode and sslrootcert, parsed as libpq reads them (no server)', () => {
  const url = 'postgres://u:secret@db.internal:5432/litellm';

  it('takes the URL over PGSSLMODE / PGSSLROOTCERT over the defaults (prefer, ~/.postgresql/root.crt)', () => {
    expect(parsePostgresUrl(url).tls).toEqual({ mode: 'prefer', modeFrom: 'default', rootCert: null });
    expect(parsePostgresUrl(url, { PGSSLMODE: 'require', PGSSLROOTCERT: '/etc/ca.pem' }).tls).toEqual({ mode: 'require', modeFrom: 'env', rootCert: '/etc/ca.pem' });
    expect(parsePostgresUrl(`${url}?sslmode=verify-ca&sslrootcert=%2Fx%2Fca.pem`, { PGSSLMODE: 'disable', PGSSLROOTCERT: '/etc/ca.pem' }).tls)
      .toEqual({ mode: 'verify-ca', modeFrom: 'url', rootCert: '/x/ca.pem' });
    // sslrootcert=system: the system's CAs, and verify-full unless said otherwise (libpq 16).
    expect(parsePostgresUrl(`${url}?sslrootcert=system`).tls.mode).toBe('verify-full');
    // The TLS settings do not change which source it is: the label (and its high-water mark) stays the same.
    expect(parsePostgresUrl(`${url}?sslmode=require`).label).toBe(parsePostgresUrl(url).label);
  });

  it('a bad value is a usage error naming where it came from, before anything is read', async () => {
    expect(() => parsePostgresUrl(`${url}?sslmode=on`)).toThrow('postgres://u@db.internal:5432/litellm?sslmode=on: sslmode "on" is not one of disable, allow, prefer, require, verify-ca, verify-full');
    expect(() => parsePostgresUrl(url, { PGSSLMODE: 'true' })).toThrow('PGSSLMODE "true" is not one of');
    expect(() => parsePostgresUrl(`${url}?sslmode=require&sslrootcert=system`)).toThrow('sslmode "require" cannot be used with sslrootcert=system (use verify-full)');
    expect(() => parsePostgresUrl(`${url}?sslrootcert=`)).toThrow('sslrootcert= needs a file');
    const r = await runCli(['report', `${url}?sslmode=verify`, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('routecheck: postgres://u@db.internal:5432/litellm?sslmode=verify: sslmode "verify" is not one of disable, allow, prefer, require, verify-ca, verify-full\n');
  });

  it('maps each mode onto the connections libpq would try, in order', () => {
    const env = { HOME: '/nonexistent-home' };
    const attempts = (query: string, host = 'db.internal') => sslAttempts({ host, tls: parsePostgresUrl(`${url}${query}`).tls }, env);
    expect(attempts('?sslmode=disable')).toEqual([false]);
    const [allowPlain, allowTls] = attempts('?sslmode=allow');
    expect(allowPlain).toBe(false);
    expect(allowTls).toMatchObject({ rejectUnauthorized: false });
    const [preferTls, preferPlain] = attempts('');
    expect(preferTls).toMatchObject({ rejectUnauthorized: false });
    expect(preferPlain).toBe(false);
    expect(attempts('?sslmode=require')).toEqual([expect.objectContaining({ rejectUnauthorized: false })]);
    // Over a Unix socket libpq never uses TLS.
    expect(attempts('?sslmode=require', '/var/run/postgresql')).toEqual([false]);
    // verify-* need a root certificate: none in this HOME.
    expect(() => attempts('?sslmode=verify-full')).toThrow('sslmode=verify-full needs a root certificate: /nonexistent-home/.postgresql/root.crt does not exist');
    // system: Node's own CA list, every check on.
    expect(attempts('?sslrootcert=system')).toEqual([expect.objectContaining({ rejectUnauthorized: true })]);
    expect(attempts('?sslrootcert=system')[0]).not.toHaveProperty('ca');
  });

  it.skipIf(!OPENSSL)('verify-full checks the host name; verify-ca and require do not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routecheck-tls-unit-'));
    try {
      const certs = makeCertificates(dir, 'DNS:db.internal');
      const peer = new X509Certificate(readFileSync(certs.cert)).toLegacyObject() as PeerCertificate;
      const check = (mode: string, host: string): Error | undefined => {
        const tls = sslAttempts({ host, tls: parsePostgresUrl(`${url}?sslmode=${mode}&sslrootcert=${encodeURIComponent(certs.ca)}`).tls }, {})[0];
        if (!tls) throw new Error(`no TLS for ${mode}`);
        expect(tls.rejectUnauthorized).toBe(true);
        expect(tls.ca).toBe(readFileSync(certs.ca, 'utf8'));
        return tls.checkServerIdentity!(host, peer);
      };
      expect(check('verify-full', 'db.internal')).toBeUndefined();
      expect(check('verify-full', 'db.example.com')).toBeInstanceOf(Error);
      expect(check('verify-ca', 'db.example.com')).toBeUndefined();
      // require with a root certificate checks the chain (libpq), not the name.
      expect(check('require', 'db.example.com')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
