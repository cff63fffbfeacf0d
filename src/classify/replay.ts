import { IN_WINDOW } from '../analyses/runner.js';
import type { Database } from '../db/database.js';
import { normalizeText } from '../embed/normalize.js';
import type { ProgressFn } from '../embed/progress.js';
import { failAll } from './answers.js';
import { REPLAY_RUN_TABLE, REPLAY_TABLE, type Classifier, type ClassifierAnswer } from './types.js';

/**
 * Replay: what would a classifier have said about each input of the window? The answers become the ideal tier of
 * every request with that input (temp table rc_ideal_replay, which the deviation SQL joins on `input`).
 *
 * 1. DuckDB numbers the window's distinct non-empty inputs (temp table rc_replay_inputs);
 * 2. JS normalizes them (src/embed/normalize.ts: the one definition of "same content") and DuckDB hashes the
 *    normalized texts (SHA-256, as contentKey() does): inputs that normalize alike ("Thanks!" and "thanks") are
 *    one input, classified once, and the classifier gets the first raw text that has the key;
 * 3. answers already in replay_results for this classifier id are reused; only the missing inputs are sent, in
 *    batches, with at most `concurrency` batches in flight (the classifier's own limits by default);
 * 4. each answer is checked against the routing policy's tiers and written as answers arrive, in bulk (a run
 *    that is interrupted keeps what it has classified); failures are stored with their error but are not
 *    answers: the next run asks again;
 * 5. rc_ideal_replay(input, tier) is built in SQL from the keys and the cache.
 * A failing classifier never aborts the report: its failures are counted by kind. Lists go to DuckDB as one
 * JSON text each (one bound string, not one native call per element).
 */
export interface ReplayOptions {
  /** The report window as bound parameters ($from inclusive, $to exclusive). */
  params: { from: string | null; to: string | null };
  /** The policy tier a label names (`medium`, `medium_complexity`, a model of the tier), or null. */
  resolveTier: (label: string) => string | null;
  /** How the valid tiers are listed in an `unknown_tier` message, e.g. "simple, medium, hard". */
  tierNames: string;
  batchSize?: number;
  concurrency?: number;
  progress?: ProgressFn;
}

export interface ReplayResult {
  classifier: string;
  /** Distinct non-empty inputs of the window (after normalization). */
  inputs: number;
  /** Of those, answered from replay_results. */
  cached: number;
  /** Of those, answered by the classifier in this run. */
  classified: number;
  /** Inputs without an answer, by kind (timeout, http, network, bad_response, unknown_tier, failed). */
  errors: Record<string, number>;
  /** Requests of the window whose input has a replayed tier. */
  requests: number;
  /** Up to 5 distinct error messages, for the report's note. */
  error_examples: string[];
}

const DEFAULT_BATCH = 256;
/** Inputs per page read into JS, texts per upload, answers per INSERT: bounds memory and statement size. */
const PAGE = 20_000;
const INPUTS_TABLE = 'rc_replay_inputs';
const KEYS_TABLE = 'rc_replay_keys';
const MISSING_TABLE = 'rc_replay_missing';
/** A list of strings bound as one JSON text: `$name` → VARCHAR[]. */
const JSON_LIST = (name: string): string => `from_json($${name}, '["VARCHAR"]')`;

export async function createReplayTable(db: Database): Promise<void> {
  await db.run(`
CREATE TABLE IF NOT EXISTS ${REPLAY_TABLE} (
  classifier_id VARCHAR NOT NULL,
  input_sha256 VARCHAR NOT NULL,
  tier VARCHAR,
  error VARCHAR,
  classified_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (classifier_id, input_sha256)
)`);
}

/** Pure: a classifier's answers for one batch, checked (count, tier names) → one answer per text. */
export function checkAnswers(
  answers: unknown,
  n: number,
  classifierId: string,
  resolveTier: (label: string) => string | null,
  tierNames: string,
): ClassifierAnswer[] {
  if (!Array.isArray(answers) || answers.length !== n) {
    return failAll(n, 'bad_response', `${classifierId} returned ${Array.isArray(answers) ? answers.length : 'no list of'} answers for ${n} inputs`);
  }
  return answers.map((a: unknown): ClassifierAnswer => {
    if (a !== null && typeof a === 'object' && 'error' in a && typeof (a as { error: unknown }).error === 'string') return a as ClassifierAnswer;
    const label = a !== null && typeof a === 'object' ? (a as { tier?: unknown }).tier : undefined;
    if (typeof label !== 'string') return { error: `${classifierId} gave an answer without a tier`, kind: 'bad_response' };
    const tier = resolveTier(label);
    if (tier === null) return { error: `"${label.length > 40 ? label.slice(0, 39) + '…' : label}" is not a tier (${tierNames})`, kind: 'unknown_tier' };
    return { tier };
  });
}

export async function replay(db: Database, classifier: Classifier, options: ReplayOptions): Promise<ReplayResult> {
  await createReplayTable(db);

  // 1-2. Distinct inputs, numbered in SQL; JS normalizes them (normalize.ts is the one definition of "same
  // content") a page at a time and uploads each page of normalized texts as one JSON text; DuckDB hashes them
  // (sha256 of the UTF-8 text, as contentKey() does).
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${INPUTS_TABLE} AS
     SELECT CAST(row_number() OVER () AS INTEGER) AS i, input
     FROM (SELECT DISTINCT input FROM requests WHERE ${IN_WINDOW} AND input IS NOT NULL AND trim(input) <> '')`,
    options.params,
  );
  const distinctInputs = (await db.scalar(`SELECT count(*) FROM ${INPUTS_TABLE}`)) ?? 0;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${KEYS_TABLE} (i INTEGER, sha VARCHAR)`);
  for (let lo = 1; lo <= distinctInputs; lo += PAGE) {
    const page = await db.all<{ input: string }>(`SELECT input FROM ${INPUTS_TABLE} WHERE i >= $lo AND i < $hi ORDER BY i`, { lo, hi: lo + PAGE });
    await db.run(
      `INSERT INTO ${KEYS_TABLE}
       SELECT i, sha256(text) FROM (SELECT CAST(unnest(range($lo, $lo + $n)) AS INTEGER) AS i, unnest(${JSON_LIST('texts')}) AS text)
       WHERE text <> ''`,
      { lo, n: page.length, texts: JSON.stringify(page.map((r) => normalizeText(r.input))) },
    );
  }

  // 3. The keys this classifier has no answer for, numbered, each with the first raw text that has it (the text
  // the classifier gets). Earlier failures for the window's keys are dropped: this run's answers replace them.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${MISSING_TABLE} AS
     SELECT CAST(row_number() OVER (ORDER BY first) AS INTEGER) AS j, sha, input FROM (
       SELECT k.sha, min(k.i) AS first, min_by(p.input, k.i) AS input
       FROM ${KEYS_TABLE} k JOIN ${INPUTS_TABLE} p USING (i)
       WHERE NOT EXISTS (SELECT 1 FROM ${REPLAY_TABLE} r
                         WHERE r.classifier_id = $id AND r.input_sha256 = k.sha AND r.tier IS NOT NULL)
       GROUP BY k.sha)`,
    { id: classifier.id },
  );
  const total = (await db.scalar(`SELECT count(DISTINCT sha) FROM ${KEYS_TABLE}`)) ?? 0;
  const missingCount = (await db.scalar(`SELECT count(*) FROM ${MISSING_TABLE}`)) ?? 0;
  const cached = total - missingCount;
  await db.run(
    `DELETE FROM ${REPLAY_TABLE} WHERE classifier_id = $id AND tier IS NULL AND input_sha256 IN (SELECT sha FROM ${MISSING_TABLE})`,
    { id: classifier.id },
  );

  // 4. Classify the missing ones, a page at a time: a pool of workers over the page's batches, at most
  // `concurrency` in flight; answers are inserted in bulk, serialized on one promise chain.
  const batchSize = Math.max(1, options.batchSize ?? classifier.batchSize ?? DEFAULT_BATCH);
  const concurrency = Math.max(1, options.concurrency ?? classifier.concurrency ?? 1);
  const errors: Record<string, number> = {};
  const examples = new Set<string>();
  let classified = 0;
  let done = 0;
  // '' stands for "none" in the uploaded lists (NULLIF turns it back): the lists travel as JSON text of strings.
  let pending = { keys: [] as string[], tiers: [] as string[], errors: [] as string[] };
  let writes: Promise<void> = Promise.resolve();
  const flush = (): void => {
    if (pending.keys.length === 0) return;
    const rows = pending;
    pending = { keys: [], tiers: [], errors: [] };
    writes = writes.then(() =>
      db.run(
        `INSERT INTO ${REPLAY_TABLE} (classifier_id, input_sha256, tier, error, classified_at)
         SELECT $id, unnest(${JSON_LIST('keys')}), nullif(unnest(${JSON_LIST('tiers')}), ''), nullif(unnest(${JSON_LIST('errors')}), ''), current_timestamp`,
        { id: classifier.id, keys: JSON.stringify(rows.keys), tiers: JSON.stringify(rows.tiers), errors: JSON.stringify(rows.errors) },
      ),
    );
  };
  const record = (keys: string[], answers: ClassifierAnswer[]): void => {
    answers.forEach((answer, k) => {
      pending.keys.push(keys[k]!);
      if ('tier' in answer) {
        classified++;
        pending.tiers.push(answer.tier);
        pending.errors.push('');
      } else {
        const kind = answer.kind ?? 'failed';
        errors[kind] = (errors[kind] ?? 0) + 1;
        if (examples.size < 5) examples.add(answer.error);
        pending.tiers.push('');
        pending.errors.push(`${kind}: ${answer.error}`);
      }
    });
    if (pending.keys.length >= PAGE) flush();
  };

  options.progress?.(0, missingCount);
  for (let lo = 1; lo <= missingCount; lo += PAGE) {
    const page = await db.all<{ sha: string; input: string }>(`SELECT sha, input FROM ${MISSING_TABLE} WHERE j >= $lo AND j < $hi ORDER BY j`, {
      lo,
      hi: lo + PAGE,
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < page.length) {
        const batch = page.slice(next, next + batchSize);
        next += batchSize;
        const texts = batch.map((m) => m.input);
        let raw: unknown;
        try {
          raw = await classifier.classify(texts);
        } catch (error) {
          raw = failAll(texts.length, 'failed', `${classifier.id} failed: ${(error as Error)?.message ?? String(error)}`);
        }
        record(batch.map((m) => m.sha), checkAnswers(raw, texts.length, classifier.id, options.resolveTier, options.tierNames));
        done += batch.length;
        options.progress?.(done, missingCount);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.ceil(page.length / batchSize)) }, worker));
  }
  flush();
  await writes;

  // 5. The ideal tier of each exact input text, for the deviation SQL.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${REPLAY_RUN_TABLE} AS
     SELECT p.input, r.tier FROM ${INPUTS_TABLE} p
     JOIN ${KEYS_TABLE} k USING (i)
     JOIN ${REPLAY_TABLE} r ON r.classifier_id = $id AND r.input_sha256 = k.sha
     WHERE r.tier IS NOT NULL`,
    { id: classifier.id },
  );
  await db.run(`DROP TABLE IF EXISTS ${KEYS_TABLE}; DROP TABLE IF EXISTS ${INPUTS_TABLE}; DROP TABLE IF EXISTS ${MISSING_TABLE}`);
  const requests = await db.scalar(
    `SELECT count(*) FROM requests WHERE ${IN_WINDOW} AND input IN (SELECT input FROM ${REPLAY_RUN_TABLE})`,
    options.params,
  );
  return { classifier: classifier.id, inputs: total, cached, classified, errors, requests: requests ?? 0, error_examples: [...examples] };
}
