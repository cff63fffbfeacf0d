import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { LexicalEmbedder } from '../src/embed/lexical.js';
import { createEmbedder, normalizeEmbedderSettings } from '../src/embed/select.js';
import { TransformersEmbedder } from '../src/embed/transformers.js';
import { runCli } from './run-cli.js';

const run = (argv: string[]) => runCli(argv);

const emptyDir = () => mkdtempSync(join(tmpdir(), 'routecheck-models-'));
const noConfig = { raw: {} };

describe('embedder settings', () => {
  it('defaults to auto with MiniLM', () => {
    expect(normalizeEmbedderSettings({}, noConfig)).toEqual({ name: 'auto', model: 'Xenova/all-MiniLM-L6-v2', offline: false });
  });

  it('reads the config, and flags win over it', () => {
    const config = { file: '/etc/rc/routecheck.config.json', raw: { embedder: { name: 'transformers', model: 'a/b', model_dir: 'models', offline: true } } };
    expect(normalizeEmbedderSettings({}, config)).toEqual({ name: 'transformers', model: 'a/b', modelDir: '/etc/rc/models', offline: true });
    expect(normalizeEmbedderSettings({ embedder: 'lexical', model: 'c/d', modelDir: 'here' }, config)).toEqual({
      name: 'lexical', model: 'c/d', modelDir: 'here', offline: true,
    });
    expect(normalizeEmbedderSettings({}, { raw: { embedder: 'lexical' } }).name).toBe('lexical');
  });

  it.each([
    [{ embedder: 'bert' }, noConfig, '--embedder must be one of auto, lexical, transformers, got "bert"'],
    [{ model: '' }, noConfig, '--model must be a non-empty string'],
    [{}, { file: 'rc.json', raw: { embedder: 'fast' } }, 'rc.json: "embedder" must be one of auto, lexical, transformers, got "fast"'],
    [{}, { file: 'rc.json', raw: { embedder: { name: 'lexical', dim: 3 } } }, 'rc.json: "embedder.dim" is not a known field (name, model, model_dir, offline)'],
    [{}, { file: 'rc.json', raw: { embedder: { offline: 'yes' } } }, 'rc.json: "embedder.offline" must be true or false'],
    [{}, { raw: { embedder: 3 } }, 'config: "embedder" must be a name (auto, lexical, transformers) or an object {"name", "model", "model_dir", "offline"}'],
  ])('rejects %j with %j', (options, config, message) => {
    expect(() => normalizeEmbedderSettings(options, config)).toThrow(new UsageError(message));
  });
});

describe('choosing the embedder', () => {
  it('auto picks lexical when the model is not on this machine (and never downloads)', async () => {
    const chosen = await createEmbedder(
      { name: 'auto', model: 'Xenova/all-MiniLM-L6-v2', offline: false },
      { libraryDirs: async () => [emptyDir()] },
    );
    expect(chosen.embedder).toBeInstanceOf(LexicalEmbedder);
    expect(chosen.embedder.id).toBe('lexical-v1');
    expect(chosen.reason).toBe('auto: Xenova/all-MiniLM-L6-v2 is not on this machine, lexical used');
    const withDir = await createEmbedder({ name: 'auto', model: 'Xenova/all-MiniLM-L6-v2', modelDir: emptyDir(), offline: false });
    expect(withDir.embedder).toBeInstanceOf(LexicalEmbedder);
  });

  it('auto picks transformers when a local copy exists', async () => {
    const chosen = await createEmbedder({ name: 'auto', model: 'tiny-bert', modelDir: resolve('fixtures/models'), offline: false });
    expect(chosen.embedder).toBeInstanceOf(TransformersEmbedder);
    expect(chosen.embedder.id).toBe('transformers:tiny-bert');
    expect(chosen.reason).toBe('auto: local copy of tiny-bert used');
  });

  it('transformers offline without the model is a usage error', async () => {
    await expect(createEmbedder({ name: 'transformers', model: 'a/b', modelDir: emptyDir(), offline: true })).rejects.toThrow(UsageError);
  });
});

describe('CLI flags', () => {
  it('are accepted by report', async () => {
    const { code } = await run(['report', 'fixtures/formats/native.jsonl', '--format', 'json', '--quiet',
      '--embedder', 'lexical', '--model', 'tiny-bert', '--model-dir', 'fixtures/models', '--offline']);
    expect(code).toBe(0);
  });

  it('are listed in the report help', async () => {
    const { stdout } = await run(['report', '--help']);
    for (const flag of ['--embedder <name>', '--model <name>', '--model-dir <dir>', '--offline']) expect(stdout).toContain(flag);
  });
});
