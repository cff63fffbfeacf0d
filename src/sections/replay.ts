import { replay, type ReplayResult } from '../classify/replay.js';
import { createClassifier } from '../classify/select.js';
import { DEFAULT_TIERS } from '../classify/types.js';
import type { Block } from '../render/blocks.js';
import { int } from '../render/format.js';
import { tierOfLabel, type RoutingPolicy } from '../routing/policy.js';
import type { Database } from '../db/database.js';
import type { RunSettings } from '../settings.js';
import type { RunEffects, Section } from './section.js';
import { plural } from '../words.js';

/** How the tiers a classifier may answer with are checked: the policy's tiers, else simple/medium/hard. */
export function tierResolver(policy: Pick<RoutingPolicy, 'tiers'>): { resolveTier: (label: string) => string | null; tierNames: string } {
  if (policy.tiers.length > 0) {
    return { resolveTier: (label) => tierOfLabel(policy, label)?.name ?? null, tierNames: policy.tiers.map((t) => t.name).join(', ') };
  }
  const names: readonly string[] = DEFAULT_TIERS;
  return {
    resolveTier: (label) => {
      const text = label.trim().toLowerCase();
      return names.find((t) => text === t || (text.startsWith(t) && /^[^a-z0-9]/.test(text.slice(t.length)))) ?? null;
    },
    tierNames: names.join(', '),
  };
}

/**
 * `--classifier KIND[:ARG]`: replays the window's distinct inputs through a classifier before the deviation
 * section runs, leaving rc_ideal_replay(input, tier) for it. Without the flag the section does nothing.
 */
export const replaySection: Section = {
  name: 'replay',
  async build(ctx) {
    const result = await replayWindow(ctx.db, ctx.params, ctx.settings, ctx.effects);
    return result ? { replay: result } : {};
  },
  blocks(report) {
    return replayBlocks(report.replay);
  },
};

/**
 * Replays the window's inputs through the `--classifier` of the settings (null without one). The report's replay
 * section and `export` both call it: it needs the window, the settings and the effects, nothing of the report.
 */
export async function replayWindow(
  db: Database,
  params: { from: string | null; to: string | null },
  settings: Pick<RunSettings, 'classifier' | 'routing' | 'embedder'>,
  effects: RunEffects,
): Promise<ReplayResult | null> {
  const spec = settings.classifier;
  if (spec === null) return null;
  const tiers = tierResolver(settings.routing);
  const classifier = await createClassifier(spec, { embedder: settings.embedder });
  const progress = effects.progress(`replay through ${spec.kind}:`, { minTotal: 500 });
  let result: ReplayResult;
  try {
    result = await replay(db, classifier, { params, ...tiers, progress: progress.update });
  } finally {
    progress.done();
    await classifier.close?.();
  }
  const failed = Object.values(result.errors).reduce((s, n) => s + n, 0);
  if (failed > 0) effects.log(`replay: ${plural(failed, 'input')} got no answer from ${result.classifier} (${describeErrors(result.errors)}); they have no replayed ideal tier`);
  return result;
}

/** Pure: the replay part of the report → blocks (a heading, a key/value table, a note when inputs failed). */
export function replayBlocks(r: ReplayResult | undefined): Block[] {
  if (!r) return [];
  const failed = Object.values(r.errors).reduce((s, n) => s + n, 0);
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Replay', detail: '(ideal tiers from a classifier)' },
    {
      kind: 'kv',
      id: 'replay',
      rows: [
        ['classifier', r.classifier, ''],
        ['distinct inputs', { text: int(r.inputs), value: r.inputs }, 'after normalization (case, spacing, end punctuation)'],
        ['answered from the cache', { text: int(r.cached), value: r.cached }, 'replay_results, by classifier id'],
        ['classified now', { text: int(r.classified), value: r.classified }, ''],
        ['without an answer', { text: int(failed), value: failed, ...(failed > 0 ? { tone: 'warn' as const } : {}) }, failed > 0 ? describeErrors(r.errors) : ''],
        ['requests with a replayed tier', { text: int(r.requests), value: r.requests }, ''],
      ],
      fit: { flex: 2, wrap: true, maxLines: 2 },
    },
  ];
  if (r.inputs === 0) {
    blocks.push({ kind: 'note', level: 'warn', text: 'no request in the window has input text (`input`, or a chat `messages` array): nothing to replay.' });
  }
  if (failed > 0) {
    blocks.push({
      kind: 'note',
      level: 'warn',
      text: `${plural(failed, 'input')} got no answer (${describeErrors(r.errors)}): they have no replayed ideal tier, and the next run asks again. First error: ${r.error_examples[0] ?? '—'}`,
    });
  }
  return blocks;
}

const ERROR_WORDS: Record<string, string> = {
  timeout: 'timed out',
  http: 'HTTP error',
  network: 'connection failed',
  bad_response: 'malformed answer',
  unknown_tier: 'not a tier',
  failed: 'classifier failed',
};

function describeErrors(errors: Record<string, number>): string {
  return Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${ERROR_WORDS[kind] ?? kind} ${int(n)}`)
    .join(', ');
}
