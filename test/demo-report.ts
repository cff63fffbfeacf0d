import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import type {} from './demo-report.setup.js';
import { runCli, type CliRun } from './run-cli.js';

/**
 * The demo logs loaded and reported once per test run instead of once per test file. Test files run in separate
 * workers, so what is shared lives in files under the run's temp folder (test/demo-report.setup.ts); the first
 * worker that needs a thing builds it under a lock folder, the others wait for it.
 */

export const DEMO_LOGS = 'fixtures/demo/logs/';
export const DEMO_CONFIG = 'fixtures/demo/routecheck.config.json';

// Without the globalSetup (a config that leaves it out) each process keeps its own folder.
let fallbackDir: string | undefined;
function cacheDir(): string {
  const provided: string | undefined = inject('demoCacheDir');
  return provided ?? (fallbackDir ??= mkdtempSync(join(tmpdir(), 'routecheck-demo-cache-')));
}

/** Builds `file` once per run: the worker that takes the lock writes it (atomically, by rename); others wait. */
async function once(file: string, build: (tmpFile: string) => Promise<void>): Promise<string> {
  const lock = `${file}.lock`;
  for (let waited = 0; !existsSync(file); waited += 50) {
    try {
      mkdirSync(lock);
    } catch {
      if (waited > 180_000) throw new Error(`gave up waiting for ${file} (stale ${lock}?)`);
      await sleep(50);
      continue;
    }
    try {
      if (existsSync(file)) break; // built while this worker waited for the lock
      const tmp = join(lock, 'building');
      await build(tmp);
      renameSync(tmp, file);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return file;
}

/** The pristine demo database: `routecheck ingest fixtures/demo/logs/ --db FILE`, once per run. */
async function pristineDemoDb(): Promise<string> {
  return once(join(cacheDir(), 'demo.duckdb'), async (tmp) => {
    const r = await runCli(['ingest', DEMO_LOGS, '--db', tmp, '--quiet']);
    if (r.code !== 0) throw new Error(`ingest of the demo failed (${r.code}): ${r.stderr}`);
    if (existsSync(`${tmp}.wal`)) throw new Error('the demo database was closed with a WAL left over');
  });
}

/**
 * A private copy of the demo logs loaded into DuckDB, for `--db FILE`. A copy because report and check write
 * their history into the database, and the next report of it would show that trend.
 */
export async function demoDb(): Promise<string> {
  const pristine = await pristineDemoDb();
  const copy = join(mkdtempSync(join(cacheDir(), 'db-')), 'demo.duckdb');
  copyFileSync(pristine, copy);
  return copy;
}

const runs = new Map<string, Promise<CliRun>>();

/**
 * The in-process run of `argv` (a read-only command on the demo logs: it may not write files or read env), made
 * once per test run and shared by every test file that asks for the same argv. For the reports several files
 * check: the default window and --all.
 */
export function demoRun(argv: string[]): Promise<CliRun> {
  const key = createHash('sha256').update(JSON.stringify(argv)).digest('hex').slice(0, 16);
  let run = runs.get(key);
  if (!run) {
    run = once(join(cacheDir(), `run-${key}.json`), async (tmp) => writeFileSync(tmp, JSON.stringify(await runCli(argv)))).then(
      (file) => JSON.parse(readFileSync(file, 'utf8')) as CliRun,
    );
    runs.set(key, run);
  }
  return run;
}
