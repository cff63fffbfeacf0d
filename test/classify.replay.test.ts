import { runCli } from './run-cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay, checkAnswers } from '../src/classify/replay.js';
import { RulesClassifier } from '../src/classify/rules.js';
import { tierResolver } from '../src/sections/replay.js';
import { normalizeRoutingPolicy } from '../src/routing/policy.js';
import { contentKey } from '../src/embed/normalize.js';
import type { Classifier, ClassifierAnswer } from '../src/classify/types.js';
import { withDatabase } from '../src/db/database.js';
import { loadRequests, requestsFor, SIMPLE_MEDIUM_HARD, tmpDir } from './classify-helpers.js';

/** The rules classifier, recording every text it is asked about. */
class Recording implements Classifier {
  readonly id = 'recording-rules';
  readonly batchSize = 2;
  readonly asked: string[] = [];
  private readonly rules = new RulesClassifier();
  async classify(texts: string[]): Promise<ClassifierAnswer[]> {
    this.asked.push(...texts);
    return this.rules.classify(texts);
  }
}

const ALL = { from: null, to: null };

describe('replay', () => {
  it('classifies each distinct normalized input once and builds rc_ideal_replay by exact input', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      // 8 requests; "thanks" appears three ways that normalize alike; one has no input, one only spaces.
      await loadRequests(db, requestsFor(['thanks', 'Thanks!', 'THANKS', 'Prove that 7 is prime', null, '   ', 'Prove that 7 is prime', 'Summarize these meeting notes for the team']));
      const c = new Recording();
      const r = await replay(db, c, { params: ALL, ...SIMPLE_MEDIUM_HARD });
      expect(r).toEqual({ classifier: 'recording-rules', inputs: 3, cached: 0, classified: 3, errors: {}, requests: 6, error_examples: [] });
      // The first raw text of each content key is what the classifier saw.
      expect(c.asked).toHaveLength(3);
      expect(await db.all('SELECT input, tier FROM rc_ideal_replay ORDER BY input')).toEqual([
        { input: 'Prove that 7 is prime', tier: 'hard' },
        { input: 'Summarize these meeting notes for the team', tier: 'medium' },
        { input: 'THANKS', tier: 'simple' },
        { input: 'Thanks!', tier: 'simple' },
        { input: 'thanks', tier: 'simple' },
      ]);
    });
  });

  it('classifies nothing on a second run over the same database (the cache is keyed by classifier id)', async () => {
    const path = join(tmpDir(), 'rc.duckdb');
    const inputs = ['hello', 'Design a queue for 1M jobs a day', 'Explain this code: const x = 1;'];
    await withDatabase({ path }, async (db) => {
      await loadRequests(db, requestsFor(inputs));
      const first = await replay(db, new Recording(), { params: ALL, ...SIMPLE_MEDIUM_HARD });
      expect(first).toMatchObject({ inputs: 3, cached: 0, classified: 3 });
    });
    await withDatabase({ path }, async (db) => {
      const c = new Recording();
      const second = await replay(db, c, { params: ALL, ...SIMPLE_MEDIUM_HARD });
      expect(second).toMatchObject({ inputs: 3, cached: 3, classified: 0, errors: {}, requests: 3 });
      expect(c.asked).toEqual([]);
      expect(await db.all('SELECT input, tier FROM rc_ideal_replay ORDER BY input')).toEqual([
        { input: 'Design a queue for 1M jobs a day', tier: 'hard' },
        { input: 'Explain this code: const x = 1;', tier: 'medium' },
        { input: 'hello', tier: 'simple' },
      ]);
      // Another classifier id has no answers yet.
      const other = new (class extends Recording {
        override readonly id = 'other';
      })();
      expect(await replay(db, other, { params: ALL, ...SIMPLE_MEDIUM_HARD })).toMatchObject({ cached: 0, classified: 3 });
    });
  });

  it('keys the cache by the SHA-256 of the normalized input, as contentKey() does', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      const inputs = ['Ｔｈａｎｋｓ！', 'café ☕ au lait?', 'Zero\u200bwidth  spaces\n'];
      await loadRequests(db, requestsFor(inputs));
      await replay(db, new Recording(), { params: ALL, ...SIMPLE_MEDIUM_HARD });
      const keys = (await db.all<{ input_sha256: string }>('SELECT input_sha256 FROM replay_results')).map((r) => r.input_sha256).sort();
      expect(keys).toEqual(inputs.map(contentKey).sort());
    });
  });

  it('replays only the window', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await loadRequests(db, requestsFor(['one', 'two', 'three', 'four']));
      // Requests are a minute apart from 09:00; [09:01, 09:03) holds "two" and "three".
      const c = new Recording();
      const r = await replay(db, c, { params: { from: '2025-03-17T09:01:00Z', to: '2025-03-17T09:03:00Z' }, ...SIMPLE_MEDIUM_HARD });
      expect(r).toMatchObject({ inputs: 2, classified: 2, requests: 2 });
      expect(c.asked.sort()).toEqual(['three', 'two']);
    });
  });

  it('counts bad answers by kind, keeps them out of rc_ideal_replay and out of the cache', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await loadRequests(db, requestsFor(['a', 'b', 'c', 'd']));
      let fixed = false;
      const flaky: Classifier = {
        id: 'flaky',
        batchSize: 1,
        async classify(texts) {
          if (fixed) return texts.map(() => ({ tier: 'medium' }));
          if (texts[0] === 'a') return [{ tier: 'MEDIUM' }]; // another case: not a tier name here
          if (texts[0] === 'b') throw new Error('GPU fell off');
          if (texts[0] === 'c') return [];
          return [{ tier: 'hard' }];
        },
      };
      const r = await replay(db, flaky, { params: ALL, ...SIMPLE_MEDIUM_HARD });
      expect(r).toMatchObject({ inputs: 4, cached: 0, classified: 1, errors: { unknown_tier: 1, failed: 1, bad_response: 1 }, requests: 1 });
      expect(await db.all('SELECT input, tier FROM rc_ideal_replay')).toEqual([{ input: 'd', tier: 'hard' }]);
      const stored = await db.all<{ error: string | null }>(`SELECT error FROM replay_results WHERE tier IS NULL ORDER BY error`);
      expect(stored.map((s) => s.error!.split(':')[0])).toEqual(['bad_response', 'failed', 'unknown_tier']);
      fixed = true;
      expect(await replay(db, flaky, { params: ALL, ...SIMPLE_MEDIUM_HARD })).toMatchObject({ cached: 1, classified: 3, errors: {}, requests: 4 });
    });
  });

  it('checks tier labels against the routing policy', () => {
    const policy = tierResolver(
      normalizeRoutingPolicy(
        { tiers: [{ name: 'cheap', models: ['gpt-4o-mini*'], route: 'cheap_route' }, { name: 'dear', models: ['gpt-4o-2024-*'] }] },
        'routecheck.config.json',
      ),
    );
    expect(policy.tierNames).toBe('cheap, dear');
    expect(checkAnswers([{ tier: 'cheap' }, { tier: 'CHEAP_ROUTE' }, { tier: 'gpt-4o-2024-08-06' }, { tier: 'simple' }], 4, 'x', policy.resolveTier, policy.tierNames)).toEqual([
      { tier: 'cheap' },
      { tier: 'cheap' },
      { tier: 'dear' },
      { error: '"simple" is not a tier (cheap, dear)', kind: 'unknown_tier' },
    ]);
    // Without tiers in the config: the built-in names, with a route-style suffix allowed.
    const builtIn = tierResolver(normalizeRoutingPolicy({}, undefined));
    expect(['simple', 'Medium', 'hard_complexity', 'harder'].map(builtIn.resolveTier)).toEqual(['simple', 'medium', 'hard', null]);
  });
});

const run = (argv: string[]) => runCli(argv);

describe('report --classifier', () => {
  function logFile(): string {
    const file = join(tmpDir(), 'log.jsonl');
    const inputs = ['OK, got it, thanks', 'thanks', 'Prove that sqrt(2) is irrational', 'Summarize these meeting notes for the team'];
    writeFileSync(file, requestsFor(inputs).map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file;
  }

  it('adds "replay" to the JSON and gives the deviation its ideal tiers', async () => {
    const { code, stdout } = await run(['report', logFile(), '--classifier', 'rules', '--format', 'json', '--quiet']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.replay).toMatchObject({ classifier: 'rules-v2', inputs: 4, cached: 0, classified: 4, errors: {}, requests: 4 });
  });

  it('is the deviation source when records carry no ideal route', async () => {
    const config = join(tmpDir(), 'routecheck.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        tiers: [
          { name: 'simple', models: ['gpt-4o-mini*'] },
          { name: 'medium', models: ['claude-3-5-haiku*'] },
          { name: 'hard', models: ['gpt-4o-2024-*'] },
        ],
      }),
    );
    // All four requests were served by the simple tier's model (requestsFor). The rules say: simple, simple,
    // hard (proof), medium (task): two of four under-routed.
    const { code, stdout } = await run(['report', logFile(), '--config', config, '--classifier', 'rules', '--format', 'json', '--quiet']);
    expect(code).toBe(0);
    const d = JSON.parse(stdout).deviation;
    expect(d).toMatchObject({ source: 'replay', evaluated: 4, rate: 0.5, over_rate: 0, under_rate: 0.5 });
  });

  it('renders the replay counts in the table', async () => {
    const { code, stdout } = await run(['report', logFile(), '--classifier', 'knn', '--embedder', 'lexical', '--quiet']);
    expect(code).toBe(0);
    expect(stdout).toContain("Replay");
    expect(stdout).toMatch(/│ classifier +│ knn-v2:default@sha256:[0-9a-f]{12}:lexical-v1 │/);
    expect(stdout).toMatch(/│ distinct inputs +│ +4 │/);
    expect(stdout).toMatch(/│ answered from the cache +│ +0 │/);
    expect(stdout).toMatch(/│ classified now +│ +4 │/);
    expect(stdout).toMatch(/│ requests with a replayed tier +│ +4 │/);
  });

  it('reports a dead classifier service with counts and exit 0', async () => {
    const { code, stdout, stderr } = await run(['report', logFile(), '--classifier', 'http:http://127.0.0.1:1/classify', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).replay).toMatchObject({ inputs: 4, classified: 0, errors: { network: 4 } });
    expect(stderr).toMatch(/replay: 4 inputs got no answer from http:http:\/\/127\.0\.0\.1:1\/classify \(connection failed 4\)/);
  });

  it('rejects a bad --classifier with exit 2', async () => {
    const { code, stderr } = await run(['report', logFile(), '--classifier', 'bert']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--classifier "bert": unknown kind "bert"/);
  });
});

describe('replay blocks', () => {
  it('says how many inputs got no answer, by kind', async () => {
    const { replayBlocks } = await import('../src/sections/replay.js');
    expect(replayBlocks(undefined)).toEqual([]);
    const blocks = replayBlocks({
      classifier: 'http:http://x/',
      inputs: 10,
      cached: 4,
      classified: 3,
      errors: { timeout: 2, unknown_tier: 1 },
      requests: 9,
      error_examples: ['http://x/ did not answer within 30000 ms'],
    });
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'kv', 'note']);
    const empty = replayBlocks({ classifier: 'rules-v2', inputs: 0, cached: 0, classified: 0, errors: {}, requests: 0, error_examples: [] });
    expect(empty[2]).toMatchObject({ kind: 'note', level: 'warn', text: expect.stringContaining('nothing to replay') });
    expect(blocks[2]).toEqual({
      kind: 'note',
      level: 'warn',
      text: '3 inputs got no answer (timed out 2, not a tier 1): they have no replayed ideal tier, and the next run asks again. First error: http://x/ did not answer within 30000 ms',
    });
  });
});
