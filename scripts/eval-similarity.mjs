#!/usr/bin/env node
// npm run eval:similarity [-- --embedder lexical,transformers --model NAME --model-dir DIR --offline
//                              --threshold 0.7 --data ../shared/realdata]
//
// How well does "cosine ≥ threshold" find the same content? Precision and recall on labelled pairs, per
// embedder, at the embedder's default threshold (or --threshold), plus the threshold that would maximize F1
// (for tuning; reporting the tuned figure as the result would be optimistic). Reads the data where it lies
// (never copies it):
//   mrpc_msr_para_test.tsv               Microsoft Research Paraphrase Corpus test set; "Quality" 1 = paraphrase
//   sts2016_question_question.test.tsv   SemEval STS 2016 question pairs with a 0-5 score; ≥ 4 = same question
// Needs the build (npm run build). Prints a Markdown table for BENCHMARKS.md; nothing here is a test.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
const embedders = String(args.embedder ?? 'lexical').split(',');
const { normalizeEmbedderSettings, createEmbedder } = await import(pathToFileURL(join(dist, 'embed', 'select.js')).href);

function readTsv(file) {
  return readFileSync(join(dataDir, file), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.split('\t'));
}

/** Each dataset: pairs of texts with a boolean "same content" label. */
function datasets() {
  const mrpc = readTsv('mrpc_msr_para_test.tsv')
    .slice(1)
    .map((f) => ({ a: f[3], b: f[4], same: f[0] === '1' }));
  const sts = readTsv('sts2016_question_question.test.tsv')
    .filter((f) => f[0].trim() !== '')
    .map((f) => ({ a: f[1], b: f[2], same: Number(f[0]) >= 4 }));
  return [
    { name: 'MRPC test (paraphrase = same)', pairs: mrpc },
    { name: 'STS 2016 question-question (score ≥ 4 = same)', pairs: sts },
  ];
}

function dot(x, y) {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

function scores(pairs, similarities, threshold) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  pairs.forEach((p, i) => {
    const predicted = similarities[i] >= threshold;
    if (predicted && p.same) tp++;
    else if (predicted) fp++;
    else if (p.same) fn++;
    else tn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : NaN;
  const recall = tp + fn > 0 ? tp / (tp + fn) : NaN;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, tn, precision, recall, f1, accuracy: (tp + tn) / pairs.length };
}

/** Area under the ROC curve: the chance that a random "same" pair scores above a random "different" one. */
function auc(pairs, similarities) {
  const pos = [], neg = [];
  pairs.forEach((p, i) => (p.same ? pos : neg).push(similarities[i]));
  let wins = 0;
  for (const s of pos) for (const t of neg) wins += s > t ? 1 : s === t ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

const fmt = (x, d = 3) => (Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const lines = [
  `Data: ${dataDir}`,
  '',
  '| embedder | dataset | pairs (same) | threshold | precision | recall | F1 | accuracy | ROC AUC | best-F1 threshold (F1) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
const data = datasets();
const CURVE = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95];
const curves = [];
for (const name of embedders) {
  const options = { embedder: name };
  if (args.model) options.model = args.model;
  if (args['model-dir']) options.modelDir = args['model-dir'];
  if (args.offline) options.offline = true;
  const { embedder, reason } = await createEmbedder(normalizeEmbedderSettings(options, { raw: {} }));
  const threshold = args.threshold !== undefined ? Number(args.threshold) : embedder.defaultThreshold;
  console.error(`${embedder.id}: ${reason}`);
  for (const set of data) {
    const texts = [...new Set(set.pairs.flatMap((p) => [p.a, p.b]))];
    const started = process.hrtime.bigint();
    const rows = await embedder.embed(texts);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const rowOf = new Map(texts.map((t, i) => [t, rows[i]]));
    const sims = set.pairs.map((p) => dot(rowOf.get(p.a), rowOf.get(p.b)));
    const s = scores(set.pairs, sims, threshold);
    let best = { t: 0, f1: -1 };
    for (let t = 0.2; t <= 0.99; t += 0.01) {
      const f1 = scores(set.pairs, sims, t).f1;
      if (f1 > best.f1) best = { t, f1 };
    }
    const same = set.pairs.filter((p) => p.same).length;
    lines.push(
      `| ${embedder.id} | ${set.name} | ${set.pairs.length} (${same}) | ${threshold} | ${fmt(s.precision)} (${s.tp}/${s.tp + s.fp}) | ${fmt(s.recall)} (${s.tp}/${s.tp + s.fn}) | ${fmt(s.f1)} | ${fmt(s.accuracy)} | ${fmt(auc(set.pairs, sims))} | ${best.t.toFixed(2)} (${fmt(best.f1)}) |`,
    );
    console.error(`  ${set.name}: ${texts.length} texts embedded in ${ms.toFixed(0)} ms`);
    curves.push(`| ${embedder.id} | ${set.name} | ${CURVE.map((t) => { const c = scores(set.pairs, sims, t); return `${fmt(c.precision, 2)} / ${fmt(c.recall, 2)}`; }).join(' | ')} |`);
  }
}
lines.push('', `Precision / recall by threshold:`, '', `| embedder | dataset | ${CURVE.join(' | ')} |`, `| --- | --- |${CURVE.map(() => ' --- |').join('')}`, ...curves);
console.log(lines.join('\n'));
