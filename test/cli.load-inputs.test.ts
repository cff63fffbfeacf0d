import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('what loading inputs prints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-inputs-'));
  const log = join(dir, 'one.jsonl');
  writeFileSync(log, JSON.stringify({ ts: '2025-03-17T09:00:00Z', request_id: 'r1', model: 'gpt-4o-mini', input_tokens: 1, output_tokens: 1 }) + '\n');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const db = join(dir, 'db.duckdb');

  it('says nothing about files for report --db without files', async () => {
    expect((await runCli(['ingest', log, '--db', db, '--quiet'])).code).toBe(0);
    const r = await runCli(['report', '--db', db, '--all', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/log files/);
    expect(JSON.parse(r.stdout).requests.total).toBe(1);
  });

  it('still says so when the files named hold no logs', async () => {
    const r = await runCli(['report', empty, '--db', db, '--all', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no log files found in the inputs');
  });
});
