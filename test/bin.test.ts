import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoTruth } from './demo-records.js';
import { demoDb } from './demo-report.js';
import { spawnRoutecheck } from './spawn-cli.js';

/**
 * The built CLI spawned the way a user runs it (test/spawn-cli.ts). Everything else runs in-process
 * (test/run-cli.ts); these few check what only a process can show.
 */
const routecheck = (args: string[]) => spawnRoutecheck(args);

const DEMO = ['fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json'];

describe('bin/routecheck.js, spawned', () => {
  it('report: exit 0, the report on stdout, one summary line per file on stderr', async () => {
    const r = await routecheck(['report', ...DEMO]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Headline');
    expect(r.stdout).toMatch(/routing deviation .* FAIL/);
    expect(r.stderr.match(/^fixtures\/demo\/logs\/2025-W\d\d\.jsonl\.gz: native, /gm)).toHaveLength(6);
  });

  it('--format json through a pipe: the whole document, past 64 KiB', async () => {
    const r = await routecheck(['report', '--db', await demoDb(), '--all', '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // Longer than a pipe's buffer, so a process.exit() before stdout drained would cut it.
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(64 * 1024);
    const report = JSON.parse(r.stdout);
    expect(report.requests.total).toBe(demoTruth().requests);
  });

  it('calibrate: exit 0 and the recommendation on the demo; exit 2 and one line when no request logs a score', async () => {
    const r = await routecheck(['calibrate', '--db', await demoDb(), '--config', 'fixtures/demo/routecheck.config.json', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ recommended +│ 0\.8 \/ 0\.92 +│ < 50 chars +│ 12\.5%/);
    const logs = join(mkdtempSync(join(tmpdir(), 'routecheck-bin-')), 'no-scores.jsonl');
    const rows = Array.from({ length: 4 }, (_, i) => ({ ts: `2025-03-17T10:0${i}:00Z`, request_id: `n${i}`, input: 'hi', model: i % 2 ? 'gpt-4o' : 'gpt-4o-mini', ideal: 'simple', input_tokens: 10, output_tokens: 10 }));
    writeFileSync(logs, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const none = await routecheck(['calibrate', logs, '--config', 'fixtures/demo/routecheck.config.json', '--all', '--quiet']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^routecheck: no routed request in the window logs a router score \(4 routed requests\)/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('check: exit 1 on the demo, whose gates fail', async () => {
    const r = await routecheck(['check', ...DEMO, '--quiet']);
    expect(r.stdout).toMatch(/^routecheck check: FAIL, 2025-W12, /);
    expect(r.code).toBe(1);
  });

  it('a saved LiteLLM /spend/logs/ui page: its rows, detected without --input-format', async () => {
    const r = await routecheck(['report', 'fixtures/formats/litellm-spendlogs-ui.json', '--all', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('fixtures/formats/litellm-spendlogs-ui.json: litellm-spendlogs, 3 records: 3 loaded, 0 rejected\n');
    expect(JSON.parse(r.stdout).requests).toMatchObject({ total: 3, by_format: { 'litellm-spendlogs': 3 } });
  });

  it('a usage error: exit 2 and one line on stderr, nothing on stdout', async () => {
    const r = await routecheck(['report']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('routecheck: report needs log files (routecheck report logs/) or a database (--db FILE)\n');
  });

  it('--db: a second run reports from the database the first one filled', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'routecheck-bin-')), 'rc.duckdb');
    const first = await routecheck(['report', 'fixtures/formats/native.jsonl', '--db', db, '--format', 'json', '--quiet']);
    expect(first.code).toBe(0);
    const second = await routecheck(['report', '--db', db, '--format', 'json', '--quiet']);
    expect(second.code).toBe(0);
    expect(JSON.parse(first.stdout).requests.total).toBe(3);
    expect(JSON.parse(second.stdout).requests).toEqual(JSON.parse(first.stdout).requests);
    expect(JSON.parse(second.stdout).inputs).toEqual([]);
  });
});
