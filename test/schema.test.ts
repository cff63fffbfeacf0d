import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate } from './json-schema.js';
import { runCli } from './run-cli.js';
import { demoRun } from './demo-report.js';

const schema = JSON.parse(readFileSync('schema/report.schema.json', 'utf8')) as Record<string, unknown>;
const tmp = () => mkdtempSync(join(tmpdir(), 'routecheck-schema-'));

async function reportJson(argv: string[], run = runCli): Promise<any> {
  const r = await run(['report', ...argv, '--format', 'json', '--quiet']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('schema/report.schema.json', () => {
  let demo: any;

  beforeAll(async () => {
    demo = await reportJson(['fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json'], demoRun);
  });

  it('validates the demo report', () => {
    expect(validate(schema, demo)).toEqual([]);
    // The keys the other issues name are there, so the schema checked them.
    for (const k of ['headline', 'gates', 'findings', 'quality', 'deviation', 'efficiency', 'versions', 'spend', 'cache', 'classifier', 'roi']) expect(demo).toHaveProperty(k);
  });

  it('validates the whole-data report, a report with unknown gates, and one with a trend', async () => {
    expect(validate(schema, await reportJson(['fixtures/demo/logs/', '--all'], demoRun))).toEqual([]);
    expect(validate(schema, await reportJson(['fixtures/formats/native.jsonl']))).toEqual([]);
    const dir = tmp();
    const db = join(dir, 'rc.duckdb');
    const log = join(dir, 'logs.jsonl');
    const days = Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2025, 2, 10 + i, 12)).toISOString());
    writeFileSync(log, days.map((ts, i) => JSON.stringify({ ts, request_id: `r${i}`, input: `q${i % 3}`, model: 'gpt-4o-mini', input_tokens: 5, output_tokens: 5, cost_usd: 0.00001, cache_key: `k${i % 3}` })).join('\n') + '\n');
    await reportJson([log, '--db', db, '--week', '2025-W11']);
    const withTrend = await reportJson(['--db', db, '--week', '2025-W12']);
    expect(withTrend.trends.rows).toHaveLength(2);
    expect(validate(schema, withTrend)).toEqual([]);
  });

  it('catches a report that breaks it', () => {
    const broken = structuredClone(demo);
    broken.gates[0].status = 'ok';
    broken.findings[0].monthly_usd = '12';
    delete broken.headline.current;
    broken.window_label = 'W12';
    broken.quality.surprise = 1;
    const errors = validate(schema, broken);
    expect(errors).toContain('$.gates[0].status: "ok" is not one of ["pass","warn","fail","unknown"]');
    expect(errors).toContain('$.findings[0].monthly_usd: string is not number or null');
    expect(errors).toContain('$.headline: missing "current"');
    expect(errors.some((e) => e.startsWith('$.window_label: matches 0 of the oneOf'))).toBe(true);
    expect(errors).toContain('$.quality: unexpected key "surprise"');
    const unavailable = structuredClone(demo);
    unavailable.cache = { available: false };
    expect(validate(schema, unavailable).some((e) => e.startsWith('$.cache: matches 0 of the oneOf'))).toBe(true);
  });

  it('uses only keywords the validator checks', () => {
    expect(() => validate({ type: 'object', patternProperties: {} }, {})).toThrow(/"patternProperties" .* not supported/);
  });
});
