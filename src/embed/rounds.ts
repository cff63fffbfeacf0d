import { PairWalker, type LshSpace } from './lsh.js';
import { UnionFind } from './cluster.js';

/**
 * The cluster store's pair walk in rounds (cluster-store.ts steps 3–4): a round lists the close pairs the walk
 * finds, up to a number of pairs, and the links its cosine checks make are joined before the walk goes on, so that
 * it skips the pairs they joined. The walk runs here (LocalRounds) or on a worker thread (walk-worker.ts) one round
 * ahead of the checks, knowing the links of the round before: it then lists some pairs the last round joined, and
 * the checks skip them (a pair already in one set is never checked). The links, so the clusters, are the same.
 */

/**
 * A round of at least DENSE_ROUND pairs ends when it has DENSE times more pairs than contents: the demo's million
 * inputs give ~11 pairs per content (one round); a bucket of thousands of near-duplicate prompts gives thousands.
 */
const DENSE_ROUND = 50_000;
const DENSE = 16;

/** A growing list of pairs (a, b) of item positions. */
export class PairList {
  a: Int32Array = new Int32Array(1024);
  b: Int32Array = new Int32Array(1024);
  /** Pairs held (set to 0 to reuse the arrays). */
  length = 0;
  push(a: number, b: number): void {
    if (this.length === this.a.length) {
      const grow = (x: Int32Array): Int32Array => {
        const y = new Int32Array(x.length * 2);
        y.set(x);
        return y;
      };
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.length++;
  }
}

/** What a walk in rounds needs: the items' signatures and bands, the stored ones' start, the sets at the start. */
export interface WalkSetup {
  space: Pick<LshSpace, 'tables' | 'bucketBits' | 'maxHamming'>;
  signatures: Uint32Array;
  bands: Uint32Array;
  n: number;
  storedFrom: number;
  /** Pairs listed per round at most. */
  round: number;
}

/** The walk and its state between rounds, wherever it runs. */
export class WalkRounds {
  private readonly walker: PairWalker;
  private readonly inRound: Uint8Array;
  readonly pairs = new PairList();

  constructor(private readonly setup: WalkSetup, readonly sets: UnionFind) {
    this.walker = new PairWalker(setup.space, setup.signatures, setup.bands, setup.n, { storedFrom: setup.storedFrom, sets });
    this.inRound = new Uint8Array(setup.n);
  }

  /** The next round into `pairs` (the last round's pairs are dropped); false when the walk is over. */
  next(): boolean {
    const { pairs, inRound } = this;
    for (let k = 0; k < pairs.length; k++) inRound[pairs.a[k]!] = inRound[pairs.b[k]!] = 0;
    pairs.length = 0;
    let contents = 0;
    return this.walker.run((a, b) => {
      pairs.push(a, b);
      if (inRound[a] === 0) {
        inRound[a] = 1;
        contents++;
      }
      if (inRound[b] === 0) {
        inRound[b] = 1;
        contents++;
      }
      return pairs.length >= DENSE_ROUND && pairs.length >= DENSE * contents;
    }, this.setup.round);
  }
}
