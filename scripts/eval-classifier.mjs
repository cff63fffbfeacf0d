#!/usr/bin/env node
// npm run eval:classifier [-- --classifier rules,knn,knn:FILE --data ../shared/realdata --embedder lexical --show 20 --split tune]
//
// Do the built-in classifiers keep cheap prompts on the cheap tier and hard prompts off it, on prompts they were
// never tuned on? Public prompt sets are read where they lie (never copied), each cut into a TUNE split (what the
// rules and the default exemplars may be looked at and adjusted against) and a TEST split (never looked at while
// tuning: --show prints the misses of the tune split only, unless --split test is given on purpose).
//
// simple (a cheap model answers these):
//   small talk        CLINC150 small_talk + meta intents (greetings, thanks, yes/no, "what's your name")
//                     tune = CLINC train + val, test = CLINC test
//   task: <domain>    CLINC150 short task requests of the 8 other domains (banking, credit cards, kitchen and
//                     dining, home, auto and commute, travel, utility, work): same splits
//   factual question  STS 2016 question-question pairs: the distinct questions, short everyday questions
//                     ("How do I stop my dog from jumping on me?"); tune/test by a hash of the text
// hard (a strong model is needed):
//   Arena-Hard v2.0   coding, math (proofs among them), creative writing: tune/test by a hash of the uid
//   MT-Bench          first turns of 8 categories (writing, roleplay, reasoning, math, coding, extraction, stem,
//                     humanities): tune/test by question_id parity
// plus GSM8K (RouteLLM labels: weak model right → "weak suffices", weak wrong and strong right → "needs strong";
// both wrong left out), reported apart: difficulty within one kind of task, which surface cues cannot see.
//
// The figure: cheap-tier error = a simple prompt not answered `simple`, or a hard prompt answered `simple`.
// Target: ≤ 10% on each TEST split. Prints Markdown for BENCHMARKS.md and exits 1 when a test split misses the
// target (so it can gate a change). It also checks that no exemplar of a knn file is a prompt of these sets.
// Needs the build (npm run build); nothing here is a test.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Papa from 'papaparse';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args[a.slice(2)] = true;
  else args[a.slice(2)] = process.argv[++i];
}
const dist = resolve(process.env.ROUTECHECK_DIST ?? join(root, 'dist'));
const dataDir = resolve(args.data ?? join(root, '..', 'shared', 'realdata'));
const kinds = String(args.classifier ?? 'rules,knn').split(',');
const show = args.show !== undefined ? Number(args.show) : 0;
const showSplit = args.split === 'test' ? 'test' : 'tune';
const TARGET = 0.1;
const { parseClassifierSpec, createClassifier } = await import(pathToFileURL(join(dist, 'classify', 'select.js')).href);
const { parseExemplars, defaultExemplarsPath } = await import(pathToFileURL(join(dist, 'classify', 'knn.js')).href);
const { normalizeEmbedderSettings } = await import(pathToFileURL(join(dist, 'embed', 'select.js')).href);

const read = (file) => readFileSync(join(dataDir, file), 'utf8');
const jsonl = (file) => read(file).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
/** A stable half of a set: the first byte of the SHA-256 of the key, even → tune, odd → test. */
const half = (key) => (createHash('sha256').update(String(key)).digest()[0] % 2 === 0 ? 'tune' : 'test');
const title = (s) => s.replaceAll('_', ' ');

/** Every evaluation prompt: { text, truth: 'simple' | 'hard', split: 'tune' | 'test', set, kind }. */
function prompts() {
  const out = [];
  const domains = JSON.parse(read('clinc150_domains.json'));
  const domainOf = new Map();
  for (const [domain, intents] of Object.entries(domains)) for (const intent of intents) domainOf.set(intent, domain);
  const clinc = JSON.parse(read('clinc150_oos_data_full.json'));
  for (const [part, split] of [['train', 'tune'], ['val', 'tune'], ['test', 'test']]) {
    for (const [text, intent] of clinc[part]) {
      const domain = domainOf.get(intent);
      const talk = domain === 'small_talk' || domain === 'meta';
      out.push({ text, truth: 'simple', split, set: talk ? 'CLINC150 small talk + meta' : 'CLINC150 task requests', kind: talk ? 'small talk' : `task: ${title(domain)}` });
    }
  }
  const questions = new Set();
  for (const line of read('sts2016_question_question.test.tsv').split('\n')) {
    const [, q1, q2] = line.split('\t');
    for (const q of [q1, q2]) if (q && q.trim() !== '') questions.add(q.trim());
  }
  for (const q of questions) out.push({ text: q, truth: 'simple', split: half(q), set: 'STS 2016 questions', kind: 'factual question' });
  for (const q of jsonl('arena_hard_v2.0_question.jsonl')) {
    out.push({ text: q.prompt, truth: 'hard', split: half(q.uid), set: 'Arena-Hard v2.0', kind: `arena: ${title(q.subcategory ?? q.category)}` });
  }
  for (const q of jsonl('mt_bench_question.jsonl')) {
    out.push({ text: q.turns[0], truth: 'hard', split: q.question_id % 2 === 0 ? 'tune' : 'test', set: 'MT-Bench', kind: `mt-bench: ${q.category}` });
  }
  return out;
}

function gsm8k() {
  const rows = Papa.parse(read('routellm_gsm8k_responses.csv'), { header: true, skipEmptyLines: true }).data;
  const weak = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
  const strong = 'gpt-4-1106-preview';
  const items = rows.filter((r) => r[weak] === 'True' || r[strong] === 'True').map((r) => ({ text: r.prompt, truth: r[weak] === 'True' ? 'weak' : 'hard' }));
  return { items, bothWrong: rows.length - items.length };
}

const TIERS = ['simple', 'medium', 'hard'];
const pct = (x) => (100 * x).toFixed(1) + '%';
const norm = (s) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
const all = prompts();
const gsm = gsm8k();
const out = [`Data: ${dataDir}`, ''];
let failed = false;

// No exemplar may be a prompt of an evaluation set (compared after lower-casing and dropping punctuation). One- and
// two-word stock phrases ("hi", "thanks", "of course") are the language's own, not copied data: counted, allowed.
const evalTexts = new Set([...all.map((p) => norm(p.text)), ...gsm.items.map((g) => norm(g.text))]);
const stockPhrases = [];
for (const kind of kinds) {
  if (!kind.startsWith('knn')) continue;
  const file = kind.includes(':') ? kind.slice(kind.indexOf(':') + 1) : defaultExemplarsPath();
  const same = parseExemplars(readFileSync(file, 'utf8'), file).filter((e) => evalTexts.has(norm(e.text)));
  const copied = same.filter((e) => norm(e.text).split(' ').length > 2);
  stockPhrases.push(...same.filter((e) => norm(e.text).split(' ').length <= 2).map((e) => e.text));
  if (copied.length > 0) {
    console.error(`${file}: ${copied.length} exemplars are prompts of the evaluation sets: ${copied.map((e) => JSON.stringify(e.text)).join(', ')}`);
    failed = true;
  }
}
if (stockPhrases.length > 0) out.push(`Exemplars that are also evaluation prompts: only one- or two-word stock phrases (${[...new Set(stockPhrases)].join(', ')}).`, '');

/** Counts of answers for a group of prompts. */
const tally = () => ({ n: 0, simple: 0, medium: 0, hard: 0, error: 0, wrong: 0 });
const cheapWrong = (truth, tier) => (truth === 'simple' ? tier !== 'simple' : tier === 'simple' || tier === 'error');

for (const kind of kinds) {
  const spec = parseClassifierSpec(kind);
  // The default kNN is measured with the built-in lexical embedder unless --embedder says otherwise.
  const embedder = normalizeEmbedderSettings(
    { embedder: args.embedder ?? 'lexical', model: args.model, modelDir: args['model-dir'], offline: args.offline },
    { file: undefined, raw: {} },
  );
  const classifier = await createClassifier(spec, { embedder });
  const texts = [...all.map((p) => p.text), ...gsm.items.map((g) => g.text)];
  const started = process.hrtime.bigint();
  const answers = [];
  const batch = classifier.batchSize ?? 256;
  for (let i = 0; i < texts.length; i += batch) answers.push(...(await classifier.classify(texts.slice(i, i + batch))));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await classifier.close?.();
  const tierOf = (i) => answers[i].tier ?? 'error';

  const byKind = new Map();
  const bySplit = new Map();
  const misses = new Map();
  all.forEach((p, i) => {
    const t = tierOf(i);
    const wrong = cheapWrong(p.truth, t);
    for (const [map, key] of [[byKind, `${p.truth}\u0000${p.kind}\u0000${p.split}`], [bySplit, `${p.split}\u0000${p.truth}\u0000${p.set}`]]) {
      const c = map.get(key) ?? tally();
      c.n++;
      c[t]++;
      if (wrong) c.wrong++;
      map.set(key, c);
    }
    if (wrong && p.split === showSplit) {
      const list = misses.get(p.kind) ?? [];
      list.push(`${t}: ${p.text.replace(/\s+/g, ' ').slice(0, 140)}`);
      misses.set(p.kind, list);
    }
  });

  out.push(`### ${classifier.id}`, '');
  out.push(`${all.length.toLocaleString('en-US')} prompts (+ ${gsm.items.length} GSM8K) in ${seconds.toFixed(2)} s (classification only, one run).`, '');
  out.push('Test splits (never looked at while tuning; target: cheap-tier error ≤ 10% on each):', '');
  out.push('| split | truth | prompts | → simple | → medium | → hard | cheap-tier error | |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  const splitRows = (split) =>
    [...bySplit.entries()].filter(([k]) => k.startsWith(split + '\u0000')).sort(([a], [b]) => a.localeCompare(b));
  for (const [key, c] of splitRows('test')) {
    const [, truth, set] = key.split('\u0000');
    const error = c.wrong / c.n;
    const ok = error <= TARGET;
    if (!ok) failed = true;
    out.push(`| ${set}, test | ${truth} | ${c.n} | ${pct(c.simple / c.n)} | ${pct(c.medium / c.n)} | ${pct(c.hard / c.n)} | **${pct(error)}** | ${ok ? 'pass' : 'FAIL'} |`);
  }
  out.push('', 'Tune splits (what the rules and exemplars were adjusted against):', '');
  out.push('| split | truth | prompts | → simple | → medium | → hard | cheap-tier error |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [key, c] of splitRows('tune')) {
    const [, truth, set] = key.split('\u0000');
    out.push(`| ${set}, tune | ${truth} | ${c.n} | ${pct(c.simple / c.n)} | ${pct(c.medium / c.n)} | ${pct(c.hard / c.n)} | ${pct(c.wrong / c.n)} |`);
  }
  out.push('', 'By kind (cheap-tier error, tune / test):', '');
  out.push('| truth | kind | prompts (tune / test) | cheap-tier error, tune | cheap-tier error, test | test → simple / medium / hard |', '| --- | --- | ---: | ---: | ---: | --- |');
  const kindsSeen = [...new Set(all.map((p) => `${p.truth}\u0000${p.kind}`))].sort();
  for (const k of kindsSeen) {
    const [truth, name] = k.split('\u0000');
    const tune = byKind.get(`${k}\u0000tune`) ?? tally();
    const test = byKind.get(`${k}\u0000test`) ?? tally();
    const err = (c) => (c.n === 0 ? '—' : pct(c.wrong / c.n));
    const mix = test.n === 0 ? '—' : TIERS.map((t) => pct(test[t] / test.n)).join(' / ');
    out.push(`| ${truth} | ${name} | ${tune.n} / ${test.n} | ${err(tune)} | ${err(test)} | ${mix} |`);
  }
  out.push('');

  // GSM8K: does the classifier send the problems the weak model fails to the hard tier, and the rest below it?
  const offset = all.length;
  const g = { weak: { simple: 0, medium: 0, hard: 0, error: 0 }, hard: { simple: 0, medium: 0, hard: 0, error: 0 } };
  gsm.items.forEach((item, k) => g[item.truth][tierOf(offset + k)]++);
  const weakN = gsm.items.filter((i) => i.truth === 'weak').length;
  const hardN = gsm.items.length - weakN;
  out.push(
    `GSM8K (RouteLLM labels; ${gsm.items.length} problems, ${gsm.bothWrong} that both models got wrong left out; not a target): ` +
      `"needs strong" sent to simple ${pct(g.hard.simple / hardN)}; "weak suffices" kept off hard ${pct((g.weak.simple + g.weak.medium) / weakN)}.`,
    '',
    '| truth \\ answer | simple | medium | hard | error |',
    '| --- | --- | --- | --- | --- |',
    `| weak suffices (${weakN}) | ${TIERS.map((t) => g.weak[t]).join(' | ')} | ${g.weak.error} |`,
    `| needs strong (${hardN}) | ${TIERS.map((t) => g.hard[t]).join(' | ')} | ${g.hard.error} |`,
    '',
  );
  if (show > 0) {
    for (const [k, list] of [...misses.entries()].sort()) {
      console.error(`\n[${classifier.id}] ${k} (${showSplit}): ${list.length} misses\n  ` + list.slice(0, show).join('\n  '));
    }
  }
}
console.log(out.join('\n'));
if (failed) process.exitCode = 1;
