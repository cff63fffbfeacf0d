import { DILUTION_WARNING, runCache, type Cache, type CacheResult, type TtlSource } from '../analyses/cache.js';
import { clusterInputs } from '../embed/pipeline.js';
import { createEmbedder } from '../embed/select.js';
import { cell, heading, info, warn, type Block, type Cell } from '../render/blocks.js';
import { duration, int, pct, usd } from '../render/format.js';
import type { Section } from './section.js';
import { markWindowWeeks } from '../analyses/headline.js';
import { weekShift } from '../analyses/weeks.js';
import { plural } from '../words.js';

/**
 * Cache dilution: the analysis (analyses/cache.ts, with the embed-and-cluster pipeline of embed/pipeline.ts) and
 * its blocks. CSV gets the fractions back through each cell's value.
 */
export const cacheSection: Section = {
  name: 'cache',
  async build(ctx) {
    await ctx.shared.pricing(); // lost savings read rc_costed
    const cache = await runCache(
      ctx.db,
      ctx.params,
      {
        settings: ctx.settings.cache,
        embedder: () => createEmbedder(ctx.settings.embedder),
        cluster: (db, scope, embed) =>
          clusterInputs(db, scope, { ...embed, progress: ctx.effects.progress(`cache: embedding with ${embed.embedder.id}`) }),
        log: ctx.effects.log,
        ...(ctx.effects.timing ? { timing: ctx.effects.timing } : {}),
      },
      { ...ctx.trendParams, weekShift: weekShift(ctx.settings.pricing.weekStart) },
    );
    if (!cache.available) return { cache };
    return { cache: { ...cache, by_week: markWindowWeeks(cache.by_week, ctx.window) } };
  },
  blocks(report) {
    return report.cache ? cacheBlocks(report.cache) : [];
  },
};

const TTL_SOURCE: Record<TtlSource, string> = {
  flag: 'from --cache-ttl',
  config: 'from the config',
  inferred: 'inferred from the log',
  default: 'the default: no logged hits to infer it from',
};

const rate = (x: number | null): Cell => (x === null ? cell('—', null) : cell(pct(x), x));

/** Model names without their date versions, one per line, at most three ("claude-3-5-haiku", "gpt-4o", +1 more). */
function shortModels(models: string[]): string {
  const names = [...new Set(models.map((m) => m.replace(/-\d{4}-?\d{2}-?\d{2}$/, '')))];
  const shown = names.slice(0, 3);
  if (names.length > 3) shown.push(`+${names.length - 3} more`);
  return shown.join('\n') || '—';
}

export function cacheBlocks(cache: Cache): Block[] {
  const blocks: Block[] = [heading('Cache dilution')];
  if (!cache.available) return [...blocks, warn(`not available: ${cache.reason}`)];
  const s = cache.simulated;
  blocks.push(
    info(`clusters: ${cache.embedder} at cosine similarity ≥ ${cache.threshold} (${cache.embedder_note})`),
    info(`replay TTL ${duration(s.ttl_seconds)} (${TTL_SOURCE[s.ttl_source]}); ${plural(cache.requests, 'request')} analysed`),
  );

  const rows: Cell[][] = [];
  if (cache.entries !== null) rows.push(['cache entries (distinct cache_key)', cell(int(cache.entries), cache.entries), '']);
  rows.push(['distinct inputs (normalized)', cell(int(cache.distinct_inputs), cache.distinct_inputs), '']);
  rows.push(['semantic clusters', cell(int(cache.semantic_clusters), cache.semantic_clusters), '']);
  if (cache.dilution_factor !== null) {
    rows.push([
      'dilution factor (entries / clusters)',
      cell(cache.dilution_factor.toFixed(2), cache.dilution_factor, cache.dilution_warning ? 'fail' : 'ok'),
      cache.dilution_warning ? `above ${DILUTION_WARNING}` : `1.0 is ideal, above ${DILUTION_WARNING} a warning`,
    ]);
  }
  if (cache.exact_dilution_factor !== null) {
    rows.push(['exact dilution (entries / distinct inputs)', cell(cache.exact_dilution_factor.toFixed(2), cache.exact_dilution_factor), '']);
  }
  if (cache.key_includes_model !== null && cache.key_includes_model_share !== null) {
    rows.push([
      'cache key includes the model',
      cell(cache.key_includes_model ? 'yes' : 'no', cache.key_includes_model, cache.key_includes_model ? 'fail' : 'ok'),
      `${pct(cache.key_includes_model_share)} of ${plural(cache.key_includes_model_clusters ?? 0, 'cluster')} served by 2+ models`,
    ]);
  }
  rows.push(['hit rate, logged', rate(cache.hit_rate), '']);
  if (s.logged_key_hit_rate !== null) rows.push(['hit rate, logged key replayed', rate(s.logged_key_hit_rate), 'checks the TTL']);
  rows.push(['hit rate, content-only key (simulated)', rate(s.content_key_hit_rate), 'SHA-256 of the normalized input']);
  rows.push(['hit rate, semantic key (simulated)', rate(s.semantic_key_hit_rate), 'cluster id']);
  if (cache.lost_savings_requests !== null) {
    const unpriced = cache.lost_savings_unpriced ? `, ${int(cache.lost_savings_unpriced)} of unknown cost` : '';
    rows.push([
      'lost savings',
      cache.lost_savings_usd === null ? cell('unknown', null, 'warn') : cell(usd(cache.lost_savings_usd), cache.lost_savings_usd),
      `${int(cache.lost_savings_requests)} paid requests a content-only key would have served${unpriced}`,
    ]);
  }
  blocks.push({ kind: 'kv', id: 'cache', rows, align: ['left', 'right', 'left'], fit: { flex: 2, wrap: true } });

  if (cache.copies_histogram) {
    blocks.push({
      kind: 'table',
      id: 'cache-copies',
      head: ['copies per cluster', ...cache.copies_histogram.map((b) => b.copies)],
      rows: [['clusters', ...cache.copies_histogram.map((b) => cell(int(b.clusters), b.clusters))]],
    });
  }
  if (cache.top_clusters.length > 0) {
    blocks.push(heading('Most diluted clusters', 3, '(most lost savings first)'));
    blocks.push({
      kind: 'table',
      id: 'cache-clusters',
      head: ['copies', 'requests', 'lost', 'models', 'sample'],
      rows: cache.top_clusters.map((t) => [
        cell(int(t.copies), t.copies),
        cell(int(t.requests), t.requests),
        t.lost_savings_usd === null ? cell('—', null) : cell(usd(t.lost_savings_usd), t.lost_savings_usd),
        shortModels(t.models),
        t.inputs > 1 ? `${t.sample} (+${int(t.inputs - 1)} variants)` : t.sample,
      ]),
      align: ['right', 'right', 'right', 'left', 'left'],
      fit: { flex: 4, wrap: true, maxLines: 2 },
    });
  }
  blocks.push(...cacheWeekBlocks(cache));
  for (const note of cache.not_computed) blocks.push(warn(`not computed: ${note}`));
  return blocks;
}

/** Dilution by week over the trend weeks: a table, and a chart with the 1.2 warning line when there are 2+ weeks. */
function cacheWeekBlocks(cache: CacheResult): Block[] {
  const weeks = cache.by_week;
  if (weeks.length === 0) return [];
  const keyed = cache.entries !== null;
  const factor = (x: number | null): Cell =>
    x === null ? cell('—', null) : cell(x.toFixed(2), x, x > DILUTION_WARNING ? 'fail' : undefined);
  const out: Block[] = [
    {
      kind: 'table',
      id: 'cache-weeks',
      head: ['week', 'requests', ...(keyed ? ['entries'] : []), 'distinct inputs', 'clusters', ...(keyed ? ['dilution'] : []), 'hit rate'],
      columns: ['week', 'requests', ...(keyed ? ['entries'] : []), 'distinct_inputs', 'semantic_clusters', ...(keyed ? ['dilution_factor'] : []), 'hit_rate'],
      rows: weeks.map((w) => [
        w.week,
        cell(int(w.requests), w.requests),
        ...(keyed ? [cell(int(w.entries ?? 0), w.entries)] : []),
        cell(int(w.distinct_inputs), w.distinct_inputs),
        cell(int(w.semantic_clusters), w.semantic_clusters),
        ...(keyed ? [factor(w.dilution_factor)] : []),
        rate(w.hit_rate),
      ]),
    },
  ];
  if (keyed && weeks.length >= 2) {
    out.push({
      kind: 'chart',
      id: 'cache-weeks',
      title: 'Cache dilution, weekly (cache entries per semantic cluster)',
      x: weeks.map((w) => w.week),
      series: [{ name: 'dilution', values: weeks.map((w) => w.dilution_factor) }],
      format: 'number',
      threshold: { value: DILUTION_WARNING, label: `warning ${DILUTION_WARNING}` },
      caption: 'Each week counts its own requests: distinct cache keys over the semantic clusters of their inputs (1.0 ideal).',
    });
  }
  return out;
}
