import { describe, expect, it } from 'vitest';
import { normalizeProvider, parseModel } from '../src/prices/identity.js';
import { modelIdRows } from './model-ids.js';

type Row = [logged: string, provider: string | null, family: string, version: string | null, alias?: string | null];

/** Real-world model strings as gateways and providers log them. */
const TABLE: Row[] = [
  // OpenAI: dated and numbered releases, aliases, prefixes
  ['gpt-4o-2024-08-06', 'openai', 'gpt-4o', '2024-08-06'],
  ['gpt-4o', 'openai', 'gpt-4o', null],
  ['gpt-4o-mini-2024-07-18', 'openai', 'gpt-4o-mini', '2024-07-18'],
  ['openai/gpt-4o-mini', 'openai', 'gpt-4o-mini', null],
  ['openai/gpt-4o-2024-11-20', 'openai', 'gpt-4o', '2024-11-20'],
  ['gpt-3.5-turbo-0125', 'openai', 'gpt-3.5-turbo', '0125'],
  ['gpt-3.5-turbo', 'openai', 'gpt-3.5-turbo', null],
  ['gpt-4-0613', 'openai', 'gpt-4', '0613'],
  ['gpt-4-32k-0613', 'openai', 'gpt-4-32k', '0613'],
  ['gpt-4-1106-preview', 'openai', 'gpt-4-turbo', '1106-preview'],
  ['gpt-4-turbo-2024-04-09', 'openai', 'gpt-4-turbo', '2024-04-09'],
  ['gpt-4-turbo-preview', 'openai', 'gpt-4-turbo', null, 'preview'],
  ['chatgpt-4o-latest', 'openai', 'chatgpt-4o', null, 'latest'],
  ['o1-2024-12-17', 'openai', 'o1', '2024-12-17'],
  ['o3-mini-2025-01-31', 'openai', 'o3-mini', '2025-01-31'],
  ['o1-preview', 'openai', 'o1-preview', null],
  ['text-embedding-3-small', 'openai', 'text-embedding-3-small', null],
  ['GPT-4o-2024-08-06', 'openai', 'gpt-4o', '2024-08-06'],
  ['openai:gpt-4o', 'openai', 'gpt-4o', null],
  ['ft:gpt-4o-mini-2024-07-18:acme::9xYzAb1', 'openai', 'gpt-4o-mini', '2024-07-18+ft:acme::9xYzAb1'],
  // Anthropic: 8-digit dates, the seed's dated versions, aliases
  ['claude-3-haiku-20240307', 'anthropic', 'claude-3-haiku', '20240307'],
  ['claude-3-haiku-20240317', 'anthropic', 'claude-3-haiku', '20240317'],
  ['claude-3-5-haiku-20241022', 'anthropic', 'claude-3-5-haiku', '20241022'],
  ['claude-3-5-haiku-latest', 'anthropic', 'claude-3-5-haiku', null, 'latest'],
  ['claude-3-7-sonnet-20250219', 'anthropic', 'claude-3-7-sonnet', '20250219'],
  ['claude-sonnet-4-20250514', 'anthropic', 'claude-sonnet-4', '20250514'],
  ['claude-opus-4-1-20250805', 'anthropic', 'claude-opus-4-1', '20250805'],
  ['anthropic/claude-3-5-sonnet-20241022', 'anthropic', 'claude-3-5-sonnet', '20241022'],
  ['claude-2.1', 'anthropic', 'claude-2.1', null],
  ['claude-instant-1.2', 'anthropic', 'claude-instant-1.2', null],
  // Bedrock: vendor-prefixed ids, -v1:0, cross-region profiles, LiteLLM's bedrock/ and bedrock/converse/
  ['bedrock/anthropic.claude-3-haiku-20240307-v1:0', 'bedrock', 'claude-3-haiku', '20240307-v1:0'],
  ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'bedrock', 'claude-3-5-sonnet', '20240620-v1:0'],
  ['us.anthropic.claude-3-5-haiku-20241022-v1:0', 'bedrock', 'claude-3-5-haiku', '20241022-v1:0'],
  ['bedrock/converse/us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'bedrock', 'claude-3-7-sonnet', '20250219-v1:0'],
  ['meta.llama3-70b-instruct-v1:0', 'bedrock', 'llama-3-70b-instruct', 'v1:0'],
  ['amazon.titan-text-express-v1', 'bedrock', 'titan-text-express', 'v1'],
  ['amazon.nova-pro-v1:0', 'bedrock', 'nova-pro', 'v1:0'],
  // Vertex AI: @ versions
  ['vertex_ai/claude-3-5-haiku@20241022', 'vertex_ai', 'claude-3-5-haiku', '20241022'],
  ['claude-haiku-4-5@20251001', 'vertex_ai', 'claude-haiku-4-5', '20251001'],
  ['claude-3-5-sonnet-v2@20241022', 'vertex_ai', 'claude-3-5-sonnet', 'v2@20241022'],
  ['vertex_ai/gemini-1.5-pro-002', 'vertex_ai', 'gemini-1.5-pro', '002'],
  // Google AI
  ['gemini-2.0-flash-001', 'google', 'gemini-2.0-flash', '001'],
  ['gemini/gemini-1.5-flash-latest', 'google', 'gemini-1.5-flash', null, 'latest'],
  ['models/gemini-1.5-pro', 'google', 'gemini-1.5-pro', null],
  ['gemini-2.5-pro-preview-05-06', 'google', 'gemini-2.5-pro-preview', '05-06'],
  ['gemini-exp-1206', 'google', 'gemini-exp', '1206'],
  ['gemini-1.5-flash-8b-exp-0827', 'google', 'gemini-1.5-flash-8b-exp', '0827'],
  // Azure: deployment names are whatever the team called them
  ['azure/gpt-4o-2024-08-06', 'azure', 'gpt-4o', '2024-08-06'],
  ['azure/my-gpt4o-prod', 'azure', 'my-gpt4o-prod', null],
  ['azure_ai/mistral-large-2407', 'azure_ai', 'mistral-large', '2407'],
  // Mistral, Cohere, DeepSeek, xAI
  ['mistral-large-2407', 'mistral', 'mistral-large', '2407'],
  ['mistral-large-latest', 'mistral', 'mistral-large', null, 'latest'],
  ['mistral/mistral-small-2501', 'mistral', 'mistral-small', '2501'],
  ['codestral-2405', 'mistral', 'codestral', '2405'],
  ['command-r-plus-08-2024', 'cohere', 'command-r-plus', '08-2024'],
  ['deepseek-chat', 'deepseek', 'deepseek-chat', null],
  ['deepseek/deepseek-reasoner', 'deepseek', 'deepseek-reasoner', null],
  ['deepseek-v3', 'deepseek', 'deepseek-v3', null],
  ['grok-2-1212', 'xai', 'grok-2', '1212'],
  ['xai/grok-beta', 'xai', 'grok-beta', null],
  // Hosts of open models: numbers that are not versions stay in the family
  ['groq/llama3-70b-8192', 'groq', 'llama-3-70b-8192', null],
  ['groq/llama-3.1-70b-versatile', 'groq', 'llama-3.1-70b-versatile', null],
  ['together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together', 'llama-3.3-70b-instruct-turbo', null],
  ['accounts/fireworks/models/llama-v3p1-70b-instruct', 'fireworks', 'llama-v3.1-70b-instruct', null],
  ['openrouter/anthropic/claude-3.5-sonnet', 'openrouter', 'claude-3-5-sonnet', null],
  ['ollama/llama3:8b', 'ollama', 'llama3:8b', null],
  ['llama3:latest', null, 'llama-3', null, 'latest'],
  ['Qwen/Qwen2.5-72B-Instruct', null, 'qwen2.5-72b-instruct', null],
  // Self-hosted and made-up names: the family is the name
  ['acme-llama-3-70b-internal', null, 'acme-llama-3-70b-internal', null],
  ['  gpt-4o-mini  ', 'openai', 'gpt-4o-mini', null],
];

describe('parseModel', () => {
  for (const [logged, provider, family, version, alias = null] of TABLE) {
    it(JSON.stringify(logged), () => {
      const id = parseModel(logged);
      expect({ provider: id.provider, family: id.family, version: id.version, alias: id.alias }).toEqual({
        provider, family, version, alias,
      });
    });
  }

  it('keeps the id without the gateway prefix as the name a provider catalog uses', () => {
    expect(parseModel('bedrock/anthropic.claude-3-haiku-20240307-v1:0').name).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    expect(parseModel('openrouter/anthropic/claude-3.5-sonnet').name).toBe('anthropic/claude-3.5-sonnet');
    expect(parseModel('openai/gpt-4o').name).toBe('gpt-4o');
    expect(parseModel('claude-3-5-haiku-20241022').name).toBe('claude-3-5-haiku-20241022');
  });

  it('puts two dated versions of one model in one family with different versions', () => {
    const a = parseModel('claude-3-haiku-20240307');
    const b = parseModel('bedrock/anthropic.claude-3-haiku-20240317-v1:0');
    expect(a.family).toBe(b.family);
    expect(a.version).not.toBe(b.version);
  });

  it('keeps the whole Fireworks account path as the name the catalog bills under', () => {
    expect(parseModel('fireworks_ai/accounts/fireworks/models/deepseek-v3p2').name).toBe('accounts/fireworks/models/deepseek-v3p2');
  });

  it('takes the logged provider over a vendor path: OpenRouter ids keep their vendor', () => {
    const id = parseModel('deepseek/deepseek-v3.2', 'openrouter');
    expect(id).toMatchObject({ provider: 'openrouter', family: 'deepseek-v3.2', name: 'deepseek/deepseek-v3.2' });
    // without the provider column the prefix names who served it
    expect(parseModel('deepseek/deepseek-v3.2')).toMatchObject({ provider: 'deepseek', name: 'deepseek-v3.2' });
  });

  it('puts every spelling of one model in one family', () => {
    const spellings = [
      ['claude-3-5-sonnet-20241022', 'anthropic/claude-3.5-sonnet', 'claude-3.5-sonnet', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet-v2@20241022'],
      ['claude-sonnet-4-20250514', 'claude-sonnet-4-0', 'claude-4-sonnet-20250514', 'anthropic/claude-sonnet-4', 'claude-sonnet-4@20250514'],
      ['claude-opus-4-1-20250805', 'anthropic/claude-opus-4.1', 'claude-opus-4.1'],
      ['gpt-3.5-turbo-0125', 'azure/gpt-35-turbo', 'gpt-35-turbo-0125'],
      ['gpt-4-turbo-2024-04-09', 'gpt-4-1106-preview', 'gpt-4-0125-preview', 'gpt-4-turbo-preview'],
      ['deepseek-v3.2', 'deepseek.v3.2', 'eu.deepseek.v3.2', 'accounts/fireworks/models/deepseek-v3p2', 'deepseek-v3-2-251201'],
      ['glm-4.7', 'glm-4-7-251222', 'accounts/fireworks/models/glm-4p7'],
    ];
    for (const group of spellings) {
      const families = new Set(group.map((m) => parseModel(m).family));
      expect([...families], group.join(', ')).toHaveLength(1);
    }
    // and different models stay apart
    expect(parseModel('gpt-4-0613').family).not.toBe(parseModel('gpt-4-1106-preview').family);
    expect(parseModel('claude-opus-4-1').family).not.toBe(parseModel('claude-opus-4').family);
  });

  it('never reads a moving alias as a version', () => {
    expect(parseModel('claude-3-5-sonnet-v2@default')).toMatchObject({ family: 'claude-3-5-sonnet', alias: 'default', version: 'v2' });
    expect(parseModel('gemini-2.0-flash@latest')).toMatchObject({ family: 'gemini-2.0-flash', alias: 'latest', version: null });
  });

  it('gives OCI models provider oci, not bedrock, though they are named like Bedrock ids', () => {
    expect(parseModel('oci/meta.llama-3.3-70b-instruct')).toMatchObject({ provider: 'oci', family: 'llama-3.3-70b-instruct' });
    expect(parseModel('meta.llama3-3-70b-instruct-v1:0').provider).toBe('bedrock');
  });

  it('gives one family to the spellings of one model across hosts', () => {
    const family = (model: string, provider: string | null = null): string => parseModel(model, provider).family;
    const same: [string, string | null][][] = [
      // Llama 3.1 8B: Bedrock, OpenRouter, Together (Turbo aside), Cerebras, DeepInfra
      [['meta.llama3-1-8b-instruct-v1:0', 'bedrock'], ['meta-llama/llama-3.1-8b-instruct', 'openrouter'], ['deepinfra/meta-llama/Meta-Llama-3.1-8B-Instruct', null]],
      [['cerebras/llama3.1-8b', null], ['llama-3.1-8b', 'cerebras']],
      // Llama 3.1 405B on Vertex (MaaS), Azure AI, Bedrock
      [['vertex_ai/meta/llama-3.1-405b-instruct-maas', 'vertex_ai'], ['azure_ai/Meta-Llama-3.1-405B-Instruct', 'azure_ai'], ['meta.llama3-1-405b-instruct-v1:0', 'bedrock']],
      [['ai21.jamba-1-5-large-v1:0', 'bedrock'], ['jamba-1.5-large', 'ai21']],
      [['openrouter/qwen/qwen-2.5-72b-instruct', null], ['Qwen/Qwen2.5-72B-Instruct', 'together']],
      [['cerebras/qwen-3-32b', null], ['groq/qwen/qwen3-32b', null]],
    ];
    for (const group of same) {
      const families = group.map(([m, p]) => family(m, p));
      expect(new Set(families).size, JSON.stringify(group)).toBe(1);
    }
    // The dated MaaS model keeps its version; Groq's context size is not one.
    expect(parseModel('vertex_ai/deepseek-ai/deepseek-r1-0528-maas', 'vertex_ai')).toMatchObject({ family: 'deepseek-r1', version: '0528' });
    expect(family('groq/llama3-70b-8192')).toBe('llama-3-70b-8192');
    // Names that only start alike are left alone.
    expect(family('qwen-max')).toBe('qwen-max');
    expect(family('llama-guard-3-8b', 'groq')).toBe('llama-guard-3-8b');
  });

  it('normalizes logged provider names; a gateway name is no provider', () => {
    expect(normalizeProvider('bedrock_converse')).toBe('bedrock');
    expect(normalizeProvider('aws.bedrock')).toBe('bedrock');
    expect(normalizeProvider('Together_AI')).toBe('together');
    expect(normalizeProvider('litellm')).toBeNull();
    expect(normalizeProvider('self-hosted')).toBe('self-hosted');
  });

  it('returns an empty family for an empty string', () => {
    expect(parseModel('')).toEqual({ provider: null, family: '', version: null, alias: null, name: '' });
  });
});

describe('real model ids (fixtures/prices/model-ids.json)', () => {
  const rows = modelIdRows();

  it('has several hundred ids over the providers the gateways log', () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    const providers = new Set(rows.map((r) => r.provider));
    for (const p of ['openai', 'anthropic', 'bedrock', 'vertex_ai', 'google', 'azure', 'openrouter', 'fireworks', 'together', 'groq', 'oci', 'mistral']) {
      expect(providers, p).toContain(p);
    }
  });

  rows.forEach((row, i) => {
    it(`${i + 1}: ${row.model}${row.logged_provider ? ` (${row.logged_provider})` : ''}`, () => {
      const id = parseModel(row.model, row.logged_provider);
      expect({ provider: id.provider, family: id.family, version: id.version, alias: id.alias }).toEqual({
        provider: row.provider, family: row.family, version: row.version, alias: row.alias,
      });
    });
  });
});
