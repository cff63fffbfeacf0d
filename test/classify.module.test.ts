import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModuleClassifier } from '../src/classify/module.js';
import { UsageError } from '../src/errors.js';
import { tmpDir } from './classify-helpers.js';

function moduleFile(source: string, name = 'classify.mjs'): string {
  const file = join(tmpDir(), name);
  writeFileSync(file, source);
  return file;
}

describe('module:PATH', () => {
  it('calls the exported classify(texts) and keys the cache by the file hash', async () => {
    const file = moduleFile(`export async function classify(texts) { return texts.map((t) => (t.length < 10 ? 'simple' : { tier: 'hard' })); }\n`);
    const c = await ModuleClassifier.create(file);
    expect(c.id).toMatch(new RegExp(`^module:${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@sha256:[0-9a-f]{12}$`));
    expect(await c.classify(['hi', 'a longer question'])).toEqual([{ tier: 'simple' }, { tier: 'hard' }]);
  });

  it('accepts a default export (function or object) and an exported id', async () => {
    const fn = await ModuleClassifier.create(moduleFile(`export default (texts) => texts.map(() => 'medium');\nexport const id = 'my-router-v3';\n`));
    expect(fn.id).toBe('module:my-router-v3');
    expect(await fn.classify(['x'])).toEqual([{ tier: 'medium' }]);
    const obj = await ModuleClassifier.create(moduleFile(`module.exports = { classify: (texts) => texts.map(() => 'hard') };\n`, 'c.cjs'));
    expect(await obj.classify(['x', 'y'])).toEqual([{ tier: 'hard' }, { tier: 'hard' }]);
  });

  it('counts a throwing or malformed classify() as errors instead of failing', async () => {
    const throws = await ModuleClassifier.create(moduleFile(`export function classify() { throw new Error('model not loaded'); }\n`));
    expect(await throws.classify(['a', 'b'])).toEqual([
      { error: expect.stringContaining('classify() threw: model not loaded'), kind: 'failed' },
      { error: expect.stringContaining('classify() threw: model not loaded'), kind: 'failed' },
    ]);
    const wrong = await ModuleClassifier.create(moduleFile(`export function classify(texts) { return texts.map((t, i) => (i === 0 ? 42 : 'simple')); }\n`));
    expect(await wrong.classify(['a', 'b'])).toEqual([
      { error: expect.stringContaining('answered 42 instead of a tier'), kind: 'bad_response' },
      { tier: 'simple' },
    ]);
  });

  it('refuses a module without classify, or one that cannot load', async () => {
    await expect(ModuleClassifier.create(moduleFile(`export const x = 1;\n`))).rejects.toThrow(/must export a function classify\(texts\)/);
    await expect(ModuleClassifier.create(moduleFile(`export const = ;\n`))).rejects.toThrow(UsageError);
    await expect(ModuleClassifier.create('/no/such/module.mjs')).rejects.toThrow(/cannot read/);
  });
});
