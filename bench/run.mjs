#!/usr/bin/env node
// npm run bench [-- --rows 1000000 --runs 3]
// Generates native-JSONL rows with the demo generator, then times `routecheck ingest` against a bare DuckDB
// read_json of the same file, each in its own process (wall time and peak RSS from /usr/bin/time).
// npm run bench -- --weekly 5600000 [--generate-only]
// npm run bench -- --six-weeks 5600000 [--keep]: six weeks ingested and reported one by one (the cron), then --all.
// npm run bench -- --long-prompts 300000 [--runs 3]: ingest vs bare read on inputs of several KB (Arena-Hard prompts).
// The seed's scale: a week of ROWS requests, then the next week appended: ingest vs bare read of the week, the
// default weekly report over the --db, the same after the next week is appended (the cluster store reuses what it
// has), and the weekly report under --memory-limit 256MB.
// Prints a Markdown table for BENCHMARKS.md; nothing here is a test.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
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
const BENCH = resolve('bench/run.mjs');
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

/** The per-section timings a ROUTECHECK_TIMINGS=1 run prints, as [section, seconds]. */
const stagesOf = (r) => [...r.stderr.matchAll(/^timing ([^\s.]+) ([\d.]+) s$/gm)].map((m) => [m[1], Number(m[2])]);
/** The steps of a section it times too (`cache.store.link`), as [step, seconds]. */
const stepsOf = (r, section) => [...r.stderr.matchAll(/^timing (\S+) ([\d.]+) s$/gm)].filter((m) => m[1].startsWith(`${section}.`)).map((m) => [m[1], Number(m[2])]);
/** The cache section's summary line of a run's stderr. */
const cacheLine = (r) => /^cache: .*$/m.exec(r.stderr)?.[0] ?? '';
const lineCount = (f) => Number(execFileSync('wc', ['-l', f], { encoding: 'utf8' }).trim().split(' ')[0]);

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

if (args['long-prompts']) {
  await longPrompts(Number(args['long-prompts']));
  process.exit(0);
}

/**
 * A log whose prompts are several KB (issue 13 part 1 asks for ingest speed on long inputs, not only the demo's short
 * ones): each input joins consecutive Arena-Hard prompts (read in place from ../shared/realdata, never copied) until it
 * holds at least 3,000 characters, with the row number in front so that every input differs.
 */
async function generateLong(rows) {
  const file = join(OUT, `long-${rows}.jsonl`);
  if (existsSync(file)) return file;
  const source = resolve('..', 'shared', 'realdata', 'arena_hard_v2.0_question.jsonl');
  const { readFileSync } = await import('node:fs');
  const prompts = readFileSync(source, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt).filter(Boolean);
  const models = ['gpt-4o-mini-2024-07-18', 'claude-3-5-haiku-20241022', 'gpt-4o-2024-08-06'];
  const out = createWriteStream(file);
  const start = Date.parse('2025-03-10T00:00:00Z');
  let buf = [];
  for (let i = 0; i < rows; i++) {
    let input = `#${i} `;
    for (let k = i; input.length < 3000; k++) input += prompts[k % prompts.length] + '\n\n';
    const model = models[i % 3];
    buf.push(JSON.stringify({
      ts: new Date(start + Math.floor((i / rows) * 7 * 86_400_000)).toISOString(), request_id: `long-${i}`, session_id: `s-${i % 5000}`,
      user_id: `u-${i % 700}`, input, model, route: ['simple', 'medium', 'hard'][i % 3], score: (i % 100) / 100,
      input_tokens: Math.round(input.length / 4), output_tokens: 200 + (i % 400), cache_key: `${model}:${i % 90000}`,
      cache_hit: i % 7 === 0, status: 'success', latency_ms: 500 + (i % 3000), provider: model.startsWith('claude') ? 'anthropic' : 'openai',
    }));
    if (buf.length === 5_000) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
    }
  }
  out.end(buf.length ? buf.join('\n') + '\n' : '');
  await once(out, 'finish');
  console.error(`generated ${rows} lines (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${file}`);
  return file;
}

async function longPrompts(rows) {
  const file = await generateLong(rows);
  const bareDb = join(OUT, 'long-bare.duckdb');
  const db = join(OUT, 'long.duckdb');
  const bare = [];
  const ingest = [];
  for (let i = 0; i < RUNS; i++) {
    for (const f of [bareDb, db, bareDb + '.wal', db + '.wal']) rmSync(f, { force: true });
    bare.push(timed(process.execPath, ['--input-type=module', '-e', BARE, file, bareDb]));
    ingest.push(timed(process.execPath, [BIN, 'ingest', file, '--db', db, '--quiet']));
  }
  const b = { secs: median(bare.map((r) => r.secs)), mb: median(bare.map((r) => r.mb)) };
  const g = { secs: median(ingest.map((r) => r.secs)), mb: median(ingest.map((r) => r.mb)) };
  const mb = statSync(file).size / 1e6;
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  console.log([
    `### ${rows.toLocaleString('en-US')} rows with long prompts, ${mb.toFixed(0)} MB (${new Date().toISOString().slice(0, 10)}, commit ${commit})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Command: \`npm run bench -- --long-prompts ${rows} --runs ${RUNS}\` (median of ${RUNS}).`,
    '',
    '| step | wall time | rows/s | MB/s | peak RSS |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| bare DuckDB \`read_json\` into a database file | ${b.secs.toFixed(2)} s | ${Math.round(rows / b.secs).toLocaleString('en-US')} | ${(mb / b.secs).toFixed(0)} | ${b.mb.toFixed(0)} MB |`,
    `| \`routecheck ingest file --db new.duckdb\` | ${g.secs.toFixed(2)} s | ${Math.round(rows / g.secs).toLocaleString('en-US')} | ${(mb / g.secs).toFixed(0)} | ${g.mb.toFixed(0)} MB |`,
    '',
    `Ingest / bare read: ${(g.secs / b.secs).toFixed(2)}× (target ≤ 1.5×).`,
  ].join('\n'));
}

if (args['generate-pair']) {
  // A child of generateSixWeeks: one two-week generation (rows, then start and seed as the next two arguments, then
  // the two files).
  const [, , start, seed, f1, f2] = process.argv.slice(2);
  await generatePair(Number(args['generate-pair']), [f1, f2], start, Number(seed));
  process.exit(0);
}

if (args['six-weeks']) {
  await sixWeeks(Number(args['six-weeks']));
  process.exit(0);
}

if (args.weekly) {
  // --generate-only: write the two week files (minutes at 5.6M rows) without timing anything.
  if ('generate-only' in args) await generateWeeks(Number(args.weekly));
  else await weekly(Number(args.weekly));
  process.exit(0);
}

/** Two consecutive weeks of demo traffic, the first with about `rows` requests: week1.jsonl and week2.jsonl. */
async function generateWeeks(rows) {
  return generatePair(rows, [join(OUT, `week1-${rows}.jsonl`), join(OUT, `week2-${rows}.jsonl`)], '2025-03-10', DEFAULT_DEMO_OPTIONS.seed);
}

/**
 * Two consecutive weeks of demo traffic from `start` (a Monday) with the generator's `seed`, the first with about
 * `rows` requests, into `files`.
 */
async function generatePair(rows, files, start, seed) {
  if (files.every((f) => existsSync(f))) return files;
  const options = { ...DEFAULT_DEMO_OPTIONS, days: 14, start, seed };
  const second = new Date(Date.parse(`${start}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
  const probe = emptyTruth();
  const probed = [0, 0];
  for (const line of generateLines(options, probe)) probed[(/"ts":"([^"]+)"/.exec(line.text)?.[1] ?? '') >= second ? 1 : 0]++;
  const scale = rows / Math.max(1, probed[0]);
  // The demo's traffic grows week by week; the second week is thinned to the first's size (every k-th line kept),
  // so that "the next week" is a week like the first.
  const keep2 = Math.min(1, probed[0] / Math.max(1, probed[1]));
  let seen2 = 0;
  const outs = files.map((f) => createWriteStream(f));
  const bufs = [[], []];
  const counts = [0, 0];
  for (const line of generateLines({ ...options, scale }, emptyTruth())) {
    const ts = /"ts":"([^"]+)"/.exec(line.text)?.[1] ?? '';
    const k = ts >= second ? 1 : 0;
    if (k === 1 && Math.floor((seen2 + 1) * keep2) === Math.floor(seen2++ * keep2)) continue;
    bufs[k].push(line.text);
    counts[k]++;
    if (bufs[k].length === 10_000) {
      if (!outs[k].write(bufs[k].join('\n') + '\n')) await once(outs[k], 'drain');
      bufs[k] = [];
    }
  }
  for (let k = 0; k < 2; k++) {
    outs[k].end(bufs[k].length ? bufs[k].join('\n') + '\n' : '');
    await once(outs[k], 'finish');
  }
  console.error(`generated ${counts[0]} + ${counts[1]} lines in ${files.join(', ')}`);
  return files;
}

/**
 * Six consecutive weeks of demo traffic, about `rows` requests each: three two-week generations (seeds 1, 2, 3; the
 * first is the --weekly bench's pair), as one 42-day generation slows down past its third week (its state grows)
 * and takes an hour at 5.6M rows a week. six-week1-ROWS.jsonl … six-week6-ROWS.jsonl, 2.6 GB each at 5.6M rows.
 */
async function generateSixWeeks(rows) {
  const files = Array.from({ length: 6 }, (_, k) => join(OUT, `six-week${k + 1}-${rows}.jsonl`));
  // Each generation in a child with a larger heap (the generator's state passes V8's default ~4 GB limit at this
  // size, and then it spends its time collecting garbage), the later pairs side by side.
  const child = (start, seed, pair) =>
    new Promise((resolve, reject) => {
      if (pair.every((f) => existsSync(f))) return resolve();
      const argv = ['--max-old-space-size=12000', BENCH, '--generate-pair', String(rows), start, String(seed), ...pair];
      execFile(process.execPath, argv, { maxBuffer: 1 << 20 }, (error) => (error ? reject(error) : resolve()));
    });
  const weekly = [join(OUT, `week1-${rows}.jsonl`), join(OUT, `week2-${rows}.jsonl`)];
  await child('2025-03-10', DEFAULT_DEMO_OPTIONS.seed, weekly);
  for (const [from, to] of [[weekly[0], files[0]], [weekly[1], files[1]]]) if (!existsSync(to)) execFileSync('ln', [from, to]);
  await Promise.all([child('2025-03-24', 2, files.slice(2, 4)), child('2025-04-07', 3, files.slice(4, 6))]);
  return files;
}

/**
 * The weekly cron over six weeks, then the whole history: each week is ingested into one --db and reported (the
 * default report: the last complete week), then `report --all` covers the six. Each week's file is removed once
 * ingested (16 GB in all at 5.6M rows a week) unless --keep is given.
 */
async function sixWeeks(rows) {
  const files = await generateSixWeeks(rows);
  const db = join(OUT, 'six.duckdb');
  for (const f of [db, db + '.wal']) rmSync(f, { force: true });
  const table = ['| week | requests | ingest | ingest peak RSS | weekly report | report peak RSS | cache section | new inputs / distinct |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  let total = 0;
  // Each weekly report's sections (the ones that take time), to see which grow with the history.
  const sectionsOf = (r) => stagesOf(r).filter(([, secs]) => secs >= 0.5);
  const bySection = [];
  const cacheSteps = [];
  for (let k = 0; k < files.length; k++) {
    const n = lineCount(files[k]);
    total += n;
    const ingest = timed(process.execPath, [BIN, 'ingest', files[k], '--db', db, '--quiet']);
    if (!('keep' in args)) rmSync(files[k]);
    const report = timedEnv(process.execPath, [BIN, 'report', '--db', db, '--format', 'json', '--out', join(OUT, `six-week${k + 1}.json`)], { ROUTECHECK_TIMINGS: '1' });
    const cache = stagesOf(report).find((x) => x[0] === 'cache')?.[1] ?? 0;
    const m = /cache: ([\d,]+) distinct inputs \(([\d,]+) new/.exec(cacheLine(report));
    table.push(`| ${k + 1} | ${n.toLocaleString('en-US')} | ${ingest.secs.toFixed(1)} s | ${ingest.mb.toFixed(0)} MB | ${report.secs.toFixed(1)} s | ${report.mb.toFixed(0)} MB | ${cache.toFixed(1)} s | ${m ? `${m[2]} / ${m[1]}` : ''} |`);
    console.error(table[table.length - 1]);
    bySection.push(sectionsOf(report));
    cacheSteps.push(stepsOf(report, 'cache'));
  }
  const stepNames = [...new Set(cacheSteps.flat().map(([name]) => name))];
  const stepTable = [
    `| week | ${stepNames.join(' | ')} |`,
    `| --- |${stepNames.map(() => ' ---: |').join('')}`,
    ...cacheSteps.map((row, k) => `| ${k + 1} | ${stepNames.map((name) => `${(row.find(([x]) => x === name)?.[1] ?? 0).toFixed(1)}`).join(' | ')} |`),
  ];
  const names = [...new Set(bySection.flat().map(([name]) => name))];
  const sectionTable = [
    `| week | ${names.join(' | ')} |`,
    `| --- |${names.map(() => ' ---: |').join('')}`,
    ...bySection.map((row, k) => `| ${k + 1} | ${names.map((name) => `${(row.find(([x]) => x === name)?.[1] ?? 0).toFixed(1)} s`).join(' | ')} |`),
  ];
  const all = timedEnv(process.execPath, [BIN, 'report', '--db', db, '--all', '--format', 'json', '--out', join(OUT, 'six-all.json')], { ROUTECHECK_TIMINGS: '1' });
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  console.log([
    `### Six weeks of ${rows.toLocaleString('en-US')} requests, reported weekly, then \`--all\` (${new Date().toISOString().slice(0, 10)}, commit ${commit})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Command: \`npm run bench -- --six-weeks ${rows}\` (one run).`,
    '',
    ...table,
    '',
    'The weekly reports by section:',
    '',
    ...sectionTable,
    '',
    'The cache section by step (seconds):',
    '',
    ...stepTable,
    '',
    `\`routecheck report --db --all\` over the ${total.toLocaleString('en-US')} requests: ${all.secs.toFixed(1)} s, ${all.mb.toFixed(0)} MB peak RSS (target < 180 s, < 2 GB). ${cacheLine(all)}`,
    '',
    '| section | --all s |',
    '| --- | ---: |',
    ...stagesOf(all).filter(([, secs]) => secs >= 0.05).map(([name, secs]) => `| ${name} | ${secs.toFixed(2)} |`),
  ].join('\n'));
}

async function weekly(rows) {
  const [week1, week2] = await generateWeeks(rows);
  const bareDb = join(OUT, 'weekly-bare.duckdb');
  const db = join(OUT, 'weekly.duckdb');
  for (const f of [bareDb, db, bareDb + '.wal', db + '.wal']) rmSync(f, { force: true });
  const n1 = lineCount(week1);
  const n2 = lineCount(week2);
  const bare = timed(process.execPath, ['--input-type=module', '-e', BARE, week1, bareDb]);
  const ingest1 = timed(process.execPath, [BIN, 'ingest', week1, '--db', db, '--quiet']);
  const report = (extra = []) =>
    timedEnv(process.execPath, [BIN, 'report', '--db', db, '--format', 'json', '--out', join(OUT, 'weekly.json'), ...extra], { ROUTECHECK_TIMINGS: '1' });
  // The memory-limited run first, on a copy, so that the store it fills does not help the timed default run.
  const limitedDb = join(OUT, 'weekly-limited.duckdb');
  rmSync(limitedDb, { force: true });
  execFileSync('cp', [db, limitedDb]);
  // DuckDB capped at 256 MB and the V8 heap at 256 MB too: the JS side (normalizing, embedding, linking) must be
  // bounded by its batches, whatever the number of distinct inputs.
  const limited = timedEnv(process.execPath, ['--max-old-space-size=256', BIN, 'report', '--db', limitedDb, '--memory-limit', '256MB', '--format', 'json', '--out', join(OUT, 'weekly-limited.json')], { ROUTECHECK_TIMINGS: '1' });
  const first = report();
  const ingest2 = timed(process.execPath, [BIN, 'ingest', week2, '--db', db, '--quiet']);
  const second = report();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const row = (what, r, n) => `| ${what} | ${r.secs.toFixed(1)} s | ${n ? Math.round(n / r.secs).toLocaleString('en-US') : ''} | ${r.mb.toFixed(0)} MB |`;
  const slowest = (r) => stagesOf(r).sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
  console.log([
    `### A week of ${n1.toLocaleString('en-US')} requests, then the next (${n2.toLocaleString('en-US')}) appended (${new Date().toISOString().slice(0, 10)}, commit ${commit})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Command: \`npm run bench -- --weekly ${rows}\` (one run each).`,
    '',
    '| step | wall time | rows/s | peak RSS |',
    '| --- | ---: | ---: | ---: |',
    row('bare DuckDB `read_json` of week 1', bare, n1),
    row('`routecheck ingest week1.jsonl --db`', ingest1, n1),
    row('`routecheck report --db` (week 1, every section, lexical)', first, n1),
    row('`routecheck ingest week2.jsonl --db` (appended)', ingest2, n2),
    row('`routecheck report --db` again (week 2)', second, n2),
    row('`node --max-old-space-size=256 routecheck report --db --memory-limit 256MB` (week 1)', limited, n1),
    '',
    `Ingest / bare read: ${(ingest1.secs / bare.secs).toFixed(2)}× (target ≤ 1.5×). Weekly report: ${first.secs.toFixed(1)} s, ${first.mb.toFixed(0)} MB (target < 60 s, < 2 GB); slowest stage ${slowest(first)[0]} (${slowest(first)[1].toFixed(1)} s).`,
    `Week 1: ${cacheLine(first)}`,
    `Week 2: ${cacheLine(second)}; slowest stage ${slowest(second)[0]} (${slowest(second)[1].toFixed(1)} s).`,
    `256MB: ${cacheLine(limited)}`,
    '',
    '| section | week 1 s | week 2 s | 256MB s |',
    '| --- | ---: | ---: | ---: |',
    ...stagesOf(first).map(([name, secs]) => `| ${name} | ${secs.toFixed(2)} | ${(stagesOf(second).find((x) => x[0] === name)?.[1] ?? 0).toFixed(2)} | ${(stagesOf(limited).find((x) => x[0] === name)?.[1] ?? 0).toFixed(2)} |`),
    '',
    'The cache section by step (`cache.clusters` is `inputs` + `store` + `map`; `store` is its four steps):',
    '',
    '| step | week 1 s | week 2 s | 256MB s |',
    '| --- | ---: | ---: | ---: |',
    ...stepsOf(second, 'cache').map(([name]) => `| ${name} | ${[first, second, limited].map((r) => (stepsOf(r, 'cache').find((x) => x[0] === name)?.[1] ?? 0).toFixed(2)).join(' | ')} |`),
  ].join('\n'));
}

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
