import { cpSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsOf, ModelClassifier } from '../src/classify/model.js';
import { replay } from '../src/classify/replay.js';
import { withDatabase } from '../src/db/database.js';
import { UsageError } from '../src/errors.js';
import { loadRequests, requestsFor, SIMPLE_MEDIUM_HARD, tmpDir } from './classify-helpers.js';

// fixtures/models/tiny-classifier (scripts/make-tiny-classifier.mjs): logits = [0.5, 0, 0] + 2 per cue word,
// simple cues hello hi thanks ok bye yes no weather cool; medium cues explain summarize code python function
// bug fix email; hard cues prove theorem design architecture essay derive optimize step. Runs offline.
const TINY = 'fixtures/models/tiny-classifier';

describe('model:DIR (text-classification through @huggingface/transformers)', () => {
  it('answers the id2label name of the top class', async () => {
    const m = await ModelClassifier.create(TINY);
    try {
      expect(m.labels).toEqual(['simple', 'medium', 'hard']);
      expect(m.id).toMatch(/^model:.*tiny-classifier@sha256:[0-9a-f]{12}$/);
      const texts = [
        'hello there, thanks!', // simple 4.5
        'please explain this python function', // medium 6 vs simple 0.5
        'prove the theorem step by step', // hard 2 × 4 = 8 (step twice)
        'zzz qqq', // no cue: the bias, simple
        'hello explain explain', // simple 2.5, medium 4 → medium
        'ok, design it', // simple 2.5, hard 2 → simple
      ];
      expect(await m.classify(texts)).toEqual([
        { tier: 'simple' },
        { tier: 'medium' },
        { tier: 'hard' },
        { tier: 'simple' },
        { tier: 'medium' },
        { tier: 'simple' },
      ]);
    } finally {
      await m.close();
    }
  });

  it('replays a window through the model', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await loadRequests(db, requestsFor(['thanks!', 'Thanks', 'fix this bug please', 'derive the formula']));
      const m = await ModelClassifier.create(TINY);
      try {
        // "thanks!" and "Thanks" normalize alike: 3 distinct inputs.
        const r = await replay(db, m, { params: { from: null, to: null }, ...SIMPLE_MEDIUM_HARD });
        expect(r).toMatchObject({ inputs: 3, cached: 0, classified: 3, errors: {}, requests: 4 });
        expect(await db.all('SELECT input, tier FROM rc_ideal_replay ORDER BY input')).toEqual([
          { input: 'Thanks', tier: 'simple' },
          { input: 'derive the formula', tier: 'hard' },
          { input: 'fix this bug please', tier: 'medium' },
          { input: 'thanks!', tier: 'simple' },
        ]);
      } finally {
        await m.close();
      }
    });
  });

  it('changes id when the model changes (the replay cache is keyed by it)', async () => {
    const dir = join(tmpDir(), 'model');
    cpSync(TINY, dir, { recursive: true });
    const before = await ModelClassifier.create(dir);
    await before.close();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    config.id2label = { 0: 'simple', 1: 'medium', 2: 'expensive' };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const after = await ModelClassifier.create(dir);
    await after.close();
    expect(after.id).not.toBe(before.id);
    expect(after.labels).toEqual(['simple', 'medium', 'expensive']);
  });

  it('says what a model folder must hold', async () => {
    await expect(ModelClassifier.create(tmpDir())).rejects.toThrow(UsageError);
    await expect(ModelClassifier.create(tmpDir())).rejects.toThrow(/must hold config.json \(with id2label\), tokenizer.json/);
  });

  it('refuses id2label without tier names', () => {
    expect(labelsOf({})).toBe('config.json has no "id2label" object');
    expect(labelsOf({ id2label: { 0: 'LABEL_0', 1: 'LABEL_1' } })).toMatch(/only generic LABEL_n names/);
    expect(labelsOf({ id2label: { 0: 'cheap', 1: 'dear' } })).toEqual(['cheap', 'dear']);
  });
});
