import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { demoConfig, demoPricesCsv, emptyTruth, generateLines, type DemoOptions, type DemoTruth, type Tier } from './generate.js';

/** A week file's name: the ISO week, e.g. 2025-W07.jsonl.gz. Only files named like this are replaced. */
const WEEK_FILE = /^\d{4}-W\d{2}\.jsonl\.gz$/;
const CHUNK_CHARS = 1 << 16;

/**
 * Writes the demo under outDir: logs/<ISO week>.jsonl.gz (native JSONL, time order), routecheck.config.json,
 * labels.csv (the ~2% hand-label sample) and truth.json. Week files left by an earlier run are removed so a
 * shorter run does not leave stale weeks behind. Streams, so large --scale values stay within memory.
 */
export async function writeDemo(outDir: string, o: DemoOptions): Promise<{ files: string[]; truth: DemoTruth }> {
  const logs = join(outDir, 'logs');
  await mkdir(logs, { recursive: true });
  for (const name of await readdir(logs)) if (WEEK_FILE.test(name)) await rm(join(logs, name));

  const truth = emptyTruth();
  const files: string[] = [];
  const labels: string[] = ['request_id,ideal'];
  // Assigned in closures too, so declared with `as` to keep TypeScript from narrowing it to null.
  let current = null as { week: string; gz: Gzip; done: Promise<void> } | null;
  let buffer = '';

  const flush = async (): Promise<void> => {
    if (!current || buffer === '') return;
    const ok = current.gz.write(buffer);
    buffer = '';
    if (!ok) await once(current.gz, 'drain');
  };
  const close = async (): Promise<void> => {
    if (!current) return;
    await flush();
    current.gz.end();
    await current.done;
    current = null;
  };

  for (const line of generateLines(o, truth)) {
    if (current?.week !== line.week) {
      await close();
      const path = join(logs, `${line.week}.jsonl.gz`);
      const gz = createGzip();
      const out = createWriteStream(path);
      gz.pipe(out);
      current = { week: line.week, gz, done: Promise.all([finished(gz), finished(out)]).then(() => undefined) };
      files.push(path);
    }
    buffer += line.text + '\n';
    if (buffer.length >= CHUNK_CHARS) await flush();
    if (line.label && line.record) labels.push(`${line.record.request_id},${line.label satisfies Tier}`);
  }
  await close();

  const config = join(outDir, 'routecheck.config.json');
  await writeFile(config, JSON.stringify(demoConfig(o), null, 2) + '\n');
  const pricesFile = join(outDir, 'prices.csv');
  await writeFile(pricesFile, demoPricesCsv(o));
  const labelsFile = join(outDir, 'labels.csv');
  await writeFile(labelsFile, labels.join('\n') + '\n');
  const truthFile = join(outDir, 'truth.json');
  await writeFile(truthFile, JSON.stringify(truth, null, 2) + '\n');
  files.push(config, pricesFile, labelsFile, truthFile);
  return { files, truth };
}
