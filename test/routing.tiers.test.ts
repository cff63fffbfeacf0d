import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../src/config.js';
import { normalizePricingSettings, tierOf } from '../src/prices/settings.js';
import { normalizeRoutingPolicy } from '../src/routing/policy.js';

describe('one parser of "tiers" for the routing policy and the price analyses', () => {
  const pricing = (raw: Record<string, unknown>) => normalizePricingSettings(normalizeConfig(raw, 'rc.json'), {});
  const routing = (raw: Record<string, unknown>) => normalizeRoutingPolicy(raw, 'rc.json');

  it('reads the same tiers, in the same order, from both forms', () => {
    for (const tiers of [
      [{ name: ' simple ', models: 'gpt-4o-mini*' }, { name: 'hard', model: 'gpt-4o' }],
      { ' simple ': { models: ['gpt-4o-mini*'] }, hard: { model: 'gpt-4o' } },
    ]) {
      const settings = pricing({ tiers });
      expect(settings.tiers.map((t) => t.name)).toEqual(routing({ tiers }).tiers.map((t) => t.name));
      expect(settings.tiers.map((t) => t.name)).toEqual(['simple', 'hard']);
      expect(tierOf(settings.tiers, ['gpt-4o-mini-2024-07-18'])).toBe('simple');
      expect(tierOf(settings.tiers, ['GPT-4o'])).toBe('hard');
    }
  });

  const bad: [string, unknown, RegExp][] = [
    ['a repeated name', [{ name: 'a' }, { name: 'A' }], /^rc\.json: "tiers\[1\]" repeats the tier name "A"$/],
    ['a model that is not a string', { a: { models: ['x', 5] } }, /^rc\.json: "tiers\.a\.models" must be an array of model names or patterns/],
    ['a tier that is not an object', [{ name: 'a' }, 'b'], /^rc\.json: "tiers\[1\]" must be an object$/],
    ['an empty route', [{ name: 'a', route: ' ' }], /^rc\.json: "tiers\[0\]\.route" must be a non-empty string$/],
  ];
  it.each(bad)('refuses %s with the same message naming the field', (_name, tiers, message) => {
    expect(() => routing({ tiers })).toThrow(message);
    expect(() => pricing({ tiers })).toThrow(message);
  });
});
