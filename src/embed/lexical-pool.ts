import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LexicalEmbedder } from './lexical.js';
import type { LexicalAnswer, LexicalJob } from './lexical-worker.js';
import { SIGNATURE_WORDS, type LshOptions } from './lsh.js';
import { unpackRows, type SparseRow } from './sparse.js';
import type { Embedder } from './types.js';
import { workerUrl } from './worker-url.js';

/**
 * Workers at most by default: each is a V8 instance (~30 MB) holding a batch's vectors (20 MB), and on a 2-core
 * machine two already halve the embedding; a 64-core host would otherwise start 64.
 */
const MAX_THREADS = 4;

/** Worker threads to use by default: the cores, at most MAX_THREADS (the cluster store's pair walk uses it too). */
export function defaultThreads(): number {
  return Math.min(availableParallelism(), MAX_THREADS);
}

/**
 * The lexical embedder on every core: a batch is cut into one part per worker thread (lexical-worker.ts), and the
 * parts' rows or signatures come back in order. The cluster store's first run embeds and signs every distinct
 * input (857K in a 5.6M-request week), and then embeds the contents of close pairs again to check them: on one
 * thread that is most of the cache section, while DuckDB's threads wait.
 *
 * Only the built-in lexical embedder itself (not a subclass, whose embed() may do something else) runs here; a
 * model embedder keeps its own runtime's threads.
 */
export class LexicalPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (a: LexicalAnswer) => void; reject: (e: Error) => void }>();
  private next = 0;

  private constructor(private readonly dim: number, private readonly size: number) {}

  /** A pool of `threads` workers (default: defaultThreads()) for `embedder`, or null when it does not apply. */
  static for(embedder: Embedder, threads = defaultThreads()): LexicalPool | null {
    if (Object.getPrototypeOf(embedder) !== LexicalEmbedder.prototype || threads < 2) return null;
    return new LexicalPool(embedder.dim, threads);
  }

  /** One L2-normalized row per text, as LexicalEmbedder.embedSync gives them. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const parts = await this.map(texts, undefined);
    const rows: Float32Array[] = [];
    for (const part of parts) for (let r = 0; r * this.dim < part.rows!.length; r++) rows.push(part.rows!.subarray(r * this.dim, (r + 1) * this.dim));
    return rows;
  }

  /** The same rows as their nonzero entries (sparse.ts), packed by the workers: less to send, less to hold. */
  async sparse(texts: readonly string[]): Promise<SparseRow[]> {
    const parts = await this.map(texts, undefined, true);
    return parts.flatMap((part) => unpackRows(part.packed!));
  }

  /** The texts' signatures in the LSH space of `lsh` (lshSpace(dim, lsh).signatures of their rows). */
  async signatures(texts: readonly string[], lsh: LshOptions): Promise<Uint32Array> {
    const parts = await this.map(texts, lsh);
    const out = new Uint32Array(texts.length * SIGNATURE_WORDS);
    let at = 0;
    for (const part of parts) {
      out.set(part.signatures!, at);
      at += part.signatures!.length;
    }
    return out;
  }

  /** Stops the workers (the pool can be used again: they start on the next call). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private async map(texts: readonly string[], lsh: LshOptions | undefined, sparse = false): Promise<LexicalAnswer[]> {
    if (texts.length === 0) return [];
    this.start();
    // Waiting on workers keeps the process alive (an unref'd worker would let it exit with the answer pending).
    for (const worker of this.workers) worker.ref();
    const per = Math.ceil(texts.length / this.size);
    const jobs: Promise<LexicalAnswer>[] = [];
    for (let k = 0; k * per < texts.length; k++) {
      const job: LexicalJob = { id: this.next++, dim: this.dim, texts: texts.slice(k * per, (k + 1) * per), ...(lsh ? { lsh } : {}), ...(sparse ? { sparse } : {}) };
      jobs.push(
        new Promise<LexicalAnswer>((resolve, reject) => {
          this.pending.set(job.id, { resolve, reject });
          this.workers[k]!.postMessage(job);
        }),
      );
    }
    try {
      return await Promise.all(jobs);
    } finally {
      if (this.pending.size === 0) for (const worker of this.workers) worker.unref();
    }
  }

  private start(): void {
    if (this.workers.length > 0) return;
    for (let k = 0; k < this.size; k++) {
      const worker = new Worker(workerUrl('lexical-worker', import.meta.url));
      worker.on('message', (answer: LexicalAnswer) => {
        const waiting = this.pending.get(answer.id);
        if (!waiting) return;
        this.pending.delete(answer.id);
        if (answer.error !== undefined) waiting.reject(new Error(`lexical worker: ${answer.error}`));
        else waiting.resolve(answer);
      });
      worker.on('error', (error) => this.failAll(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`lexical worker exited with code ${code}`));
      });
      // An idle worker never keeps the process alive (close() ends them; an error path may not reach it).
      this.workers.push(worker);
    }
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    for (const worker of this.workers) worker.unref();
  }
}
