import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Report } from '../report/report.js';
import { int, pct, truncate, usd, when } from './format.js';

import type { RenderOptions } from './options.js';
import { SECTIONS } from '../report/sections.js';

export type { RenderOptions };

/** cli-table3 with a compact look; returns a string so tests need no terminal. No head: a key/value table. */
function table(head: string[] | null, rows: (string | number)[][], c: ChalkInstance, align?: ('left' | 'right')[]): string {
  const t = new Table({
    head: head ? head.map((h) => c.bold(h)) : [],
    style: { head: [], border: [], compact: true },
    colAligns: align,
    wordWrap: false,
  });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
}

/** The report for a terminal. Pure: same report and options, same string. */
export function renderTable(report: Report, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  const r = report.requests;
  out.push(c.bold('routecheck report'));
  out.push(`window: ${when(report.window.from)} → ${when(report.window.to)}`);
  out.push('');

  out.push(c.bold('Summary'));
  const summaryRows: string[][] = [
    ['requests', int(r.total)],
    ['models', int(r.models.length)],
    ['logged spend', usd(r.spend_usd)],
    ['input / output tokens', `${int(r.input_tokens)} / ${int(r.output_tokens)}`],
    ['cache hits', r.total > 0 ? `${int(r.cache_hits)} (${pct(r.cache_hits / r.total)})` : '0'],
    ['rejected records', int(r.rejected)],
    ['formats', Object.entries(r.by_format).map(([f, n]) => `${f} ${int(n)}`).join(', ') || '—'],
  ];
  out.push(table(null, summaryRows, c, ['left', 'right']));
  if (r.without_cost > 0) {
    out.push(c.yellow(`! ${int(r.without_cost)} requests (${pct(r.without_cost / Math.max(r.total, 1))}) have no logged cost: their spend is NOT in the total above.`));
  }
  if (r.total === 0) out.push(c.yellow('! no requests in the window.'));
  out.push('');

  if (r.models.length > 0) {
    out.push(c.bold('Models'));
    const modelWidth = Math.max(20, options.width - 50);
    out.push(
      table(
        ['model', 'requests', 'share', 'logged spend', 'no cost'],
        r.models.map((m) => [
          truncate(m.model ?? '(none)', modelWidth),
          int(m.requests),
          pct(m.requests / Math.max(r.total, 1)),
          // A model with no logged cost at all has an unknown spend, not $0.
          m.without_cost === m.requests ? c.yellow('unknown') : usd(m.spend_usd),
          m.without_cost > 0 ? c.yellow(int(m.without_cost)) : '0',
        ]),
        c,
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
    out.push('');
  }

  if (report.inputs.length > 0) {
    out.push(c.bold('Inputs'));
    const fileWidth = Math.max(20, options.width - 62);
    out.push(
      table(
        ['file', 'format', 'records', 'loaded', 'rejected', 'dupes', 'skipped'],
        report.inputs.map((i) => [
          truncate(i.file, fileWidth),
          i.format,
          int(i.records),
          int(i.loaded),
          i.rejected > 0 ? c.red(int(i.rejected)) : '0',
          int(i.duplicates),
          int(i.skipped),
        ]),
        c,
        ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
    out.push('');
  }

  for (const section of SECTIONS) {
    const text = section.table(report, options);
    if (text) out.push(text.endsWith('\n') ? text : text + '\n');
  }

  out.push(c.bold('Data quality'));
  if (report.rejects.total === 0) {
    out.push('no rejected records.');
  } else {
    out.push(c.red(`${int(report.rejects.total)} rejected records (kept in the rejects table with file, line, reason and text):`));
    out.push(table(['reason', 'records'], report.rejects.by_reason.map((x) => [x.reason, int(x.count)]), c, ['left', 'right']));
    const exampleWidth = Math.max(30, options.width - 10);
    for (const e of report.rejects.examples) {
      out.push(truncate(`  ${e.file}:${e.line ?? '-'}  ${e.reason}`, exampleWidth));
    }
  }
  return out.join('\n') + '\n';
}
