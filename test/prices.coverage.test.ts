import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../src/prices/catalog.js';
import { modelIdRows } from './model-ids.js';

/**
 * Coverage of the bundled catalog on real model ids (fixtures/prices/model-ids.json): of the ids whose model the
 * catalog prices for the provider that served it (the fixture's `catalog` column, reviewed by hand, including the
 * models the catalog lists under another spelling), routecheck finds a price for at least 98%, always the right
 * entry; where the catalog has no price for that provider, the id stays unpriced: never priced as another
 * provider's model that happens to share its name.
 */
const catalog = new PriceCatalog([]);
const rows = modelIdRows();
/** The catalog entry that prices a model: its origin without the source name or the "(openai's price)" of a fallback. */
const origin = (model: string, provider: string | null): string | null =>
  catalog.periods(model, provider)[0]?.origin.replace(/^genai-prices /, '').replace(/ \([\w-]+'s price\)$/, '') ?? null;

describe('bundled catalog coverage of real model ids', () => {
  const listed = rows.filter((r) => r.catalog !== null);
  const found = listed.filter((r) => origin(r.model, r.logged_provider) !== null);

  it('prices at least 98% of the ids the catalog has a price for', () => {
    expect(listed.length).toBeGreaterThanOrEqual(300);
    const coverage = found.length / listed.length;
    expect(coverage, `missed: ${listed.filter((r) => !found.includes(r)).map((r) => r.model).join(', ')}`).toBeGreaterThanOrEqual(0.98);
  });

  it('prices each of them with the catalog entry of that model and provider', () => {
    const wrong = found.filter((r) => origin(r.model, r.logged_provider) !== r.catalog).map((r) => `${r.model} → ${origin(r.model, r.logged_provider)} (expected ${r.catalog})`);
    expect(wrong).toEqual([]);
  });

  it('leaves unpriced every id the catalog has no price for at its provider', () => {
    const priced = rows.filter((r) => r.catalog === null).map((r) => [r.model, origin(r.model, r.logged_provider)]).filter(([, o]) => o !== null);
    expect(priced).toEqual([]);
  });

  it('never takes another provider’s price for a name the catalog lists elsewhere', () => {
    // Each of these names is priced by the catalog for another provider (DeepSeek, xAI, Zhipu, Anthropic, OpenAI).
    const elsewhere: [string, string | null, string][] = [
      ['eu.deepseek.v3.2', 'bedrock', 'deepseek-v3.2'],
      ['oci/xai.grok-4', null, 'grok-4'],
      ['glm-4-7-251222', 'volcengine', 'glm-4.7'],
      ['anthropic.claude-v2:1', 'bedrock', 'claude-2.1'],
      ['gpt-4o', 'self-hosted', 'gpt-4o'],
      ['together_ai/openai/gpt-oss-120b', null, 'gpt-oss-120b'],
    ];
    for (const [model, provider, plain] of elsewhere) {
      expect(origin(plain, null), plain).not.toBeNull();
      expect(origin(model, provider), model).toBeNull();
    }
  });

  it('prices the models the catalog lists under another spelling of the same model', () => {
    expect(origin('open-mistral-nemo-2407', 'mistral')).toBe('mistral/mistral-nemo');
    expect(origin('pixtral-12b-2409', 'mistral')).toBe('mistral/pixtral-12b');
    expect(origin('mistral/mistral-small-2501', null)).toBe('mistral/mistral-small-24b-instruct-2501');
    expect(origin('open-mixtral-8x22b', 'mistral')).toBe('mistral/mixtral-8x22b-instruct');
    expect(origin('azure_ai/Phi-3.5-mini-instruct', 'azure_ai')).toBe('azure/phi-3.5-mini-128k-instruct');
    // A bare in-region Bedrock id at its geographic profiles' (regional) price, not the cheaper global one.
    expect(origin('amazon.nova-2-lite-v1:0', 'bedrock_converse')).toBe('aws/regional.amazon.nova-2-lite-v1:0');
    // Only those: another dated Mistral Small is not Mistral Small 3.
    expect(origin('mistral-small-2409', 'mistral')).not.toBe('mistral/mistral-small-24b-instruct-2501');
  });

  it('prices the provider-path names that used to go unpriced', () => {
    expect(origin('deepseek/deepseek-v3.2', 'openrouter')).toBe('openrouter/deepseek/deepseek-v3.2');
    expect(origin('fireworks_ai/accounts/fireworks/models/gpt-oss-120b', null)).toBe('fireworks/gpt-oss-120b');
    expect(origin('azure/eu/gpt-4o-2024-08-06', null)).toBe('azure/gpt-4o');
    expect(origin('vertex_ai/google/gemini-2.0-flash-001', null)).toBe('google/gemini-2.0-flash');
    expect(origin('bedrock/nvidia.nemotron-nano-9b-v2', null)).toBe('aws/nvidia.nemotron-nano-9b-v2:0');
    expect(origin('us.deepseek.r1-v1:0', 'bedrock')).toBe('aws/deepseek.r1-v1:0');
    expect(origin('regional.anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock')).toBe('aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0');
  });
});
