import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { cell, cellValue, checkIds, heading, info, warn, type Block, type ChartBlock, type DocumentPart, type ScatterBlock } from '../src/render/blocks.js';
import type { Report } from '../src/report/report.js';
import type { Section } from '../src/sections/section.js';
import { csvPath, csvTables } from '../src/render/csv.js';
import { reportDocument } from '../src/sections/document.js';
import { drawHtml } from '../src/render/html.js';
import { drawMarkdown, escapeMarkdown } from '../src/render/markdown.js';
import { axisLabel, lineChart, linearTicks, logTicks, scatterChart } from '../src/render/svg.js';
import { cut, drawBlocks, drawDocument, fitColumns, wrapText } from '../src/render/terminal.js';

const plain = { color: false, width: 100 };

describe('terminal: wrapping and fitting', () => {
  it('wraps at word boundaries with a hanging indent and cuts words longer than a line', () => {
    expect(wrapText('aaa bbb ccc ddd', 7)).toEqual(['aaa bbb', '  ccc', '  ddd']);
    expect(wrapText('x ' + 'y'.repeat(12), 6, 0)).toEqual(['x', 'yyyyyy', 'yyyyyy']);
    for (const line of wrapText('see /a/very/long/path/that/does/not/fit/anywhere/at/all.jsonl.gz now', 20)) {
      expect(line.length).toBeLessThanOrEqual(20);
    }
  });

  it('cuts with an ellipsis', () => {
    expect(cut('abcdef', 4)).toBe('abc…');
    expect(cut('abc', 4)).toBe('abc');
  });

  it('drops the oldest droppable columns first, then narrows the flex column', () => {
    const head = ['name', 'w1', 'w2', 'w3', 'wow'];
    const rows = [['a-rather-long-family-name', '111', '222', '333', '+1%']];
    // Widths 25, 3, 3, 3, 3 → 5 columns: 37 + 10 + 6 = 53 characters.
    expect(fitColumns(head, rows, { drop: [1, 4], flex: 0 }, 53).keep).toEqual([0, 1, 2, 3, 4]);
    // One column less (w1) is 47; two less is 41; the last week always stays.
    expect(fitColumns(head, rows, { drop: [1, 4], flex: 0 }, 47).keep).toEqual([0, 2, 3, 4]);
    const narrow = fitColumns(head, rows, { drop: [1, 4], flex: 0 }, 30);
    expect(narrow.keep).toEqual([0, 3, 4]);
    // 41 wide with w3 and wow: the name column loses 11 of its 25 characters (13 kept and the ellipsis).
    expect(narrow.rows[0]![0]).toBe('a-rather-long' + '…');
  });

  it('wraps a flex column onto more lines, up to maxLines', () => {
    const fitted = fitColumns(null, [['k', 'one two three four five six']], { flex: 1, wrap: true, maxLines: 2 }, 20);
    // 20 − (1 + 2) − 2 − 3 borders = 12 characters for the text.
    expect(fitted.rows[0]![1]).toBe('one two\nthree four…');
  });

  it('draws every block kind within the width, charts left out', () => {
    const blocks: Block[] = [
      heading('Title'),
      info('a note that is long enough to wrap: ' + 'word '.repeat(30)),
      warn('careful'),
      { kind: 'kv', id: 'kv', rows: [['requests', cell('1,234', 1234)], ['spend', cell('unknown', null, 'warn'), 'a remark']] },
      { kind: 'table', id: 't', head: ['model', 'requests'], rows: [['m-' + 'x'.repeat(150), cell('7', 7)]], fit: { flex: 0 } },
      { kind: 'chart', id: 'c', title: 'never in a terminal', x: ['w'], series: [{ name: 's', values: [1] }], format: 'number' },
      { kind: 'pre', lines: ['p'.repeat(140)] },
    ];
    const text = drawBlocks(blocks, plain);
    expect(text).toContain('Title\n');
    expect(text).toContain('! careful');
    expect(text).not.toContain('never in a terminal');
    expect(text).toMatch(/│ spend\s+│ unknown │ a remark │/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('colours tones only when asked', () => {
    const blocks: Block[] = [{ kind: 'table', id: 't', head: ['a'], rows: [[cell('bad', 1, 'fail')]] }];
    expect(drawBlocks(blocks, plain)).not.toContain('\u001b[');
    expect(drawBlocks(blocks, { color: true, width: 100 })).toContain('\u001b[31mbad\u001b[39m');
  });
});

describe('block ids', () => {
  it('rejects duplicates and names that are not file-safe', () => {
    const t = (id: string): Block => ({ kind: 'table', id, head: ['a'], rows: [] });
    expect(() => checkIds([{ section: 'a', blocks: [t('x')] }, { section: 'b', blocks: [t('x')] }])).toThrow(/used twice/);
    expect(() => checkIds([{ section: 'a', blocks: [t('Bad Name')] }])).toThrow(/lower-case/);
    expect(() => checkIds([{ section: 'a', blocks: [t('spend-weeks')] }])).not.toThrow();
  });
});

describe('markdown', () => {
  it('escapes markup but leaves underscores inside words', () => {
    expect(escapeMarkdown('2025-03-17* partial')).toBe('2025-03-17\\* partial');
    expect(escapeMarkdown('cost_per_call_usd and _x_')).toBe('cost_per_call_usd and \\_x\\_');
    expect(escapeMarkdown('<10 chars `code`')).toBe('\\<10 chars \\`code\\`');
    expect(escapeMarkdown('# not a heading')).toBe('\\# not a heading');
    // A name after @ would notify that user or team where the markdown is posted (a PR comment): broken by a
    // zero-width space; an address's @ is one too (harmless), a lone @ is left.
    expect(escapeMarkdown('ask @octocat or @acme/oncall')).toBe('ask @&#8203;octocat or @&#8203;acme/oncall');
    expect(escapeMarkdown('a @ b, @@x')).toBe('a @ b, @@&#8203;x');
  });

  it('draws pipe tables with alignment, escaped pipes, line breaks and bold tones', () => {
    const parts: DocumentPart[] = [{
      section: 's',
      blocks: [
        heading('Cache', 2, '(detail)'),
        { kind: 'table', id: 't', head: ['a|b', 'n'], rows: [['x\ny', cell('unknown', null, 'warn')]] },
        warn('w'),
        { kind: 'text', section: 'old', text: 'has ``` inside\n' },
      ],
    }];
    expect(drawMarkdown(parts)).toBe(
      '## Cache *(detail)*\n\n' +
      '| a\\|b | n |\n| :-- | --: |\n| x<br>y | **unknown** |\n\n' +
      '⚠️ w\n\n' +
      '````text\nhas ``` inside\n````\n',
    );
  });
});

describe('csv', () => {
  it('writes values, not display text: fractions, plain numbers, empty for unknown, formulas defused', () => {
    const parts: DocumentPart[] = [{
      section: 's',
      blocks: [
        { kind: 'table', id: 'weeks', head: ['week', 'share', 'spend', 'input'], columns: ['week', 'share', 'spend_usd', 'input'], rows: [
          [cell('2025-03-17*', '2025-03-17'), cell('14.8%', 0.148), cell('unknown', null), '=HYPERLINK("x")'],
          ['2025-03-24', cell('−1.0%', -0.01), cell('$1,234.50', 1234.5), '—'],
        ] },
        { kind: 'kv', id: 'summary', rows: [['requests', cell('39,858', 39858)]] },
        info('not a table'),
      ],
    }];
    const files = csvTables(parts);
    expect(files.map((f) => f.id)).toEqual(['weeks', 'summary']);
    const weeks = Papa.parse<string[]>(files[0]!.text.trim(), { header: false }).data;
    expect(weeks).toEqual([
      ['week', 'share', 'spend_usd', 'input'],
      ['2025-03-17', '0.148', '', '\'=HYPERLINK("x")'],
      ['2025-03-24', '-0.01', '1234.5', ''],
    ]);
    expect(files[1]!.text).toBe('metric,value\r\nrequests,39858\r\n');
  });

  it('names files from --out', () => {
    expect(csvPath('reports/', 'spend-weeks', false)).toBe('reports/report-spend-weeks.csv');
    expect(csvPath('reports', 'spend-weeks', true)).toBe('reports/report-spend-weeks.csv');
    expect(csvPath('reports/2025-W12.csv', 'models', false)).toBe('reports/2025-W12-models.csv');
  });

  it('keeps multi-line text on one line', () => {
    expect(cellValue('claude\ngpt-4o')).toBe('claude; gpt-4o');
  });
});

describe('svg charts', () => {
  it('picks round ticks', () => {
    expect(linearTicks(0, 0.325)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(linearTicks(0, 0.0037)).toEqual([0, 0.001, 0.002, 0.003, 0.004]);
    expect(logTicks(143_000, 2_270_000)).toEqual([100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000]);
    expect(axisLabel(0.004, 'usd')).toBe('$0.004');
    expect(axisLabel(0.2, 'pct')).toBe('20%');
  });

  const chart: ChartBlock = {
    kind: 'chart', id: 'dev', title: 'Deviation <weekly>', x: ['w1', 'w2', 'w3', 'w4'], format: 'pct',
    series: [{ name: 'rate', values: [0.3, null, 0.2, 0.1], low: [0.25, null, 0.15, 0.05], high: [0.35, null, 0.25, 0.15] }],
    threshold: { value: 0.05, label: 'target 5%' },
  };

  it('draws one point per known value, breaks the line at a gap, bands per run, a threshold line', () => {
    const svg = lineChart(chart);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    // Two runs: w1 alone (a bar) and w3–w4 (a polygon).
    expect(svg.match(/<rect class="band"/g)).toHaveLength(1);
    expect(svg.match(/<polygon class="band"/g)).toHaveLength(1);
    const d = /<path class="series" d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg).toContain('<g class="threshold">');
    expect(svg).toContain('Deviation &lt;weekly&gt;');
    expect(svg).toContain('<title>rate, w3: 20% (15%–25%)</title>');
    // Same data, same bytes.
    expect(lineChart(chart)).toBe(svg);
  });

  it('higher values are drawn higher', () => {
    const svg = lineChart({ ...chart, series: [{ name: 'r', values: [0.1, 0.4] }], x: ['a', 'b'], threshold: undefined });
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
  });

  it('says so when there is nothing to draw', () => {
    expect(lineChart({ ...chart, series: [{ name: 'r', values: [null, null, null, null] }] })).toContain('no data for this chart');
  });
});

describe('html', () => {
  it('is one document with no script and no outside URL, text escaped', () => {
    const html = drawHtml([{ section: 'report', blocks: [heading('<b>t</b>', 1)] }, { section: 's', blocks: [{ kind: 'pre', lines: ['</pre><script>x</script>'] }] }], 'T');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;');
    expect(html).toContain("default-src 'none'");
    expect([...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,']);
  });
});

describe('the report document', () => {
  const empty = {
    schema_version: 1, window: { from: null, to: null }, previous_window: null, window_basis: 'all', window_label: null,
    requests: { total: 0, rejected: 0, by_format: {}, models: [], spend_usd: 0, without_cost: 0, cost_usd: 0, unknown_cost: 0, input_tokens: 0, output_tokens: 0, cache_hits: 0 },
    inputs: [], rejects: { total: 0, by_reason: [], examples: [] },
  } as unknown as Report;

  it('puts top sections first, draws a text block as preformatted text, skips empty sections', () => {
    const sections: Section[] = [
      { name: 'old', build: async () => ({}), blocks: () => [{ kind: 'text', section: 'old', text: 'Old section at width 100\n' }] },
      { name: 'none', build: async () => ({}), blocks: () => [] },
      { name: 'head', top: true, build: async () => ({}), blocks: () => [heading('Headline')] },
    ];
    const parts = reportDocument(empty, sections);
    expect(parts.map((p) => p.section)).toEqual(['report', 'head', 'summary', 'old', 'data-quality']);
    expect(parts[3]!.blocks).toEqual([{ kind: 'text', section: 'old', text: 'Old section at width 100\n' }]);
    const md = drawMarkdown(parts);
    expect(md).toContain('```text\nOld section at width 100\n```');
    expect(md).toContain('⚠️ no requests in the window.');
    expect(drawHtml(parts, 't')).toContain('<pre data-section="old">Old section at width 100</pre>');
  });
});

describe('scatter charts', () => {
  const block: ScatterBlock = {
    kind: 'scatter', id: 'frontier', title: 'Cost <and> deviation', x: { label: 'deviation', format: 'pct' }, y: { label: 'cost', format: 'usd' },
    series: [
      { name: 'frontier', line: true, points: [{ x: 0.4, y: 100 }, { x: 0.1, y: 300, label: '0.8 / 0.92' }, { x: 0.2, y: 200 }] },
      { name: 'current', points: [{ x: 0.3, y: 350 }] },
    ],
  };

  it('joins a line series in x order, draws every point with its values, and places them by value', () => {
    const svg = scatterChart(block);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('<title>frontier (0.8 / 0.92): 10%, $300.00</title>');
    expect(svg).toContain('Cost &lt;and&gt; deviation');
    const d = /<path class="series" d="([^"]+)"/.exec(svg)![1]!;
    const xs = [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // Lower deviation is further left, higher cost higher up (smaller y).
    const at = (title: string) => {
      const m = new RegExp(`<circle cx="([\\d.]+)" cy="([\\d.]+)" r="\\d"><title>${title}`).exec(svg)!;
      return { x: Number(m[1]), y: Number(m[2]) };
    };
    expect(at('frontier \\(0.8').x).toBeLessThan(at('current').x);
    expect(at('current').y).toBeLessThan(at('frontier \\(0.8').y);
    expect(scatterChart(block)).toBe(svg);
  });

  it('is drawn in HTML only', () => {
    const parts = [{ section: 's', blocks: [block] }];
    expect(drawHtml(parts, 't')).toContain('data-chart="frontier"');
    expect(drawMarkdown(parts)).not.toContain('frontier');
    expect(drawDocument(parts, { color: false, width: 80 })).not.toContain('frontier');
  });
});
