#!/usr/bin/env node
// npm run bench [-- --rows 1000000 --runs 3]
// Generates native-JSONL rows with the demo generator, then times `routecheck ingest` against a bare DuckDB
// read_json of the same file, each in its own process (wall time and peak RSS from /usr/bin/time).
// Prints a Markdown table for BENCHMARKS.md; nothing here is a test.
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean),
);
const ROWS = Number(args.rows ?? 1_000_000);
const RUNS = Number(args.runs ?? 3);
const OUT = resolve('bench/out');
const BIN = resolve('bin/routecheck.js');
mkdirSync(OUT, { recursive: true });

const { generateLines, emptyTruth, DEFAULT_DEMO_OPTIONS } = await import('../dist/demo/generate.js');

async function generate(rows) {
  const file = join(OUT, `bench-${rows}.jsonl`);
  if (existsSync(file)) return file;
  // The default demo (scale 1) is ~40k requests over 42 days; scale it to the wanted row count.
  const probe = emptyTruth();
  for (const _ of generateLines({ ...DEFAULT_DEMO_OPTIONS }, probe)); // eslint-disable-line no-unused-vars
  const scale = (rows / probe.requests) * 1.03; // a little over, then cut at exactly `rows` lines
  const out = createWriteStream(file);
  let n = 0;
  let buf = [];
  for (const line of generateLines({ ...DEFAULT_DEMO_OPTIONS, scale }, emptyTruth())) {
    if (n === rows) break;
    buf.push(line.text);
    n++;
    if (buf.length === 10_000) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
    }
  }
  out.end(buf.length ? buf.join('\n') + '\n' : '');
  await once(out, 'finish');
  console.error(`generated ${n} lines (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${file}`);
  return file;
}

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS in MB. */
function timed(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop();
  const [secs, kb] = last.split(' ').map(Number);
  return { secs, mb: kb / 1024, stderr: r.stderr };
}

function timedEnv(cmd, argv, env) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop();
  const [secs, kb] = last.split(' ').map(Number);
  return { secs, mb: kb / 1024, stderr: r.stderr };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const BARE = `
import { DuckDBInstance } from '@duckdb/node-api';
const [file, db] = process.argv.slice(1);
const inst = await DuckDBInstance.create(db);
const c = await inst.connect();
// ignore_errors: the demo data has a few malformed lines (routecheck rejects them; read_json skips them).
await c.run("CREATE TABLE t AS SELECT * FROM read_json($f, format='newline_delimited', ignore_errors=true)", { f: file });
c.closeSync(); inst.closeSync();
`;

const file = await generate(ROWS);
const results = { bare: [], ingest: [] };
for (let i = 0; i < RUNS; i++) {
  const db1 = join(OUT, 'bare.duckdb');
  const db2 = join(OUT, 'ingest.duckdb');
  for (const f of [db1, db2, db1 + '.wal', db2 + '.wal']) rmSync(f, { force: true });
  results.bare.push(timed(process.execPath, ['--input-type=module', '-e', BARE, file, db1]));
  results.ingest.push(timed(process.execPath, [BIN, 'ingest', file, '--db', db2, '--quiet']));
}

// The full report (all sections, lexical embedder) over the ingested database, and its per-stage timings.
const reportRuns = [];
for (let i = 0; i < RUNS; i++) {
  const r = timedEnv(process.execPath, [BIN, 'report', '--db', join(OUT, 'ingest.duckdb'), '--all', '--format', 'json', '--quiet', '--out', join(OUT, 'report.json')], { ROUTECHECK_TIMINGS: '1' });
  reportRuns.push(r);
}
const stages = new Map();
for (const r of reportRuns) {
  for (const m of r.stderr.matchAll(/^timing (\S+) ([\d.]+) s$/gm)) stages.set(m[1], [...(stages.get(m[1]) ?? []), Number(m[2])]);
}

const b = { secs: median(results.bare.map((r) => r.secs)), mb: median(results.bare.map((r) => r.mb)) };
const g = { secs: median(results.ingest.map((r) => r.secs)), mb: median(results.ingest.map((r) => r.mb)) };
const rep = { secs: median(reportRuns.map((r) => r.secs)), mb: median(reportRuns.map((r) => r.mb)) };
const rate = ROWS / g.secs;
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const lines = [
  `### ${ROWS.toLocaleString('en-US')} native-JSONL rows (${new Date().toISOString().slice(0, 10)}, commit ${commit})`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. ` +
    `Command: \`npm run bench -- --rows ${ROWS} --runs ${RUNS}\` (median of ${RUNS} runs, each in a fresh process; ingest into a fresh database file).`,
  '',
  '| step | wall time | rows/s | peak RSS |',
  '| --- | ---: | ---: | ---: |',
  `| bare DuckDB \`CREATE TABLE AS SELECT * FROM read_json(file)\` | ${b.secs.toFixed(2)} s | ${Math.round(ROWS / b.secs).toLocaleString('en-US')} | ${b.mb.toFixed(0)} MB |`,
  `| \`routecheck ingest file --db new.duckdb\` | ${g.secs.toFixed(2)} s | ${Math.round(rate).toLocaleString('en-US')} | ${g.mb.toFixed(0)} MB |`,
  `| \`routecheck report --db … --all --format json\` (every section, lexical embedder) | ${rep.secs.toFixed(2)} s | ${Math.round(ROWS / rep.secs).toLocaleString('en-US')} | ${rep.mb.toFixed(0)} MB |`,
  '',
  `Ratio ingest / bare read: ${(g.secs / b.secs).toFixed(2)}× (target ≤ 1.5×); ingest rate target ≥ 250,000 rows/s; memory target < 1,536 MB.`,
  `End to end (ingest + report): ${(g.secs + rep.secs).toFixed(1)} s (target < 60 s, < 2 GB).`,
  '',
  'Report stages (median seconds):',
  '',
  '| section | s |',
  '| --- | ---: |',
  ...[...stages].map(([name, xs]) => `| ${name} | ${median(xs).toFixed(2)} |`),
];
console.log(lines.join('\n'));
