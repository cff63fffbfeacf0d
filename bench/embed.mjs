#!/usr/bin/env node
// npm run bench:embed — issue 4's figures: lexical embedding + clustering of 200,000 unique texts (time, peak
// memory), the embedding cache on a re-run (texts re-embedded: target 0), and transformers throughput on the tiny
// test model (pipeline overhead). Texts come from the demo generator's inputs, made unique by normalization.
// Prints Markdown for BENCHMARKS.md; nothing here is a test.
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const at = process.argv.indexOf('--texts');
const N = at >= 0 ? Number(process.argv[at + 1]) : 200_000;
const OUT = resolve('bench/out');
mkdirSync(OUT, { recursive: true });
const { generateLines, emptyTruth, DEFAULT_DEMO_OPTIONS } = await import('../dist/demo/generate.js');
const { normalizeText, sha256Hex } = await import('../dist/embed/normalize.js');
const { LexicalEmbedder } = await import('../dist/embed/lexical.js');
const { clusterVectors } = await import('../dist/embed/cluster.js');
const { TransformersEmbedder } = await import('../dist/embed/transformers.js');
const { embedCachedDetailed } = await import('../dist/embed/cache.js');
const { withDatabase } = await import('../dist/db/database.js');

const secs = (t) => ((performance.now() - t) / 1000).toFixed(2);
let t = performance.now();
const seen = new Set();
const texts = [];
for (const line of generateLines({ ...DEFAULT_DEMO_OPTIONS, scale: 60 }, emptyTruth())) {
  const input = line.record?.input;
  if (!input) continue;
  const n = normalizeText(input);
  if (seen.has(n)) continue;
  seen.add(n);
  texts.push(n);
  if (texts.length === N) break;
}
const genSecs = secs(t);

t = performance.now();
const keys = texts.map(sha256Hex);
const hashSecs = secs(t);
const lexical = new LexicalEmbedder();
t = performance.now();
const rows = [];
for (let i = 0; i < texts.length; i += 1024) rows.push(...lexical.embedSync(texts.slice(i, i + 1024)));
const embedSecs = secs(t);
t = performance.now();
const clustering = clusterVectors(keys, rows, { threshold: lexical.defaultThreshold });
const clusterSecs = secs(t);
const clusters = clustering.clusters;
const rssMb = (process.resourceUsage().maxRSS / 1024).toFixed(0);

// Embedding cache on a re-run: the tiny transformers model (a persisted embedder) over 5,000 texts, twice.
const tiny = await TransformersEmbedder.create({ model: 'tiny-bert', modelDir: resolve('fixtures/models'), offline: true });
const sample = texts.slice(0, 5000);
t = performance.now();
await tiny.embed(sample.slice(0, 32)); // warm-up
t = performance.now();
await tiny.embed(sample);
const tinyRate = Math.round(sample.length / ((performance.now() - t) / 1000));
const dbPath = join(OUT, 'embed-cache.duckdb');
rmSync(dbPath, { force: true });
rmSync(dbPath + '.wal', { force: true });
const first = await withDatabase({ path: dbPath }, (db) => embedCachedDetailed(db, tiny, sample));
const second = await withDatabase({ path: dbPath }, (db) => embedCachedDetailed(db, tiny, sample));

console.log([
  `### Embedding and clustering (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Command: \`npm run build && npm run bench:embed\`.`,
  '',
  `| step | figure |`,
  `| --- | ---: |`,
  `| unique texts (demo inputs, normalized; generation ${genSecs} s, not timed below) | ${texts.length.toLocaleString('en-US')} |`,
  `| SHA-256 of normalized texts | ${hashSecs} s |`,
  `| lexical embedding | ${embedSecs} s |`,
  `| LSH clustering at ${lexical.defaultThreshold} | ${clusterSecs} s → ${clusters.toLocaleString('en-US')} clusters |`,
  `| embedding + clustering (target < 30 s) | ${(Number(embedSecs) + Number(clusterSecs) + Number(hashSecs)).toFixed(2)} s |`,
  `| peak RSS of the process (target < 2 GB) | ${rssMb} MB |`,
  `| transformers pipeline, tiny test model | ${tinyRate.toLocaleString('en-US')} texts/s |`,
  `| embedding cache, 5,000 texts: first run embedded / second run embedded (target 0) | ${first.embedded} / ${second.embedded} (second run: ${second.cached} from the cache) |`,
].join('\n'));
