import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { textHash } from '../src/report/redact.js';
import { HOSTILE, RAW_CONTROL, SECRET_PROMPT, SECRET_USER, writeHostileLogs, type HostileLogs } from './hostile-corpus.js';
import { runCli, type CliRun } from './run-cli.js';

/**
 * Every output is a sink that its data cannot steer: the hostile corpus (hostile-corpus.ts), carried by model
 * names, file names, prompts, user and session ids and route labels, pushed through every format.
 */

let h: HostileLogs;
beforeAll(() => {
  h = writeHostileLogs();
});
afterAll(() => rmSync(h.dir, { recursive: true, force: true }));

const report = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  runCli(['report', h.logs, '--config', h.config, '--all', ...args], { env });

/** Text a terminal, a log viewer or a text editor shows: no control character but LF, no bidi, no raw ESC. */
function expectInert(text: string): void {
  const at = RAW_CONTROL.exec(text);
  expect(at, at ? `raw U+${at[0].charCodeAt(0).toString(16).padStart(4, '0')} near ${JSON.stringify(text.slice(Math.max(0, at.index - 40), at.index + 20))}` : '').toBeNull();
  // A line feed in data never starts a line of its own: no workflow command, no markdown heading of the data's.
  // The runner reads `::` at a line's start after blanks, and its legacy `##[` anywhere in a line.
  expect(text).not.toContain('##[');
  for (const line of text.split('\n')) {
    expect(line).not.toMatch(/^\s*::/);
    expect(line).not.toMatch(/^\s{0,3}#+ Injected/);
  }
}

/** Every string in a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe('hostile data in every format', () => {
  it('table: every line at most 100 columns, nothing raw on stdout or stderr, the file name on one line', async () => {
    const r = await report([]);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    expectInert(r.stderr);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    // The hostile file's summary line shows its name with the escapes visible.
    expect(r.stderr).toContain('odd\\u001b[31m\\n::error::file.jsonl: native');
    // The data is shown, not dropped: the model name is there with its escape sequence made visible.
    expect(r.stdout).toContain('big-\\u001b[31mRED\\u001b[0m');
    expect(r.stdout).toContain('big-abc\\u202egnp.exe');
  });

  it('markdown: no heading, link, raw control or workflow command from the data', async () => {
    const r = await report(['--format', 'markdown']);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    expect(r.stdout).not.toMatch(/(?<!\\)\[click\]\(/);
    expect(r.stdout).not.toContain('<script>');
    // Headings are the report's own: none of them holds data text.
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('#'))) expect(line).not.toMatch(/Injected|script|RED/);
    // No @name outside code (posted as a PR comment, it would notify someone): the data's `@SUM(…)` is there, broken.
    let code = false;
    const prose = r.stdout.split('\n').filter((line) => (line.startsWith('```') ? ((code = !code), false) : !code));
    expect(prose.join('\n')).not.toMatch(/@[A-Za-z0-9]/);
    expect(r.stdout).toContain('@&#8203;SUM(1+1)');
  });

  it('html: markup escaped, no raw control', async () => {
    const r = await report(['--format', 'html']);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    expect(r.stdout).not.toContain('<script');
    expect(r.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.stdout).not.toMatch(/<x a=/);
  });

  it('json: valid, printable, and lossless: every hostile string parses back exactly', async () => {
    const r = await report(['--format', 'json', '--redact', 'none']);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    const values = new Set(strings(JSON.parse(r.stdout)));
    for (const [name, text] of Object.entries(HOSTILE)) expect(values.has(`big-${text}`), name).toBe(true);
  });

  it('prometheus: every line a comment or a sample with well-formed labels', async () => {
    const r = await report(['--format', 'prometheus']);
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? \S+$/;
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.startsWith('# HELP ') || line.startsWith('# TYPE ') || sample.test(line), line.slice(0, 200)).toBe(true);
    // The families of the priced small-… models are labels, with their escapes shown.
    expect(r.stdout).toMatch(/family="small-\\\\u001b\[31mred\\\\u001b\[0m"/i);
  });

  it('csv: no cell starts like a formula; numbers stay numbers', async () => {
    const out = join(h.dir, 'csv') + '/';
    const r = await report(['--out', out, '--format', 'csv']);
    expect(r.code).toBe(0);
    let formulas = 0;
    for (const file of readdirSync(out)) {
      const rows = Papa.parse<string[]>(readFileSync(join(out, file), 'utf8'), { skipEmptyLines: true }).data;
      for (const cell of rows.flat()) {
        if (/^-?\d+(\.\d+)?(e-?\d+)?$/.test(cell)) continue;
        expect(cell, `${file}: ${cell.slice(0, 80)}`).not.toMatch(/^[=+\-@\t\r]/);
        if (/^'[=+\-@\t\r]/.test(cell)) formulas++;
      }
    }
    // Prompts that start like formulas lead cells of the cache and flip tables: they are there, neutralized.
    const cells = readdirSync(out).flatMap((f) => Papa.parse<string[]>(readFileSync(join(out, f), 'utf8')).data.flat());
    expect(formulas).toBeGreaterThan(0);
    // Which prompts the top-10 tables quote depends on the counts: at least one of the formula strings is there.
    const shown = ['formula', 'plus', 'minus', 'at', 'tab'].filter((k) => cells.some((c) => c.startsWith(`'${HOSTILE[k]}`)));
    expect(shown.length).toBeGreaterThan(0);
  });

  it('check in GitHub Actions: one annotation per gate, no workflow command from the data; valid JUnit XML', async () => {
    const junit = join(h.dir, 'junit.xml');
    const r = await runCli(['check', h.logs, '--config', h.config, '--all', '--junit', junit], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    expectInert(r.stderr);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands.length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('##[');
    for (const c of commands) expect(c).toMatch(/^::(error|warning) title=routecheck [a-z_]+::[^\r\n]*$/);
    // The unpriced gate names the big-… models: their line feeds are %0A, their escapes visible.
    const unpriced = commands.find((c) => c.includes('title=routecheck unpriced'))!;
    expect(unpriced).toMatch(/%0A/);
    expect(unpriced).not.toMatch(RAW_CONTROL);
    expectInert(r.stdout.split('\n').filter((l) => !l.startsWith('::')).join('\n'));

    const xml = readFileSync(junit, 'utf8');
    const parser = new SaxesParser();
    let cases = 0;
    parser.on('opentag', (tag) => void (tag.name === 'testcase' && cases++));
    parser.write(xml).close();
    expect(cases).toBe(4);
  });

  it('export csv neutralizes formulas but not numbers; parquet keeps every value as logged', async () => {
    const csv = join(h.dir, 'export.csv');
    expect((await runCli(['export', h.logs, '--config', h.config, '--out', csv, '--quiet'])).code).toBe(0);
    const rows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8'), { header: true, skipEmptyLines: true }).data;
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) if (!/^-?\d+(\.\d+)?$/.test(cell)) expect(cell, column).not.toMatch(/^[=+\-@\t\r]/);
    }
    // Request ids and prompts start with the hostile strings: the formula starts got their `'`, the rest is as logged.
    expect(rows.some((r) => r['request_id']!.startsWith(`'=cmd|' /C calc'!A0#`))).toBe(true);
    expect(rows.some((r) => r['input']!.startsWith(`'@SUM(1+1) #`))).toBe(true);
    expect(rows.some((r) => r['model'] === `big-=cmd|' /C calc'!A0`)).toBe(true);
    expect(rows.map((r) => r['score'])).toContain('-0.5');

    const parquet = join(h.dir, 'export.parquet');
    expect((await runCli(['export', h.logs, '--config', h.config, '--out', parquet, '--quiet'])).code).toBe(0);
    const models = await withDatabase({ path: ':memory:' }, (db) => db.all<{ model: string }>('SELECT DISTINCT model FROM read_parquet($f)', { f: parquet }));
    const set = new Set(models.map((m) => m.model));
    for (const [name, text] of Object.entries(HOSTILE)) expect(set.has(`small-${text}`), name).toBe(true);
  });

  it('prices check: the unpriced models on the terminal, inert', async () => {
    const r = await runCli(['prices', 'check', h.logs]);
    expect(r.code).toBe(1);
    expectInert(r.stdout);
    expectInert(r.stderr);
  });
});

describe('--redact', () => {
  /** Everything a run wrote: stdout, stderr and the files under `dir`. */
  const outputs = (r: CliRun, files: string[] = []): string => [r.stdout, r.stderr, ...files.map((f) => readFileSync(f, 'latin1'))].join('\n');

  it('truncate (the default): no prompt longer than 200 characters in the JSON; the secret prompt nowhere whole', async () => {
    const r = await report(['--format', 'json']);
    const json = JSON.parse(r.stdout) as { cache: { top_clusters: { sample: string }[] }; deviation: { examples: { input: string | null }[] }; rejects: { examples: { raw: string | null }[] } };
    expect(json.cache.top_clusters.length).toBeGreaterThan(0);
    for (const t of json.cache.top_clusters) expect(t.sample.length).toBeLessThanOrEqual(200);
    for (const e of json.deviation.examples) expect((e.input ?? '').length).toBeLessThanOrEqual(200);
    for (const e of json.rejects.examples) expect((e.raw ?? '').length).toBeLessThanOrEqual(500);
    expect(json.cache.top_clusters.some((t) => t.sample.startsWith('SECRETPROMPT') && t.sample.endsWith('…'))).toBe(true);
    for (const format of ['json', 'markdown', 'html', 'table']) {
      const run = await report(['--format', format, '--quiet']);
      expect(run.stdout, format).not.toContain(SECRET_PROMPT);
    }
  });

  it('hash: neither the secret prompt nor the secret user appears in any format or export; hashes find the request', async () => {
    const dir = join(h.dir, 'hash');
    const runs: string[] = [];
    for (const format of ['json', 'markdown', 'html', 'table', 'prometheus']) runs.push(outputs(await report(['--format', format, '--redact', 'hash'])));
    const csv = await report(['--format', 'csv', '--out', dir + '/', '--redact', 'hash']);
    runs.push(outputs(csv, readdirSync(dir).map((f) => join(dir, f))));
    runs.push(outputs(await runCli(['check', h.logs, '--config', h.config, '--all', '--format', 'json', '--redact', 'hash'])));
    const exportCsv = join(h.dir, 'hashed.csv');
    const exportParquet = join(h.dir, 'hashed.parquet');
    runs.push(outputs(await runCli(['export', h.logs, '--config', h.config, '--out', exportCsv, '--redact', 'hash']), [exportCsv]));
    expect((await runCli(['export', h.logs, '--config', h.config, '--out', exportParquet, '--redact', 'hash'])).code).toBe(0);
    const parquet = await withDatabase({ path: ':memory:' }, (db) =>
      db.all<{ input: string; user_id: string; session_id: string }>('SELECT input, user_id, session_id FROM read_parquet($f)', { f: exportParquet }),
    );
    runs.push(JSON.stringify(parquet));
    for (const text of runs) {
      expect(text).not.toContain('SECRETPROMPT');
      expect(text).not.toContain('SECRETUSER');
    }
    // The report's hash of a prompt is the export's, and the SHA-256 of the whole prompt.
    const json = JSON.parse((await report(['--format', 'json', '--redact', 'hash'])).stdout) as { cache: { top_clusters: { sample: string }[] } };
    expect(json.cache.top_clusters.map((t) => t.sample)).toContain(textHash(SECRET_PROMPT));
    expect(parquet.map((p) => p.input)).toContain(textHash(SECRET_PROMPT));
    expect(parquet.map((p) => p.user_id)).toContain(textHash(SECRET_USER));
  });

  it('the config key "redact" sets the mode; a bad mode is a usage error naming the key', async () => {
    const { writeFileSync } = await import('node:fs');
    const config = join(h.dir, 'redact.config.json');
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(h.config, 'utf8')), redact: 'hash' }));
    const r = await runCli(['report', h.logs, '--config', config, '--all', '--format', 'json', '--quiet']);
    expect(r.stdout).not.toContain('SECRETPROMPT');
    writeFileSync(config, JSON.stringify({ redact: 'some' }));
    const bad = await runCli(['report', h.logs, '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/redact\.config\.json: "redact" "some" is not one of none, truncate, hash/);
  });
});
