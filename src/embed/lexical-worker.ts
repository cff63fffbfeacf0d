import { parentPort } from 'node:worker_threads';
import { LexicalEmbedder } from './lexical.js';
import { lshSpace, type LshOptions, type LshSpace } from './lsh.js';
import type { PackedRows } from './sparse.js';

/**
 * A worker thread of lexical-pool.ts: embeds a part of a batch with the lexical embedder and sends back its rows,
 * or only their LSH signatures (32 bytes a text instead of 2 KB). The same code as on the main thread, so the
 * numbers are the same bit for bit.
 */
export interface LexicalJob {
  id: number;
  dim: number;
  texts: string[];
  /** Signatures in this LSH space instead of the rows. */
  lsh?: LshOptions;
  /** The rows as their nonzero entries (sparse.ts) instead of dense. */
  sparse?: boolean;
}

export interface LexicalAnswer {
  id: number;
  rows?: Float32Array;
  signatures?: Uint32Array;
  packed?: PackedRows;
  error?: string;
}

const embedders = new Map<number, LexicalEmbedder>();
const spaces = new Map<string, LshSpace>();

parentPort?.on('message', (job: LexicalJob) => {
  try {
    let embedder = embedders.get(job.dim);
    if (!embedder) embedders.set(job.dim, (embedder = new LexicalEmbedder({ dim: job.dim })));
    if (job.sparse) {
      const packed = embedder.embedSparse(job.texts);
      const transfer = [packed.offsets.buffer, packed.index.buffer, packed.value.buffer] as ArrayBuffer[];
      parentPort!.postMessage({ id: job.id, packed } satisfies LexicalAnswer, transfer);
      return;
    }
    const rows = embedder.embedSync(job.texts);
    if (job.lsh) {
      const key = JSON.stringify([job.dim, job.lsh]);
      let space = spaces.get(key);
      if (!space) spaces.set(key, (space = lshSpace(job.dim, job.lsh)));
      const signatures = space.signatures(rows);
      parentPort!.postMessage({ id: job.id, signatures } satisfies LexicalAnswer, [signatures.buffer as ArrayBuffer]);
    } else {
      // embedSync fills one buffer for the batch; the rows are views into it.
      const buffer = rows[0]?.buffer ?? new ArrayBuffer(0);
      const all = new Float32Array(buffer as ArrayBuffer, 0, rows.length * job.dim);
      parentPort!.postMessage({ id: job.id, rows: all } satisfies LexicalAnswer, [all.buffer]);
    }
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies LexicalAnswer);
  }
});
