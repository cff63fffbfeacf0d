#!/usr/bin/env node
// npm run eval:classifier [-- --classifier rules,knn,knn:FILE --data ../shared/realdata --embedder lexical --show 20]
//
// How well do the built-in classifiers tell trivial traffic from hard prompts? Accuracy and tier confusion
// matrices on public prompts, read where they lie (never copied):
//   clinc150_oos_data_full.json + clinc150_domains.json   CLINC150 utterances of the small_talk and meta domains
//                                                          (greetings, thanks, yes/no, "what's your name") → simple
//   mt_bench_question.jsonl                                MT-Bench, first turn of each question            → hard
//   arena_hard_v2.0_question.jsonl                         Arena-Hard v2.0 prompts                          → hard
//   routellm_gsm8k_responses.csv                           GSM8K problems with whether the weak model (Mixtral-8x7B)
//                                                          and the strong one (GPT-4-1106) answered correctly:
//                                                          weak right → "weak suffices" (simple or medium is right),
//                                                          weak wrong and strong right → hard; both wrong: left out
// Figures:
//   simple vs hard, "cheap tier right": a simple prompt must get `simple`, a hard one anything but `simple`
//     (the money question: is chit-chat kept on the cheap model, and are hard prompts kept off it?);
//   simple vs hard, exact: a hard prompt must get `hard` (a `medium` answer is an under-route);
//   balanced: the mean of the per-class figures (the sets are unbalanced: ~4,500 simple vs 830 hard).
// CLINC150 is split: train + val were looked at while the rules and the default exemplars were written, test
// was not. MT-Bench, Arena-Hard and GSM8K were all looked at while writing the rules (see BENCHMARKS.md).
// --show N prints up to N misclassified prompts per data set on stderr. Needs the build (npm run build);
// nothing here is a test. Prints Markdown for BENCHMARKS.md.
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
const { parseClassifierSpec, createClassifier } = await import(pathToFileURL(join(dist, 'classify', 'select.js')).href);

const read = (file) => readFileSync(join(dataDir, file), 'utf8');
const jsonl = (file) => read(file).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));

function datasets() {
  const domains = JSON.parse(read('clinc150_domains.json'));
  const trivialIntents = new Set([...domains.small_talk, ...domains.meta]);
  const clincFull = JSON.parse(read('clinc150_oos_data_full.json'));
  const clinc = (splits) => splits.flatMap((split) => clincFull[split]).filter(([, intent]) => trivialIntents.has(intent)).map(([text]) => text);
  const mtBench = jsonl('mt_bench_question.jsonl').map((q) => q.turns[0]);
  const arena = jsonl('arena_hard_v2.0_question.jsonl').map((q) => q.prompt);
  const gsm = Papa.parse(read('routellm_gsm8k_responses.csv'), { header: true, skipEmptyLines: true }).data;
  const weak = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
  const strong = 'gpt-4-1106-preview';
  const gsmItems = gsm
    .filter((r) => r[weak] === 'True' || r[strong] === 'True')
    .map((r) => ({ text: r.prompt, truth: r[weak] === 'True' ? 'weak' : 'hard' }));
  return {
    simpleHard: [
      { name: 'CLINC150 small_talk + meta, train + val', truth: 'simple', texts: clinc(['train', 'val']) },
      { name: 'CLINC150 small_talk + meta, test', truth: 'simple', texts: clinc(['test']) },
      { name: 'MT-Bench (first turn)', truth: 'hard', texts: mtBench },
      { name: 'Arena-Hard v2.0', truth: 'hard', texts: arena },
    ],
    gsm: { items: gsmItems, bothWrong: gsm.length - gsmItems.length, total: gsm.length },
  };
}

const TIERS = ['simple', 'medium', 'hard'];
const pct = (x) => (100 * x).toFixed(1) + '%';
const data = datasets();
const out = [`Data: ${dataDir}`, ''];

for (const kind of kinds) {
  const spec = parseClassifierSpec(kind);
  // The default kNN is measured with the built-in lexical embedder unless --embedder says otherwise.
  const options = { embedder: args.embedder ?? 'lexical' };
  if (args.model) options.model = args.model;
  if (args['model-dir']) options.modelDir = args['model-dir'];
  if (args.offline) options.offline = true;
  const classifier = await createClassifier(spec, { options, config: { raw: {} } });
  const all = [...data.simpleHard.flatMap((s) => s.texts), ...data.gsm.items.map((g) => g.text)];
  const started = process.hrtime.bigint();
  const answers = [];
  const batch = classifier.batchSize ?? 256;
  for (let i = 0; i < all.length; i += batch) answers.push(...(await classifier.classify(all.slice(i, i + batch))));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await classifier.close?.();
  const tierOf = (i) => answers[i].tier ?? 'error';

  out.push(`### ${classifier.id}`, '', `${all.length.toLocaleString('en-US')} prompts in ${seconds.toFixed(2)} s (${Math.round(all.length / seconds).toLocaleString('en-US')} inputs/s; classification only, one run; these prompts are long: Arena-Hard's median is 285 characters).`, '');
  out.push('| data set | truth | prompts | → simple | → medium | → hard | cheap tier right | exact tier |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  let offset = 0;
  const perClass = { simple: { n: 0, cheap: 0, exact: 0 }, hard: { n: 0, cheap: 0, exact: 0 } };
  const confusion = { simple: { simple: 0, medium: 0, hard: 0, error: 0 }, hard: { simple: 0, medium: 0, hard: 0, error: 0 } };
  for (const set of data.simpleHard) {
    const counts = { simple: 0, medium: 0, hard: 0, error: 0 };
    const wrong = [];
    set.texts.forEach((text, k) => {
      const t = tierOf(offset + k);
      counts[t]++;
      confusion[set.truth][t]++;
      const cheapRight = set.truth === 'simple' ? t === 'simple' : t !== 'simple' && t !== 'error';
      if (!cheapRight || (set.truth === 'hard' && t !== 'hard')) wrong.push(`${t}: ${text.replace(/\s+/g, ' ').slice(0, 140)}`);
    });
    offset += set.texts.length;
    const n = set.texts.length;
    const cheap = set.truth === 'simple' ? counts.simple : counts.medium + counts.hard;
    const exact = counts[set.truth];
    perClass[set.truth].n += n;
    perClass[set.truth].cheap += cheap;
    perClass[set.truth].exact += exact;
    out.push(`| ${set.name} | ${set.truth} | ${n} | ${pct(counts.simple / n)} | ${pct(counts.medium / n)} | ${pct(counts.hard / n)} | ${pct(cheap / n)} | ${pct(exact / n)} |`);
    if (show > 0) console.error(`\n[${classifier.id}] ${set.name}: wrong or not exact\n  ` + wrong.slice(0, show).join('\n  '));
  }
  const n = perClass.simple.n + perClass.hard.n;
  const cheapAll = (perClass.simple.cheap + perClass.hard.cheap) / n;
  const exactAll = (perClass.simple.exact + perClass.hard.exact) / n;
  const cheapBal = (perClass.simple.cheap / perClass.simple.n + perClass.hard.cheap / perClass.hard.n) / 2;
  const exactBal = (perClass.simple.exact / perClass.simple.n + perClass.hard.exact / perClass.hard.n) / 2;
  out.push(`| **simple vs hard, all** | | ${n} | | | | **${pct(cheapAll)}** (balanced ${pct(cheapBal)}) | **${pct(exactAll)}** (balanced ${pct(exactBal)}) |`, '');
  out.push('Confusion (rows: truth, columns: answer):', '', '| truth \\ answer | simple | medium | hard | error |', '| --- | --- | --- | --- | --- |');
  for (const truth of ['simple', 'hard']) out.push(`| ${truth} | ${TIERS.map((t) => confusion[truth][t]).join(' | ')} | ${confusion[truth].error} |`);
  out.push('');

  // GSM8K: does the classifier send the problems the weak model fails to the hard tier, and the rest below it?
  const g = { weak: { simple: 0, medium: 0, hard: 0, error: 0 }, hard: { simple: 0, medium: 0, hard: 0, error: 0 } };
  data.gsm.items.forEach((item, k) => g[item.truth][tierOf(offset + k)]++);
  const weakN = data.gsm.items.filter((i) => i.truth === 'weak').length;
  const hardN = data.gsm.items.length - weakN;
  const right = g.weak.simple + g.weak.medium + g.hard.hard;
  const majority = Math.max(weakN, hardN) / data.gsm.items.length;
  out.push(
    `GSM8K (RouteLLM labels; ${data.gsm.items.length} problems, ${data.gsm.bothWrong} that both models got wrong left out): ` +
      `accuracy ${pct(right / data.gsm.items.length)} (always answering the majority class: ${pct(majority)}); ` +
      `recall of "needs the strong model" ${pct(g.hard.hard / hardN)}, of "weak suffices" ${pct((g.weak.simple + g.weak.medium) / weakN)}.`,
    '',
    '| truth \\ answer | simple | medium | hard | error |',
    '| --- | --- | --- | --- | --- |',
    `| weak suffices (${weakN}) | ${TIERS.map((t) => g.weak[t]).join(' | ')} | ${g.weak.error} |`,
    `| needs strong (${hardN}) | ${TIERS.map((t) => g.hard[t]).join(' | ')} | ${g.hard.error} |`,
    '',
  );
}
console.log(out.join('\n'));
