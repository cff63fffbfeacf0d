/**
 * The contract between the classifiers (src/classify/*) and the deviation analysis (src/analyses/deviation.ts).
 * A classifier answers, for each input text, the name of the tier it should have been routed to
 * (a tier name from the routing policy: `simple`, `medium`, `hard`, …), or why it could not.
 */
export type ClassifierAnswer = { tier: string } | { error: string; kind?: ClassifierErrorKind };

/**
 * Why a classifier could not answer, counted by kind in the report (`replay.errors`):
 * - `timeout`: the service did not answer in time;
 * - `http`: the service answered with a non-2xx status;
 * - `network`: the connection failed (refused, reset, DNS);
 * - `bad_response`: the answer was not the documented shape (not JSON, wrong length, no tier);
 * - `unknown_tier`: a label that is not a tier of the routing policy;
 * - `failed`: the classifier threw (a module's classify(), a model run).
 */
export const CLASSIFIER_ERROR_KINDS = ['timeout', 'http', 'network', 'bad_response', 'unknown_tier', 'failed'] as const;
export type ClassifierErrorKind = (typeof CLASSIFIER_ERROR_KINDS)[number];

/** The tiers the built-in classifiers (rules, the default kNN exemplars) answer with, cheap → expensive. */
export const DEFAULT_TIERS = ['simple', 'medium', 'hard'] as const;

export interface Classifier {
  /** Names the classifier and its version/argument, e.g. `rules-v2`, `knn:exemplars.csv@sha256:…`, `http:URL`. */
  readonly id: string;
  /** One answer per text, in order. Must not throw for one bad answer: return `{ error }` for it. */
  classify(texts: string[]): Promise<ClassifierAnswer[]>;
  /** Texts per classify() call that suit this classifier (replay's default otherwise). */
  readonly batchSize?: number;
  /** classify() calls replay may have in flight at once (1 for in-process classifiers). */
  readonly concurrency?: number;
  /** Releases what the classifier holds (a model session); called once when replay is done. */
  close?(): Promise<void>;
}

/**
 * Where a request's ideal tier came from, in the order of precedence the report uses
 * (the first that applies wins, and the report says which).
 */
export type IdealSource = 'record' | 'labels' | 'replay';

/**
 * Replay results are cached in the database so that a weekly re-run classifies only new inputs:
 *   CREATE TABLE IF NOT EXISTS replay_results (classifier_id VARCHAR, input_sha256 VARCHAR, tier VARCHAR,
 *     error VARCHAR, classified_at TIMESTAMPTZ, PRIMARY KEY (classifier_id, input_sha256))
 * and, for the current run, a temp table `rc_ideal_replay(input VARCHAR, tier VARCHAR)` keyed by the exact
 * `requests.input` text, which the deviation SQL joins on.
 * `input_sha256` is src/embed/normalize.ts contentKey(input): inputs that normalize alike are classified once.
 * A row with an error (tier NULL) is kept for inspection but is not a cached answer: the next run asks again.
 */
export const REPLAY_TABLE = 'replay_results';
export const REPLAY_RUN_TABLE = 'rc_ideal_replay';
