import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.js';
import { renderCsv, renderHtml, renderMarkdown, renderTable } from './render-report.js';
import { demoTruth } from './demo-records.js';
import { runCli, type CliRun } from './run-cli.js';
import { demoRun } from './demo-report.js';

/**
 * The report's output formats on the demo data: golden files for the terminal table and markdown (pinned width
 * 100, no colour; `UPDATE_GOLDEN=1 npx vitest run test/report.formats.test.ts` rewrites them after an intended
 * change), CSV values against the generator's truth, the HTML file in a real headless Chromium, and the
 * progress/--quiet policy on stderr.
 */

type Run = CliRun;
const cli = runCli;

const tmp = (): string => mkdtempSync(join(tmpdir(), 'routecheck-formats-'));
const truth = demoTruth();
/** The Monday of an ISO week `2025-W12` (the demo data starts on the Monday of W07, 2025-02-10). */
const mondayOf = (isoWeek: string): string => {
  const week = Number(isoWeek.slice(6));
  return new Date(Date.UTC(2025, 1, 10) + (week - 7) * 7 * 86_400_000).toISOString().slice(0, 10);
};
const DEMO = ['report', 'fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--embedder', 'lexical', '--format', 'json'];

const GOLDEN = 'test/golden';
/** Compares with a golden file; with UPDATE_GOLDEN=1 rewrites it instead. */
function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`${path} is missing: run UPDATE_GOLDEN=1 npx vitest run test/report.formats.test.ts`);
  expect(actual, `${path} differs (UPDATE_GOLDEN=1 rewrites it after an intended change)`).toBe(readFileSync(path, 'utf8'));
}

// Two reports of the demo data, built once per test run: the default window (the last complete week, 2025-W12) and --all.
let weekly: Report;
let all: Report;
let weeklyRun: Run;
beforeAll(async () => {
  weeklyRun = await demoRun([...DEMO, '--quiet']);
  expect(weeklyRun.code).toBe(0);
  weekly = JSON.parse(weeklyRun.stdout) as Report;
  const allRun = await demoRun([...DEMO, '--all', '--quiet']);
  expect(allRun.code).toBe(0);
  all = JSON.parse(allRun.stdout) as Report;
}, 180_000);

describe('golden files (demo data, default window)', () => {
  it('the report covers 2025-W12, whose request count is the generator’s', () => {
    expect(weekly.window.from).toBe(`${mondayOf('2025-W12')}T00:00:00.000Z`);
    expect(weekly.requests.total).toBe(truth.by_week['2025-W12']!.requests);
  });

  it('table: fits 100 columns, no colour, matches report.table.txt', () => {
    const text = renderTable(weekly, { color: false, width: 100 });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(text).not.toContain('\u001b[');
    golden('report.table.txt', text);
  });

  it('markdown: well-formed tables, matches report.md', () => {
    const md = renderMarkdown(weekly);
    // Every row of a pipe table has as many (unescaped) cells as its header.
    const cells = (line: string): number => line.replace(/\\\|/g, '').split('|').length - 2;
    const lines = md.split('\n');
    let inFence = false;
    let columns = 0;
    let tables = 0;
    for (const line of lines) {
      if (/^`{3,}/.test(line)) inFence = !inFence;
      if (inFence || !line.startsWith('|')) {
        columns = 0;
        continue;
      }
      if (columns === 0) {
        columns = cells(line);
        tables++;
      } else {
        expect(cells(line), line).toBe(columns);
      }
    }
    expect(tables).toBeGreaterThan(5);
    expect(md).toContain(`| requests | ${truth.by_week['2025-W12']!.requests.toLocaleString('en-US')} |`);
    golden('report.md', md);
  });
});

describe('csv', () => {
  it('one file per table; weekly spend matches the generator’s truth', () => {
    const files = renderCsv(all);
    const ids = files.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['summary', 'models', 'spend-weeks', 'tpd-family', 'versions']));
    const spend = Papa.parse<Record<string, string>>(files.find((f) => f.id === 'spend-weeks')!.text, { header: true, skipEmptyLines: true }).data;
    const expected = Object.entries(truth.by_week).map(([week, w]) => ({ week: mondayOf(week), ...w }));
    expect(spend.map((r) => r['week'])).toEqual(expected.map((w) => w.week));
    for (const [i, w] of expected.entries()) {
      expect(Number(spend[i]!['requests'])).toBe(w.requests);
      expect(Number(spend[i]!['spend_usd'])).toBeCloseTo(w.cost_usd, 6);
    }
  });
});

describe('the CLI picks the format from --format or the --out extension', () => {
  const SMALL = ['report', 'fixtures/formats/native.jsonl', '--quiet'];
  const costs = readFileSync('fixtures/formats/native.jsonl', 'utf8').trim().split('\n').map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    return Number(r['cost_usd'] ?? r['spend'] ?? r['cost']);
  });

  it('writes markdown and html by extension, the same text the renderers give', async () => {
    const dir = tmp();
    const json = JSON.parse((await cli([...SMALL, '--format', 'json'])).stdout) as Report;
    expect((await cli([...SMALL, '--out', join(dir, 'r.md')])).code).toBe(0);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toBe(renderMarkdown(json));
    expect((await cli([...SMALL, '--out', join(dir, 'r.html')])).code).toBe(0);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(renderHtml(json));
    expect((await cli([...SMALL, '--format', 'markdown'])).stdout).toMatch(/^# routecheck report\n/);
  });

  it('csv: a folder or a name prefix; the models file holds the logged costs as numbers', async () => {
    const dir = tmp();
    const run = await cli(['report', 'fixtures/formats/native.jsonl', '--format', 'csv', '--out', dir + '/']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^wrote \d+ CSV files: /m);
    const models = Papa.parse<Record<string, string>>(readFileSync(join(dir, 'report-models.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(models.map((m) => Number(m['logged spend'])).sort()).toEqual([...costs].sort());
    const named = tmp();
    expect((await cli([...SMALL, '--out', join(named, '2025-W12.csv')])).code).toBe(0);
    expect(readdirSync(named)).toContain('2025-W12-summary.csv');
    expect(readdirSync(named)).not.toContain('2025-W12.csv');
  });

  it('csv without --out and an unknown format are usage errors (exit 2)', async () => {
    const noOut = await cli([...SMALL, '--format', 'csv']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--format csv writes one file per table: give --out/);
    const bad = await cli([...SMALL, '--format', 'pdf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format "pdf" is not one of/);
  });
});

describe('stderr: progress on a terminal only, --quiet silences all but errors', () => {
  const SMALL = ['report', 'fixtures/formats/native.jsonl', '--format', 'json'];

  it('--quiet: nothing on stderr for the whole demo report', () => {
    expect(weeklyRun.stderr).toBe('');
  });

  it('not a terminal: summary lines, no progress line', async () => {
    const run = await cli(SMALL);
    expect(run.stderr).toContain('fixtures/formats/native.jsonl: native, 3 records: 3 loaded, 0 rejected\n');
    expect(run.stderr).not.toContain('\r');
  });

  it('a terminal: the file being loaded, erased before its summary line', async () => {
    const run = await cli(SMALL, { stderrIsTTY: true });
    const label = 'loading fixtures/formats/native.jsonl…';
    expect(run.stderr.startsWith(`\r${label}`)).toBe(true);
    const erase = `\r${' '.repeat(label.length)}\r`;
    expect(run.stderr).toContain(`${erase}fixtures/formats/native.jsonl: native, 3 records`);
  });

  it('a terminal with --quiet: nothing', async () => {
    const run = await cli([...SMALL, '--quiet'], { stderrIsTTY: true });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPED: the HTML report's headless-browser check needs ${CHROMIUM} (apt-get install chromium); .ci/run installs it.`);
}

describe.skipIf(!haveChromium)(`html in headless Chromium (${CHROMIUM})`, () => {
  it('loads with no console error and no request but its own file; the charts are drawn', async () => {
    const { chromium } = await import('playwright-core');
    const dir = tmp();
    const file = resolve(dir, 'report.html');
    writeFileSync(file, renderHtml(all));
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    });
    try {
      const requests: string[] = [];
      const errors: string[] = [];
      context.on('request', (r) => requests.push(r.url()));
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });

      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${file}`]);
      expect(statSync(shot).size).toBeGreaterThan(20_000);

      const weeks = Object.keys(truth.by_week).length;
      // Three priced families (gpt-4o-mini, claude-3-5-haiku, gpt-4o; the self-hosted model has no price) × six weeks.
      expect(await page.locator('svg.chart[data-chart="tpd-family"] circle').count()).toBe(3 * weeks);
      expect(await page.locator('svg.chart[data-chart="cost-per-request"] circle').count()).toBe(weeks);
      // The weekly deviation rate with its interval band (one run of six weeks: one polygon) and the 5% target.
      const deviation = page.locator('svg.chart[data-chart="deviation-weeks"]');
      expect(await deviation.locator('circle').count()).toBe(weeks);
      expect(await deviation.locator('polygon.band').count()).toBe(1);
      expect(await deviation.locator('g.threshold').count()).toBe(1);
      // Every chart has a drawn line and a visible box.
      const charts = page.locator('svg.chart');
      expect(await charts.count()).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < (await charts.count()); i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box!.width).toBeGreaterThan(300);
        expect(await charts.nth(i).locator('path.series').count()).toBeGreaterThan(0);
      }
      // The weekly spend table, as the browser shows it, has the generator's request counts.
      const rows = await page.locator('#table-spend-weeks tbody tr td:nth-child(2)').allTextContents();
      expect(rows).toEqual(Object.values(truth.by_week).map((w) => w.requests.toLocaleString('en-US')));
      console.info(`HTML report screenshot: ${shot}`);
    } finally {
      await context.close();
    }
  }, 120_000);
});
