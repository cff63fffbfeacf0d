import { toVersions, type Versions } from '../analyses/versions.js';
import { instantIn, weekOverlaps } from '../analyses/headline.js';
import { cell, heading, info, warn, type Block, type Cell } from '../render/blocks.js';
import { int, pct, signedPct, when } from '../render/format.js';
import type { Section } from './section.js';

/** Version drift: the analysis (analyses/versions.ts) and its blocks. */
export const versionsSection: Section = {
  name: 'versions',
  async build(ctx) {
    // Over the trend weeks (and the week before them), so that a version that started in the window is a change
    // against the weeks before it; listed: the changes that started in the window or the window compared with.
    const facts = (await ctx.shared.costs('trend'))!;
    const versions = toVersions(facts.rows);
    if (!versions.available) return { versions };
    const from = ctx.previous?.from ?? ctx.window.from;
    const shown = (week: string): boolean => weekOverlaps(week, ctx.trend.from, ctx.trend.to);
    return {
      versions: {
        ...versions,
        families: versions.families
          .map((f) => ({ ...f, versions: f.versions.filter((v) => v.weeks.some((w) => shown(w.week))).map((v) => ({ ...v, weeks: v.weeks.filter((w) => shown(w.week)) })) }))
          .filter((f) => f.versions.length > 0),
        changes: versions.changes.filter((c) => instantIn(c.first_seen, from, ctx.window.to)),
      },
    };
  },
  blocks(report) {
    return report.versions ? versionsBlocks(report.versions) : [];
  },
};

export function versionsBlocks(v: Versions): Block[] {
  const out: Block[] = [heading('Model versions')];
  if (!v.available) return [...out, warn(`not available: ${v.reason}.`)];
  const rows: Cell[][] = [];
  for (const f of v.families) {
    for (const line of f.versions) {
      const last = line.weeks[line.weeks.length - 1];
      rows.push([
        line.model,
        line.version ?? '—',
        cell(when(line.first_seen).slice(0, 10), line.first_seen),
        cell(when(line.last_seen).slice(0, 10), line.last_seen),
        cell(int(line.requests), line.requests),
        cell(last ? `${pct(last.share, 0)} ${last.week.slice(5)}` : '—', last ? last.share : null),
      ]);
    }
  }
  out.push({
    kind: 'table',
    id: 'versions',
    head: ['model', 'version', 'first seen', 'last seen', 'requests', 'share (wk)'],
    columns: ['model', 'version', 'first_seen', 'last_seen', 'requests', 'last_week_share'],
    rows,
    align: ['left', 'left', 'left', 'left', 'right', 'right'],
    fit: { flex: 0 },
  });
  if (v.changes.length === 0) out.push(info('no new version started taking traffic in the window or the window before it.'));
  for (const ch of v.changes) {
    const price = (p: typeof ch.unit_price_before): string =>
      p ? `$${p.input_per_mtok.toFixed(3)}/$${p.output_per_mtok.toFixed(3)}` : 'unpriced';
    out.push(warn(`${ch.family}: ${ch.from} → ${ch.to} from ${when(ch.first_seen)} (${pct(ch.share_first_week, 0)} of the family in` +
      ` its first week); unit price ${signedPct(ch.unit_price_change)}: ${price(ch.unit_price_before)} → ${price(ch.unit_price_after)}` +
      ` per Mtok in/out`));
  }
  return out;
}

