import { parentPort } from 'node:worker_threads';
import { UnionFind } from './cluster.js';
import { WalkRounds, type WalkSetup } from './rounds.js';

/**
 * The pair walk on a worker thread (walk-thread.ts): `init` gives the items and the sets at the start; each `next`
 * brings the links made since the last one, which are joined, and gets the next round's pairs back.
 */
export type WalkMessage =
  | { kind: 'init'; setup: WalkSetup; parent: Int32Array }
  | { kind: 'next'; a: Int32Array; b: Int32Array };

export interface WalkAnswer {
  a?: Int32Array;
  b?: Int32Array;
  more?: boolean;
  error?: string;
}

let rounds: WalkRounds | null = null;

parentPort?.on('message', (message: WalkMessage) => {
  try {
    if (message.kind === 'init') {
      const sets = new UnionFind(message.setup.n);
      sets.parent.set(message.parent);
      rounds = new WalkRounds(message.setup, sets);
      return;
    }
    for (let k = 0; k < message.a.length; k++) rounds!.sets.union(message.a[k]!, message.b[k]!);
    const more = rounds!.next();
    const { pairs } = rounds!;
    const a = pairs.a.slice(0, pairs.length);
    const b = pairs.b.slice(0, pairs.length);
    parentPort!.postMessage({ a, b, more } satisfies WalkAnswer, [a.buffer, b.buffer]);
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies WalkAnswer);
  }
});
