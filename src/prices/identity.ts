/**
 * Model identity: a logged model string → {provider, family, version, alias}. Pure, no catalog.
 *
 * Gateways log the same model many ways: `openai/gpt-4o-2024-08-06`, `bedrock/anthropic.claude-3-haiku-20240307-v1:0`,
 * `vertex_ai/claude-3-5-haiku@20241022`, `claude-3-5-haiku-latest`, OpenRouter's `anthropic/claude-3.5-haiku`.
 * Version drift needs the family (what the routing config means: `claude-3-haiku`) apart from the version (what the
 * provider served: `20240307`), so a new dated version shows up as a change of version within one family instead of
 * as an unrelated model, and two spellings of one model land in one family.
 *
 * Rules (in order):
 * 1. A known gateway prefix (`openai/`, `bedrock/`, `vertex_ai/`, `azure/`, `openrouter/`, `provider:`) names the
 *    provider; the outermost one wins (OpenRouter is who was paid for `openrouter/anthropic/…`). When the log names
 *    the provider (its provider column), that wins, and only a prefix naming that same provider is stripped:
 *    `deepseek/deepseek-v3.2` logged under `openrouter` is OpenRouter's own id. Segments that only route the call
 *    (`converse/`, Bedrock regions and commitments, Azure data zones `us/`, `eu/`, Vertex `projects/…/publishers/…/
 *    models/`, Google's `models/`) are dropped from the name; Fireworks' `accounts/fireworks/models/X` stays whole
 *    in the name (it is the id Fireworks bills under) and gives the family X.
 * 2. `[region.]vendor.model` ids (Bedrock's `us.anthropic.claude-…-v1:0`, `nvidia.*`, `openai.gpt-oss-20b-1:0`;
 *    Oracle's `oci/meta.llama-…` keeps provider oci) lose the vendor; a bare version after the vendor
 *    (`deepseek.v3.2`, `deepseek.r1`) keeps it as the family's head (`deepseek-v3.2`).
 * 3. A moving alias (`-latest`, `:latest`, `@latest`, Vertex's `@default`) is the alias, not a version; OpenRouter's
 *    variant tags (`:free`, `:beta`, `:thinking`, …) and Vertex's `-maas` are dropped from the family.
 * 4. Version suffixes are peeled off the end, repeatedly: `@20241022` (Vertex), `-v1:0` / `-1:0` (Bedrock),
 *    `-20240307`, `-2024-08-06`, `-251222` (yymmdd), `-08-2024`, `-05-06`, `-0125` / `-2407` (a real month-day or
 *    year-month only: `-8192` is a context size), `-001`, and `-1106-preview`. What is peeled is the version, as written.
 * 5. The family is lower-cased and put in one spelling per model line: Anthropic's dashes (`claude-3.5-sonnet` →
 *    `claude-3-5-sonnet`, `claude-opus-4.1` → `claude-opus-4-1`) and word order (`claude-4-sonnet` → `claude-sonnet-4`,
 *    `claude-sonnet-4-0` → `claude-sonnet-4`); dotted versions where the vendor writes dots (`gpt-35-turbo` →
 *    `gpt-3.5-turbo`, `glm-4-7` → `glm-4.7`, `deepseek-v3-2` → `deepseek-v3.2`, Fireworks' `v3p1` → `v3.1`, Bedrock's
 *    `llama3-1-8b` and Together's `meta-llama-3.1-8b` → `llama-3.1-8b`, `jamba-1-5` → `jamba-1.5`, `qwen-2.5` →
 *    `qwen2.5`); OpenAI's dated GPT-4 previews (`gpt-4-1106-preview`, `gpt-4-0125-preview`) are family
 *    `gpt-4-turbo`, which they are.
 * 6. The provider is inferred from the family when nothing named it (`gpt-*` → openai, `claude-*` → anthropic, …),
 *    else null.
 */
export interface ModelIdentity {
  /** Who served (and billed) the call: the logged provider, a gateway prefix, a Bedrock/Vertex form, or inferred; null when unknown. */
  provider: string | null;
  /** The model line without provider, version or alias, lower-case: `claude-3-haiku`, `gpt-4o-mini`. */
  family: string;
  /** The dated or numbered release, as written: `20240307`, `2024-08-06`, `0125`, `20240307-v1:0`; null when none. */
  version: string | null;
  /** A moving alias the provider resolves itself (`latest`, `default`); null when the string names a fixed model. */
  alias: string | null;
  /** The id without the gateway prefix and routing segments, as the provider's own catalog names it
   *  (`anthropic.claude-3-haiku-20240307-v1:0`, `anthropic/claude-3.5-sonnet` at OpenRouter, `accounts/fireworks/models/x`). */
  name: string;
}

/** Gateway prefixes and logged provider names (LiteLLM's `custom_llm_provider`, OTel's `gen_ai.system`) → the provider name used here. */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  openai: 'openai', 'text-completion-openai': 'openai', azure: 'azure', azure_openai: 'azure', 'azure.ai.openai': 'azure',
  azure_ai: 'azure_ai', 'az.ai.inference': 'azure_ai', 'azure.ai.inference': 'azure_ai',
  anthropic: 'anthropic', bedrock: 'bedrock', bedrock_converse: 'bedrock', aws: 'bedrock', 'aws.bedrock': 'bedrock', 'amazon-bedrock': 'bedrock',
  vertex_ai: 'vertex_ai', vertex_ai_beta: 'vertex_ai', vertex: 'vertex_ai', 'gcp.vertex_ai': 'vertex_ai', 'google-vertex': 'vertex_ai',
  gemini: 'google', google: 'google', 'gcp.gemini': 'google', 'gcp.gen_ai': 'google',
  mistral: 'mistral', mistralai: 'mistral', codestral: 'mistral', 'mistral_ai': 'mistral',
  cohere: 'cohere', cohere_chat: 'cohere', deepseek: 'deepseek', xai: 'xai', 'x-ai': 'xai', 'x_ai': 'xai',
  groq: 'groq', together_ai: 'together', together: 'together', 'together-ai': 'together', fireworks_ai: 'fireworks', fireworks: 'fireworks',
  openrouter: 'openrouter', ollama: 'ollama', ollama_chat: 'ollama', huggingface: 'huggingface', perplexity: 'perplexity',
  cerebras: 'cerebras', replicate: 'replicate', sagemaker: 'sagemaker', sagemaker_chat: 'sagemaker', databricks: 'databricks',
  watsonx: 'watsonx', 'ibm.watsonx.ai': 'watsonx', nvidia_nim: 'nvidia_nim', novita: 'novita', moonshot: 'moonshotai', moonshotai: 'moonshotai',
  deepinfra: 'deepinfra', anyscale: 'anyscale', sambanova: 'sambanova', oci: 'oci', nscale: 'nscale', hyperbolic: 'hyperbolic',
  nebius: 'nebius', lambda_ai: 'lambda_ai', featherless_ai: 'featherless_ai', dashscope: 'dashscope', volcengine: 'volcengine',
  zai: 'zai', zhipuai: 'zhipuai', minimax: 'minimax', github_copilot: 'github_copilot', vercel_ai_gateway: 'vercel_ai_gateway',
  cloudflare: 'cloudflare', voyage: 'voyage', baseten: 'baseten', ovhcloud: 'ovhcloud', ai21: 'ai21', friendliai: 'friendliai',
  snowflake: 'snowflake', heroku: 'heroku', gradient_ai: 'gradient_ai', wandb: 'wandb', cursor: 'cursor',
};

/** Logged provider names that say which software logged the call, not who served it. */
const GATEWAY_ONLY = new Set(['litellm', 'litellm_proxy', 'hosted_vllm', 'custom', 'custom_openai', 'openai_like', 'openai-compatible']);

/** The provider name used here for a logged or prefixed provider; unknown names are kept, lower-cased. Null for none. */
export function normalizeProvider(name: string | null | undefined): string | null {
  const p = name?.trim().toLowerCase() ?? '';
  if (p === '' || GATEWAY_ONLY.has(p)) return null;
  return PROVIDER_ALIASES[p] ?? p;
}

/** `[region.]vendor.model` as Bedrock names foundation models and cross-region inference profiles (and OCI its models). */
const VENDOR_DOT_ID =
  /^(?:(?:us|eu|apac|global|regional|us-gov|ca|jp|au|in|sa|mx)\.)?(anthropic|meta|amazon|cohere|mistral|ai21|deepseek|writer|qwen|openai|twelvelabs|stability|nvidia|google|moonshot|moonshotai|minimax|zai|xai|luma)\.(.+)$/i;

/** Bedrock path segments between the provider and the id: regions (`us-east-1`) and provisioned commitments. */
const BEDROCK_ROUTE = /^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|\*|\d+-months?-commitment)$/i;
/** Azure data zones and deployment types written as a path segment (`azure/us/gpt-4o`, `azure/global-standard/…`). */
const AZURE_ZONE = /^(?:us|eu|global|global-standard|data-zone|datazone|regional)$/i;
/** Segments that carry no identity before a model id. */
const FILLER_SEGMENTS = new Set(['converse', 'invoke', 'models']);
/** OpenRouter variant tags: the same model at another price or setting, not another model line. */
const VARIANT_TAG = /:(?:free|beta|thinking|extended|nitro|floor|online|exacto)$/i;

/** Families whose vendor sells them directly, for strings that carry no provider. */
const INFERRED: readonly [RegExp, string][] = [
  [/^(gpt-|chatgpt-|o\d(-|$)|text-embedding-|text-davinci|davinci|babbage|whisper|dall-e|tts-|omni-moderation|codex-)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^(gemini-|gemma-|learnlm-)/, 'google'],
  [/^(mistral-|mixtral-|codestral|ministral-|pixtral-|open-mistral|open-mixtral|magistral-|devstral-|voxtral-)/, 'mistral'],
  [/^(command-|command$|embed-english|embed-multilingual|c4ai-)/, 'cohere'],
  [/^deepseek-/, 'deepseek'],
  [/^grok-/, 'xai'],
  [/^(kimi-|moonshot-)/, 'moonshotai'],
  [/^glm-/, 'zhipuai'],
  [/^minimax-/, 'minimax'],
];

/** One spelling per model line (rule 5), applied to the lower-cased family in order. */
const CANONICAL: readonly [RegExp, string][] = [
  // Azure's name for GPT-3.5
  [/^gpt-35(?=-|$)/, 'gpt-3.5'],
  // Vendors that write dots where some hosts write dashes (Volcengine's `glm-4-7`, Azure's `gpt-5-1`)
  [/^(glm-\d)-(\d)(?=-|$)/, '$1.$2'],
  [/^(deepseek-v\d)-(\d)(?=-|$)/, '$1.$2'],
  [/^(gpt-[5-9])-(\d)(?=-|$)/, '$1.$2'],
  [/^(kimi-k\d)-(\d)(?=-|$)/, '$1.$2'],
  // Meta's Llama as Meta writes it: Together's and Azure's `Meta-Llama-3.1-…`, Bedrock's `llama3-1-…`, Groq's
  // `llama3-70b-…` and Cerebras' `llama3.1-8b` are `llama-3.1-…`, `llama-3-70b-…`
  [/^meta-llama-/, 'llama-'],
  [/^llama(\d+)[.-](\d)(?=-|$)/, 'llama-$1.$2'],
  [/^llama(\d+)(?=-|$)/, 'llama-$1'],
  // AI21's Jamba 1.5 (Bedrock's `jamba-1-5-large`)
  [/^(jamba)-(\d)-(\d)(?=-|$)/, '$1-$2.$3'],
  // Qwen writes its generation without a dash (`Qwen2.5-72B-Instruct`, `Qwen3-32B`; OpenRouter's `qwen-2.5-…`)
  [/^qwen-(\d)/, 'qwen$1'],
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

interface SuffixContext {
  /** A `vendor.model` id (Bedrock, OCI): `-v1`, `-1:0` and `:0` are versions there. */
  vendorForm: boolean;
  /** The vendor keeps a bare `-vN` in its model names (`nvidia.nemotron-nano-9b-v2`). */
  keepsV: boolean;
  /** After a Vertex `@date`: `-v2@20241022`'s `-v2` is part of the version. */
  afterAt: boolean;
}

/** One version suffix at the end of `s`, as [suffix including its separator] or null. */
function versionSuffix(s: string, c: SuffixContext): string | null {
  let m: RegExpExecArray | null;
  if ((m = /@[^@/]+$/.exec(s))) return m[0];
  if (c.vendorForm && c.keepsV && (m = /:\d+$/.exec(s))) return m[0];
  if ((m = /-v\d+:\d+$/i.exec(s))) return m[0];
  if (c.vendorForm && (m = /-\d+:\d+$/.exec(s))) return m[0];
  // A bare -vN is a version only in vendor-form ids (`titan-text-express-v1`) or before a Vertex @date
  // (`claude-3-5-sonnet-v2@20241022`); elsewhere (`deepseek-v3`) it is part of the model's name.
  if (((c.vendorForm && !c.keepsV) || c.afterAt) && (m = /-v\d+$/i.exec(s))) return m[0];
  if ((m = /-(\d{4})-(\d{2})-(\d{2})$/.exec(s)) && validDate(+m[1]!, +m[2]!, +m[3]!)) return m[0];
  if ((m = /-(\d{4})(\d{2})(\d{2})$/.exec(s)) && validDate(+m[1]!, +m[2]!, +m[3]!)) return m[0];
  // yymmdd from 2023 on (Volcengine Ark's `glm-4-7-251222`, `doubao-seed-1-6-250615`)
  if ((m = /-(\d{2})(\d{2})(\d{2})$/.exec(s)) && +m[1]! >= 23 && +m[1]! <= 39 && validDate(2000 + +m[1]!, +m[2]!, +m[3]!)) return m[0];
  if ((m = /-(\d{2})-(\d{4})$/.exec(s)) && +m[1]! >= 1 && +m[1]! <= 12 && +m[2]! >= 2020) return m[0];
  if ((m = /-(\d{2})-(\d{2})$/.exec(s)) && validDate(2024, +m[1]!, +m[2]!)) return m[0];
  if ((m = /-(\d{4})(-preview)?$/i.exec(s)) && isShortStamp(m[1]!)) return m[0];
  if ((m = /-(0\d\d)$/.exec(s))) return m[0];
  return null;
}

/** Claude's one spelling: dashes for 3.x and later, tier after the number for 3.x, before it from 4 on, no `-0` minor. */
function canonicalClaude(family: string): string {
  const m = /^claude-(?:(haiku|sonnet|opus|fable)-(\d+)(?:[.-](\d))?|(\d+)(?:[.-](\d))?-(haiku|sonnet|opus|fable))(-.+)?$/.exec(family);
  if (!m) return family;
  const tier = (m[1] ?? m[6])!;
  const major = Number(m[2] ?? m[4]);
  let minor = m[3] ?? m[5] ?? null;
  const rest = m[7] ?? '';
  if (major < 3) return family;
  if (major >= 4 && minor === '0') minor = null;
  const number = minor === null ? `${major}` : `${major}-${minor}`;
  return major === 3 ? `claude-${number}-${tier}${rest}` : `claude-${tier}-${number}${rest}`;
}

function canonicalFamily(family: string, version: string | null, provider: string | null): { family: string; alias?: string } {
  let f = family;
  if (provider === 'fireworks') f = f.replace(/(\d)p(\d)/g, '$1.$2');
  for (const [re, to] of CANONICAL) f = f.replace(re, to);
  if (f.startsWith('claude-')) f = canonicalClaude(f);
  // Bedrock's Claude 2 ids (`anthropic.claude-v2:1`) carry the generation only in the version
  if (f === 'claude' && version !== null && /^v\d/.test(version)) f = `claude-${version.slice(1, 2)}`;
  // OpenAI's dated GPT-4 previews are GPT-4 Turbo (a third of GPT-4's price); the undated one is its moving alias.
  if (f === 'gpt-4' && version !== null && /^\d{4}-preview$/i.test(version)) f = 'gpt-4-turbo';
  if (f === 'gpt-4-turbo-preview') return { family: 'gpt-4-turbo', alias: 'preview' };
  return { family: f };
}

/**
 * Parses a model as logged. `loggedProvider` is the log's own provider column when it has one (it names who
 * served the call better than any prefix); without it the prefix or the id's form decides.
 */
export function parseModel(logged: string, loggedProvider?: string | null): ModelIdentity {
  const text = logged.trim();
  if (text === '') return { provider: normalizeProvider(loggedProvider), family: '', version: null, alias: null, name: '' };

  // OpenAI fine-tunes: ft:<base>:<org>:<suffix>:<id>. Same family as the base; the tune is part of the version.
  const ft = /^ft:([^:]+):(.*)$/.exec(text);
  if (ft) {
    const base = parseModel(ft[1]!, loggedProvider);
    const tune = `ft:${ft[2]!}`;
    return { ...base, version: base.version ? `${base.version}+${tune}` : tune, name: text };
  }

  const logProvider = normalizeProvider(loggedProvider);
  let provider: string | null = logProvider;
  let name = text;
  // Bedrock inference-profile and foundation-model ARNs: the id is after the last '/'.
  const arn = /^arn:aws[\w-]*:bedrock:[^:]*:[^:]*:[\w-]+\/(.+)$/i.exec(name);
  if (arn) {
    provider ??= 'bedrock';
    name = arn[1]!;
  }
  // `provider:model` (genai-prices' CLI form) only when the part before ':' is a known provider
  // (`llama3:8b` is an Ollama tag, not a provider).
  const colon = /^([a-z_-]+):(?!\d)(.+)$/i.exec(name);
  if (colon && PROVIDER_ALIASES[colon[1]!.toLowerCase()] && !name.includes('/')) {
    const p = PROVIDER_ALIASES[colon[1]!.toLowerCase()]!;
    if (provider === null || provider === p) {
      provider = p;
      name = colon[2]!;
    }
  }

  let segments = name.split('/');
  let prefixed = false;
  // Only the outermost provider is stripped from the name: `anthropic/claude-3.5-sonnet` is OpenRouter's own id.
  while (segments.length > 1) {
    const head = segments[0]!.toLowerCase();
    const known = PROVIDER_ALIASES[head] ?? (GATEWAY_ONLY.has(head) ? 'gateway' : undefined);
    if (known === 'gateway' && !prefixed) {
      segments = segments.slice(1);
    } else if (known && !prefixed && (provider === null || provider === known || logProvider === null)) {
      provider = logProvider ?? known;
      prefixed = true;
      segments = segments.slice(1);
    } else if (FILLER_SEGMENTS.has(head) && segments.length > 1) {
      segments = segments.slice(1);
    } else if (head === 'projects' && segments.length > 2) {
      // Vertex resource names: projects/P/locations/L/publishers/V/models/M
      segments = segments.slice(2);
    } else if (head === 'locations' && segments.length > 2) {
      segments = segments.slice(2);
    } else if (head === 'publishers' && segments.length > 2) {
      provider ??= 'vertex_ai';
      segments = segments.slice(2);
    } else if (provider === 'bedrock' && BEDROCK_ROUTE.test(head)) {
      segments = segments.slice(1);
    } else if ((provider === 'azure' || provider === 'azure_ai') && AZURE_ZONE.test(head)) {
      segments = segments.slice(1);
    } else break;
  }
  // Fireworks bills under the whole account path; the last segment is the model.
  const fireworks = /^accounts\/[^/]+\/(?:models|routers|deployedmodels)\/[^/]+$/i.test(segments.join('/'));
  if (fireworks) provider ??= 'fireworks';
  name = segments.join('/');

  let base = segments[segments.length - 1]!;
  let vendorForm = false;
  let keepsV = false;
  // The shortest family peeling may leave: `deepseek.v3-v1:0` keeps `deepseek-v3`, not `deepseek`.
  let keep = 1;
  const vendor = provider === null || provider === 'bedrock' || provider === 'oci' ? VENDOR_DOT_ID.exec(base) : null;
  if (vendor) {
    provider ??= 'bedrock';
    vendorForm = true;
    const v = vendor[1]!.toLowerCase();
    keepsV = v === 'nvidia';
    // `deepseek.v3.2`, `deepseek.r1-v1:0`: the vendor's name is the head of the model's
    const bare = /^[vr]\d+/i.exec(vendor[2]!);
    base = bare ? `${v}-${vendor[2]!}` : vendor[2]!;
    if (bare) keep = v.length + 1 + bare[0].length;
  }

  let alias: string | null = null;
  base = base.replace(VARIANT_TAG, '');
  // Vertex's Model-as-a-Service marker (`llama-3.1-405b-instruct-maas`): how it is deployed, not which model it is.
  if (provider === null || provider === 'vertex_ai') base = base.replace(/-maas$/i, '');
  const aliasMatch = /(?:[-:@]latest|@default)$/i.exec(base);
  if (aliasMatch) {
    alias = aliasMatch[0].slice(1).toLowerCase();
    base = base.slice(0, aliasMatch.index);
  }

  let family = base;
  // `claude-3-5-sonnet-v2@default` is versioned like `…-v2@20241022`
  let afterAt = aliasMatch?.[0].startsWith('@') ?? false;
  for (;;) {
    const suffix = versionSuffix(family, { vendorForm, keepsV, afterAt });
    // Never peel the whole name: `o1-2024-12-17` keeps `o1`.
    if (!suffix || family.length - suffix.length < keep) break;
    if (suffix.startsWith('@')) {
      afterAt = true;
      provider ??= /^claude-/i.test(family) ? 'vertex_ai' : null;
    }
    family = family.slice(0, family.length - suffix.length);
  }
  const peeled = family.length < base.length ? base.slice(family.length + 1) : null;
  const version = peeled === '' ? null : peeled;
  const canonical = canonicalFamily(family.toLowerCase(), version, provider);
  family = canonical.family;
  alias ??= canonical.alias ?? null;
  if (provider === null) provider = INFERRED.find(([re]) => re.test(family))?.[1] ?? null;
  return { provider, family, version, alias, name };
}
