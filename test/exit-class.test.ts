import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/**
 * The user's situation is exit 2 with one clear line, never exit 3 ("please report this bug"): a database another
 * process holds, a file that cannot be written, a file that is not a DuckDB database, a folder, a URL, flags out
 * of range, a full disk under --out.
 */

const LOG = 'fixtures/formats/native.jsonl';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'routecheck-exit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exit 2 and one line on stderr matching `message`. */
async function expectUsage(args: string[], message: RegExp): Promise<void> {
  const r = await runCli(args);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.code).toBe(2);
}

describe('flags out of range', () => {
  const cases: [string, string[], RegExp][] = [
    ['a day that is not in the calendar', ['--since', '2025-02-29'], /--since "2025-02-29": 2025-02-29 is not a day of the calendar/],
    ['a month 13', ['--until', '2025-13-01T00:00:00Z'], /--until .* is not a day of the calendar/],
    ['a look-back of two million years', ['--last', '99999999w'], /--last "99999999w" is too long: at most 100 years/],
    ['a --since duration as long', ['--since', '999999999d'], /--since "999999999d" is too long/],
    ['a memory limit past what DuckDB holds', ['--memory-limit', '99999999999TB'], /--memory-limit "99999999999TB" must be between 64MiB and 1024TiB/],
    ['a memory limit DuckDB cannot run in', ['--memory-limit', '1KB'], /must be between 64MiB/],
    ['a --wait that is not seconds', ['--wait', 'soon'], /--wait "soon" must be a number of seconds/],
    ['an unknown --redact', ['--redact', 'some'], /--redact "some" is not one of none, truncate, hash/],
  ];
  for (const [what, flags, message] of cases) it(what, () => expectUsage(['report', LOG, ...flags], message));

  it('a leap day is a day', async () => {
    expect((await runCli(['report', LOG, '--since', '2024-02-29', '--quiet'])).code).toBe(0);
  });
});

describe('--db that is not a DuckDB database file', () => {
  it('a folder', () => expectUsage(['report', '--db', dir], /--db .* is a folder: give a database file/));

  it('a text file', async () => {
    const file = join(dir, 'notes.duckdb');
    writeFileSync(file, 'hello, not a database\n');
    await expectUsage(['report', '--db', file], /notes\.duckdb is not a DuckDB database file/);
  });

  it('a SQLite file: no extension is downloaded or loaded', async () => {
    // The 100-byte SQLite header and an empty first page: what DuckDB sniffs to ask for its sqlite extension.
    const file = join(dir, 'app.sqlite');
    const page = Buffer.alloc(4096);
    page.write('SQLite format 3\0', 0, 'latin1');
    page.writeUInt16BE(4096, 16);
    writeFileSync(file, page);
    await expectUsage(['report', '--db', file], /app\.sqlite is not a DuckDB database file: DuckDB would need an extension to read it, and routecheck never downloads one/);
  });

  for (const url of ['http://127.0.0.1:9/x.duckdb', 's3://bucket/x.duckdb', 'md:my_db']) {
    it(`a URL: ${url}`, () => expectUsage(['report', '--db', url], /is a URL: the database is a local DuckDB file/));
  }
});

/** A process that holds `path` open for writing (as a running ingest does) until it is killed. */
async function holdLock(path: string): Promise<ChildProcess> {
  const script = `const { DuckDBInstance } = await import(${JSON.stringify(resolve('node_modules/@duckdb/node-api/lib/index.js'))});
    const i = await DuckDBInstance.create(${JSON.stringify(path)}); await i.connect(); console.log('holding'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => void (b.toString().includes('holding') && ok()));
    child.on('exit', (code) => fail(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('a database another process is using', () => {
  it('--wait 0: exit 2 at once, naming the process; a longer --wait gets through when it ends', async () => {
    const db = join(dir, 'busy.duckdb');
    expect((await runCli(['ingest', LOG, '--db', db, '--quiet'])).code).toBe(0);
    const holder = await holdLock(db);
    try {
      const r = await runCli(['report', '--db', db, '--wait', '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`database .*busy\\.duckdb is in use by another process \\(PID ${holder.pid}, .*\\).*--wait SECONDS`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      // The holder ends while the next run waits.
      setTimeout(() => holder.kill('SIGTERM'), 1500);
      const waited = await runCli(['report', '--db', db, '--wait', '60', '--format', 'json', '--quiet']);
      expect(waited.code).toBe(0);
      expect(JSON.parse(waited.stdout).requests.total).toBeGreaterThan(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

/** Root can write any file: the read-only case runs the built CLI as `nobody`. */
const asNobody = process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status === 0;

describe.skipIf(!asNobody)('a database file the user may not write (runs as nobody)', () => {
  it('a report reads it read-only and says so; appending to it is exit 2', async () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const db = join(ro, 'shared.duckdb');
    expect((await runCli(['ingest', LOG, '--db', db, '--quiet'])).code).toBe(0);
    expect((await runCli(['report', '--db', db, '--all', '--quiet'])).code).toBe(0);
    chmodSync(dir, 0o755);
    chmodSync(ro, 0o755);
    chmodSync(db, 0o644);
    const run = (args: string[]) => spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, 'bin/routecheck.js', ...args], { encoding: 'utf8' });

    const report = run(['report', '--db', db, '--all', '--format', 'json']);
    expect(report.stderr).toMatch(/shared\.duckdb is not writable: read read-only \(this run stores nothing in it/);
    expect(report.status).toBe(0);
    const json = JSON.parse(report.stdout) as { requests: { total: number }; trends?: { reports: unknown[] } };
    expect(json.requests.total).toBeGreaterThan(0);
    expect(run(['history', '--db', db]).status).toBe(0);

    const append = run(['report', LOG, '--db', db]);
    expect(append.status).toBe(2);
    expect(append.stderr).toMatch(/cannot write database .*shared\.duckdb \(.*Permission denied\): appending logs needs write access/);
    // Nothing was written: the file is as the ingest left it.
    expect(readdirSync(ro)).toEqual(['shared.duckdb']);
  });
});

/** A 256 KiB tmpfs: a real full disk. Needs root and mount; skipped elsewhere. */
function smallDisk(): string | null {
  if (process.getuid?.() !== 0) return null;
  const mount = join(dir, 'small');
  mkdirSync(mount, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], { stdio: 'ignore' });
    return mount;
  } catch {
    return null;
  }
}

/** Fills `disk` up to `room` bytes of free space. */
function fill(disk: string, room: number): void {
  const free = statfsSync(disk);
  writeFileSync(join(disk, 'filler'), Buffer.alloc(Math.max(0, free.bavail * free.bsize - room)));
}

describe('a full disk under --out', () => {
  let disk: string | null = null;
  beforeAll(() => {
    disk = smallDisk();
  });
  afterAll(() => {
    if (disk) execFileSync('umount', [disk]);
  });

  it('keeps the previous report whole, leaves no temp file, exit 2 in one line', async (ctx) => {
    if (!disk) return ctx.skip();
    const out = join(disk, 'report.html');
    const first = await runCli(['report', LOG, '--out', out, '--quiet']);
    expect(first.code).toBe(0);
    const good = readFileSync(out, 'utf8');
    // Fill the disk, then write again: the new report cannot fit.
    fill(disk, 8192);
    const second = await runCli(['report', 'fixtures/demo/logs/2025-W12.jsonl.gz', '--out', out, '--quiet']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/cannot write .*report\.html: no space left on the device; the previous file, if any, is unchanged/);
    expect(readFileSync(out, 'utf8')).toBe(good);
    expect(readdirSync(disk).sort()).toEqual(['filler', 'report.html']);
  });

  it('export: the previous file stays when DuckDB cannot write the new one', async (ctx) => {
    if (!disk) return ctx.skip();
    rmSync(join(disk, 'filler'), { force: true });
    const out = join(disk, 'requests.csv');
    expect((await runCli(['export', LOG, '--out', out, '--quiet'])).code).toBe(0);
    const good = readFileSync(out, 'utf8');
    fill(disk, 8192);
    const r = await runCli(['export', 'fixtures/demo/logs/2025-W12.jsonl.gz', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no space left on the device/);
    expect(readFileSync(out, 'utf8')).toBe(good);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(disk).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
