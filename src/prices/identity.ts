/**
 * Model identity: a logged model string → {provider, family, version, alias}. Pure, no catalog.
 *
 * Gateways log the same model many ways: `openai/gpt-4o-2024-08-06`, `bedrock/anthropic.claude-3-haiku-20240307-v1:0`,
 * `vertex_ai/claude-3-5-haiku@20241022`, `claude-3-5-haiku-latest`. Version drift needs the family (what the
 * routing config means: `claude-3-haiku`) apart from the version (what the provider served: `20240307`), so a
 * new dated version shows up as a change of version within one family instead of as an unrelated model.
 *
 * Rules (in order):
 * 1. A known gateway prefix (`openai/`, `bedrock/`, `vertex_ai/`, `azure/`, `openrouter/`, `provider:`) names the
 *    provider; the outermost one wins (OpenRouter is who was paid for `openrouter/anthropic/…`). Other path
 *    segments (`models/`, `Qwen/`) are dropped from the family.
 * 2. Bedrock ids (`[us.]anthropic.claude-…-v1:0`) name provider `bedrock` and lose the vendor prefix.
 * 3. A moving alias (`-latest`, `:latest`, `@latest`) is the alias, not a version.
 * 4. Version suffixes are peeled off the end, repeatedly: `@20241022` (Vertex), `-v1:0` (Bedrock), `-20240307`,
 *    `-2024-08-06`, `-08-2024`, `-05-06`, `-0125` / `-2407` (a real month-day or year-month only: `-8192` is a
 *    context size), `-001`, and `-1106-preview`. What is peeled is the version, as written.
 * 5. The family is lower-cased (logs disagree on case); provider is inferred from the family when no prefix
 *    said it (`gpt-*` → openai, `claude-*` → anthropic, …), else null.
 */
export interface ModelIdentity {
  /** Who served (and billed) the call: a gateway prefix, a Bedrock/Vertex form, or inferred; null when unknown. */
  provider: string | null;
  /** The model line without provider, version or alias, lower-case: `claude-3-haiku`, `gpt-4o-mini`. */
  family: string;
  /** The dated or numbered release, as written: `20240307`, `2024-08-06`, `0125`, `20240307-v1:0`; null when none. */
  version: string | null;
  /** A moving alias the provider resolves itself (`latest`); null when the string names a fixed model. */
  alias: string | null;
  /** The id without the gateway prefix, as a provider's own catalog names it (`anthropic.claude-3-haiku-20240307-v1:0`). */
  name: string;
}

/** Gateway prefixes (LiteLLM's `custom_llm_provider` names and common spellings) → the provider name used here. */
const PROVIDER_PREFIXES: Readonly<Record<string, string>> = {
  openai: 'openai', 'text-completion-openai': 'openai', azure: 'azure', azure_ai: 'azure_ai', azure_openai: 'azure',
  anthropic: 'anthropic', bedrock: 'bedrock', bedrock_converse: 'bedrock', vertex_ai: 'vertex_ai', vertex_ai_beta: 'vertex_ai',
  vertex: 'vertex_ai', gemini: 'google', google: 'google', mistral: 'mistral', codestral: 'mistral', cohere: 'cohere',
  cohere_chat: 'cohere', deepseek: 'deepseek', xai: 'xai', 'x-ai': 'xai', groq: 'groq', together_ai: 'together',
  together: 'together', fireworks_ai: 'fireworks', fireworks: 'fireworks', openrouter: 'openrouter', ollama: 'ollama',
  ollama_chat: 'ollama', huggingface: 'huggingface', perplexity: 'perplexity', cerebras: 'cerebras', replicate: 'replicate',
  sagemaker: 'sagemaker', databricks: 'databricks', watsonx: 'watsonx', nvidia_nim: 'nvidia_nim', novita: 'novita',
  moonshot: 'moonshotai', moonshotai: 'moonshotai', deepinfra: 'deepinfra', anyscale: 'anyscale', sambanova: 'sambanova',
};

/** Path segments that carry no identity (`bedrock/converse/…`, Google's `models/…`, Fireworks' `accounts/x/models/…`). */
const FILLER_SEGMENTS = new Set(['converse', 'invoke', 'models', 'accounts', 'publishers']);

/** `[region.]vendor.model` as Bedrock names foundation models and cross-region inference profiles. */
const BEDROCK_ID = /^(?:(?:us|eu|apac|global|us-gov|ca|jp|au)\.)?(anthropic|meta|amazon|cohere|mistral|ai21|deepseek|writer|qwen|openai|twelvelabs|stability)\.(.+)$/i;

/** Families whose vendor sells them directly, for strings that carry no provider. */
const INFERRED: readonly [RegExp, string][] = [
  [/^(gpt-|chatgpt-|o\d(-|$)|text-embedding-|text-davinci|davinci|babbage|whisper|dall-e|tts-|omni-moderation|codex-)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^(gemini-|gemma-|learnlm-)/, 'google'],
  [/^(mistral-|mixtral-|codestral|ministral-|pixtral-|open-mistral|open-mixtral|magistral-|devstral-)/, 'mistral'],
  [/^(command-|command$|embed-english|embed-multilingual|c4ai-)/, 'cohere'],
  [/^deepseek-/, 'deepseek'],
  [/^grok-/, 'xai'],
];

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** 4 digits that read as a month-day (`0125`, `1106`) or a year-month from 2023 on (`2407`, `2501`). */
function isShortStamp(digits: string): boolean {
  const a = Number(digits.slice(0, 2));
  const b = Number(digits.slice(2));
  return (a >= 1 && a <= 12 && b >= 1 && b <= 31) || (a >= 23 && a <= 39 && b >= 1 && b <= 12);
}

/** One version suffix at the end of `s`, as [suffix including its separator] or null. */
function versionSuffix(s: string, bedrockForm: boolean, afterAt: boolean): string | null {
  let m: RegExpExecArray | null;
  if ((m = /@[^@/]+$/.exec(s))) return m[0];
  if ((m = /-v\d+:\d+$/i.exec(s))) return m[0];
  // A bare -vN is a version only in Bedrock ids (`titan-text-express-v1`) or before a Vertex @date
  // (`claude-3-5-sonnet-v2@20241022`); elsewhere (`deepseek-v3`) it is part of the model's name.
  if ((bedrockForm || afterAt) && (m = /-v\d+$/i.exec(s))) return m[0];
  if ((m = /-(\d{4})-(\d{2})-(\d{2})$/.exec(s)) && validDate(+m[1]!, +m[2]!, +m[3]!)) return m[0];
  if ((m = /-(\d{4})(\d{2})(\d{2})$/.exec(s)) && validDate(+m[1]!, +m[2]!, +m[3]!)) return m[0];
  if ((m = /-(\d{2})-(\d{4})$/.exec(s)) && +m[1]! >= 1 && +m[1]! <= 12 && +m[2]! >= 2020) return m[0];
  if ((m = /-(\d{2})-(\d{2})$/.exec(s)) && validDate(2024, +m[1]!, +m[2]!)) return m[0];
  if ((m = /-(\d{4})(-preview)?$/i.exec(s)) && isShortStamp(m[1]!)) return m[0];
  if ((m = /-(0\d\d)$/.exec(s))) return m[0];
  return null;
}

export function parseModel(logged: string): ModelIdentity {
  const text = logged.trim();
  if (text === '') return { provider: null, family: '', version: null, alias: null, name: '' };

  // OpenAI fine-tunes: ft:<base>:<org>:<suffix>:<id>. Same family as the base; the tune is part of the version.
  const ft = /^ft:([^:]+):(.*)$/.exec(text);
  if (ft) {
    const base = parseModel(ft[1]!);
    const tune = `ft:${ft[2]!}`;
    return { ...base, provider: base.provider, version: base.version ? `${base.version}+${tune}` : tune, name: text };
  }

  let provider: string | null = null;
  let name = text;
  // `provider:model` (genai-prices' CLI form) only when the part before ':' is a known provider
  // (`llama3:8b` is an Ollama tag, not a provider).
  const colon = /^([a-z_-]+):(?!\d)(.+)$/i.exec(name);
  if (colon && PROVIDER_PREFIXES[colon[1]!.toLowerCase()] && !name.includes('/')) {
    provider = PROVIDER_PREFIXES[colon[1]!.toLowerCase()]!;
    name = colon[2]!;
  }
  const segments = name.split('/');
  // Only the outermost provider is stripped from the name: `anthropic/claude-3.5-sonnet` is OpenRouter's own id.
  while (segments.length > 1) {
    const head = segments[0]!.toLowerCase();
    const known = PROVIDER_PREFIXES[head];
    if (known && provider === null) {
      provider = known;
      segments.shift();
    } else if (FILLER_SEGMENTS.has(head)) {
      segments.shift();
    } else break;
  }
  name = segments.join('/');

  let base = segments[segments.length - 1]!;
  const bedrock = BEDROCK_ID.exec(base);
  if (bedrock) {
    provider ??= 'bedrock';
    base = bedrock[2]!;
  }

  let alias: string | null = null;
  const aliasMatch = /[-:@]latest$/i.exec(base);
  if (aliasMatch) {
    alias = 'latest';
    base = base.slice(0, aliasMatch.index);
  }

  let family = base;
  let afterAt = false;
  for (;;) {
    const suffix = versionSuffix(family, bedrock !== null, afterAt);
    // Never peel the whole name: `o1-2024-12-17` keeps `o1`.
    if (!suffix || suffix.length >= family.length) break;
    if (suffix.startsWith('@')) {
      afterAt = true;
      provider ??= /^claude-/i.test(family) ? 'vertex_ai' : null;
    }
    family = family.slice(0, family.length - suffix.length);
  }
  const version = family.length < base.length ? base.slice(family.length + 1) : null;
  family = family.toLowerCase();
  if (provider === null) provider = INFERRED.find(([re]) => re.test(family))?.[1] ?? null;
  return { provider, family, version: version === '' ? null : version, alias, name };
}
