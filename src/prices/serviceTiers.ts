/**
 * Service tiers: how a provider processed a call, and so how it bills it. `default` is the list price; `batch`
 * (OpenAI Batch API, Anthropic Message Batches, …), `flex` and `priority` are billed at other rates.
 *
 * The bundled genai-prices data has no batch, flex or priority rates (checked for 0.1.8: its price keys are token
 * kinds, requests and tool calls only; a few OpenRouter `:batch` routes are separate models). So the rates of the
 * other tiers come from the providers' own documentation, as a multiplier of every token kind's list rate (input,
 * cache reads, cache writes, output): the discount applies on top of prompt-caching discounts. A tier a provider
 * does not document here has no rate: its requests are unpriced unless their cost was logged, never priced at the
 * list price or at another provider's discount.
 */
export const SERVICE_TIERS = ['default', 'batch', 'flex', 'priority'] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];
export type OtherTier = Exclude<ServiceTier, 'default'>;

export interface TierRule {
  multiplier: number;
  /** Where the provider says so. */
  source: string;
}

/** By genai-prices provider id (the catalog's id of the model's provider). */
const DOCUMENTED: Readonly<Record<string, Partial<Record<OtherTier, TierRule>>>> = {
  openai: {
    // "50% cost discount compared to synchronous APIs"; Flex: "Tokens are priced at Batch API rates".
    batch: { multiplier: 0.5, source: 'https://platform.openai.com/docs/guides/batch' },
    flex: { multiplier: 0.5, source: 'https://platform.openai.com/docs/guides/flex-processing' },
  },
  anthropic: {
    // "All usage is charged at 50% of the standard API prices"; it stacks with prompt-caching prices.
    batch: { multiplier: 0.5, source: 'https://docs.anthropic.com/en/docs/build-with-claude/batch-processing#pricing' },
  },
  azure: {
    // Global Batch: "50% less cost than global standard"; Flex: "a 50% discount compared with Standard".
    batch: { multiplier: 0.5, source: 'https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch' },
    flex: { multiplier: 0.5, source: 'https://learn.microsoft.com/azure/ai-foundry/openai/how-to/flex-processing' },
  },
};

/** The documented multipliers of a provider's non-default tiers (empty when none is documented). */
export function tierRules(catalogProvider: string | null): Partial<Record<OtherTier, TierRule>> {
  return catalogProvider === null ? {} : DOCUMENTED[catalogProvider] ?? {};
}
