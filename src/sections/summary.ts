import { cell, fail, heading, info, warn, type Block, type DocumentPart } from '../render/blocks.js';
import { int, pct, usd, when } from '../render/format.js';
import type { Report } from '../report/report.js';
import { plural } from '../words.js';

/** The report's title, its summary (requests, inputs) and the rejected-records part of data quality, as blocks. */

/** The report's title and window. */
export function titleBlocks(report: Report): Block[] {
  return [heading('routecheck report', 1), info(`window: ${when(report.window.from)} → ${when(report.window.to)}`)];
}

/** The summary (requests, spend, tokens, cache hits), the models and the input files: three parts. */
export function summaryParts(report: Report): DocumentPart[] {
  const r = report.requests;
  const summary: Block[] = [
    heading('Summary'),
    {
      kind: 'kv',
      id: 'summary',
      rows: [
        ['requests', cell(int(r.total), r.total)],
        ['models', cell(int(r.models.length), r.models.length)],
        ['spend', cell(usd(r.cost_usd), r.cost_usd)],
        ['logged spend', cell(usd(r.spend_usd), r.spend_usd)],
        ['input / output tokens', cell(`${int(r.input_tokens)} / ${int(r.output_tokens)}`, `${r.input_tokens} / ${r.output_tokens}`)],
        ['cache hits', cell(r.total > 0 ? `${int(r.cache_hits)} (${pct(r.cache_hits / r.total)})` : '0', r.cache_hits)],
        ['rejected records', cell(int(r.rejected), r.rejected)],
        ['formats', Object.entries(r.by_format).map(([f, n]) => `${f} ${int(n)}`).join(', ') || '—'],
      ],
      align: ['left', 'right'],
    },
  ];
  if (Math.abs(r.cost_usd - r.spend_usd) > 1e-9) {
    summary.push(info('spend: logged costs, else list price × tokens (a gateway\'s default $0 repriced); logged spend: the costs as the logs wrote them.'));
  }
  if (r.unknown_cost > 0) {
    summary.push(warn(`${plural(r.unknown_cost, 'request')} (${pct(r.unknown_cost / Math.max(r.total, 1))}) ${r.unknown_cost === 1 ? 'has' : 'have'} an unknown cost (no price, or no token counts): NOT in the spend above.`));
  }
  if (r.total === 0) summary.push(warn('no requests in the window.'));
  const parts: DocumentPart[] = [{ section: 'summary', blocks: summary }];

  if (r.models.length > 0) {
    parts.push({
      section: 'summary',
      blocks: [
        heading('Models'),
        {
          kind: 'table',
          id: 'models',
          head: ['model', 'requests', 'share', 'spend', 'logged spend', 'cost unknown'],
          rows: r.models.map((m) => [
            m.model ?? '(none)',
            cell(int(m.requests), m.requests),
            cell(pct(m.requests / Math.max(r.total, 1)), m.requests / Math.max(r.total, 1)),
            // A model none of whose costs is known has an unknown spend, not $0; one that logged none has no logged spend.
            m.cost_usd === null ? cell('unknown', null, 'warn') : cell(usd(m.cost_usd), m.cost_usd),
            m.without_cost === m.requests ? cell('—', null) : cell(usd(m.spend_usd), m.spend_usd),
            cell(int(m.unknown_cost), m.unknown_cost, m.unknown_cost > 0 ? 'warn' : undefined),
          ]),
          fit: { flex: 0 },
        },
      ],
    });
  }

  if (report.inputs.length > 0) {
    parts.push({
      section: 'summary',
      blocks: [
        heading('Inputs'),
        {
          kind: 'table',
          id: 'inputs',
          head: ['file', 'format', 'records', 'loaded', 'rejected', 'dupes', 'skipped'],
          rows: report.inputs.map((i) => [
            i.file,
            i.format,
            cell(int(i.records), i.records),
            cell(int(i.loaded), i.loaded),
            cell(int(i.rejected), i.rejected, i.rejected > 0 ? 'fail' : undefined),
            cell(int(i.duplicates), i.duplicates),
            cell(int(i.skipped), i.skipped),
          ]),
          align: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
          // Files of one folder differ at the end of their names: keep it.
          fit: { flex: 0, cut: 'middle' },
        },
      ],
    });
  }
  return parts;
}

/** Rejected records by reason, with the first examples' file and line. */
export function dataQualityBlocks(report: Report): Block[] {
  const out: Block[] = [heading('Data quality')];
  if (report.rejects.total === 0) {
    out.push(info('no rejected records.'));
    return out;
  }
  out.push(fail(`${int(report.rejects.total)} rejected records (kept in the rejects table with file, line, reason and text):`));
  out.push({
    kind: 'table',
    id: 'rejects',
    head: ['reason', 'records'],
    rows: report.rejects.by_reason.map((x) => [x.reason, cell(int(x.count), x.count)]),
    fit: { flex: 0 },
  });
  out.push({ kind: 'pre', lines: report.rejects.examples.map((e) => `${e.file}:${e.line ?? '-'}  ${e.reason}`) });
  return out;
}

