import { Worker } from 'node:worker_threads';
import type { UnionFind } from './cluster.js';
import { PairList, WalkRounds, type WalkSetup } from './rounds.js';
import type { WalkAnswer, WalkMessage } from './walk-worker.js';
import { workerUrl } from './worker-url.js';

/**
 * Where the cluster store's rounds of close pairs come from: `request(links)` starts the next round, knowing the
 * links made since the last request; `take()` gives it.
 */
export interface RoundSource {
  request(links: PairList): void;
  take(): Promise<{ pairs: PairList; more: boolean }>;
  close(): Promise<void>;
}

/** The walk on this thread: each round is walked when it is taken, with every link made so far. */
export class LocalRounds implements RoundSource {
  private readonly rounds: WalkRounds;
  constructor(setup: WalkSetup, sets: UnionFind) {
    this.rounds = new WalkRounds(setup, sets);
  }
  request(): void {}
  async take(): Promise<{ pairs: PairList; more: boolean }> {
    const more = this.rounds.next();
    return { pairs: this.rounds.pairs, more };
  }
  async close(): Promise<void> {}
}

/**
 * The walk on a worker thread (walk-worker.ts), a round ahead: the caller requests round k+1 before it checks
 * round k. The signatures and bands are handed over to the worker (the caller's arrays are emptied); the sets
 * are copied.
 */
export class ThreadRounds implements RoundSource {
  private readonly worker: Worker;
  private waiting: { resolve: (a: WalkAnswer) => void; reject: (e: Error) => void } | null = null;
  private answer: Promise<WalkAnswer> | null = null;

  constructor(setup: WalkSetup, sets: UnionFind) {
    this.worker = new Worker(workerUrl('walk-worker', import.meta.url));
    this.worker.on('message', (a: WalkAnswer) => this.settle(a.error === undefined ? a : new Error(`pair walk worker: ${a.error}`)));
    this.worker.on('error', (e) => this.settle(e));
    this.worker.on('exit', (code) => this.settle(new Error(`pair walk worker exited with code ${code}`)));
    // The signatures and bands move to the worker (this thread does not read them again); the sets are copied.
    this.worker.postMessage({ kind: 'init', setup, parent: sets.parent } satisfies WalkMessage, [
      setup.signatures.buffer as ArrayBuffer,
      setup.bands.buffer as ArrayBuffer,
    ]);
  }

  request(links: PairList): void {
    this.answer = new Promise<WalkAnswer>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.answer.catch(() => undefined); // taken below; a failure throws there
    const a = links.a.slice(0, links.length);
    const b = links.b.slice(0, links.length);
    this.worker.postMessage({ kind: 'next', a, b } satisfies WalkMessage, [a.buffer, b.buffer]);
  }

  async take(): Promise<{ pairs: PairList; more: boolean }> {
    const answer = await this.answer!;
    this.answer = null;
    const pairs = new PairList();
    pairs.a = answer.a!;
    pairs.b = answer.b!;
    pairs.length = answer.a!.length;
    return { pairs, more: answer.more! };
  }

  async close(): Promise<void> {
    this.waiting = null;
    await this.worker.terminate();
  }

  private settle(outcome: WalkAnswer | Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (!waiting) return;
    if (outcome instanceof Error) waiting.reject(outcome);
    else waiting.resolve(outcome);
  }
}
