import fc from 'fast-check';
import Papa from 'papaparse';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { csvTables } from '../src/render/csv.js';
import {
  annotationData,
  annotationProperty,
  CSV_FORMULA,
  guardLineStarts,
  csvFormulaSql,
  escapeMarkdown,
  escapeXml,
  jsonText,
  showControls,
  stderrText,
  terminalLine,
  terminalText,
} from '../src/render/escape.js';
import { escapeLabel } from '../src/render/prometheus.js';
import { drawBlocks } from '../src/render/terminal.js';
import { HOSTILE, RAW_CONTROL } from './hostile-corpus.js';

/** Any string, with the characters that matter here far more often than chance would give them. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u001b', '\n', '\r', '\t', '\u0000', '\u0007', '\u007f', '\u009b', '\u202e', '\u2066', '\u2028', '%', ':', ',', '<', '&', '"', "'", '#', '=', '-', '@', '|', '\\', '`', '\ud800', '\udc00', '\uffff'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }),
  ),
  maxLength: 60,
});

describe('terminal', () => {
  it('shows every control character as an escape; a line keeps no line feed, a cell keeps its own', () => {
    expect(terminalLine('\u001b[31mred\u001b[0m')).toBe('\\u001b[31mred\\u001b[0m');
    expect(terminalLine('a\nb\r\tc\u009b\u202e')).toBe('a\\nb\\r\\tc\\u009b\\u202e');
    expect(terminalText('a\nb\u0007')).toBe('a\nb\\u0007');
    fc.assert(fc.property(nasty, (s) => !RAW_CONTROL.test(terminalLine(s)) && !terminalLine(s).includes('\n')));
  });

  it('stderr keeps line feeds and the carriage return a progress line starts or ends with, nothing else', () => {
    expect(stderrText('\rloading x\u001b[2J 3s')).toBe('\rloading x\\u001b[2J 3s');
    expect(stderrText('\r      \r')).toBe('\r      \r');
    expect(stderrText('a\rb\n')).toBe('a\\rb\n');
  });
});

describe('GitHub Actions workflow commands in any text output', () => {
  it('a line never starts with :: (after blanks); ##[ never appears, whatever the sink', () => {
    expect(guardLineStarts('ok\n  ::error::x\n::warning::y\na ::b')).toBe('ok\n  \\u003a:error::x\n\\u003a:warning::y\na ::b');
    expect(terminalLine('a ##[error]b')).toBe('a \\u0023#[error]b');
    expect(jsonText({ m: '##[stop-commands]t' })).not.toContain('##[');
    expect(JSON.parse(jsonText({ m: '##[stop-commands]t' }))).toEqual({ m: '##[stop-commands]t' });
    expect(escapeXml('##[error]')).not.toContain('##[');
    expect(escapeMarkdown('##[error]')).not.toContain('##[');
    const note = drawBlocks([{ kind: 'note', level: 'warn', text: `unpriced: ${'model '.repeat(15)}::error::injected and more` }], { color: false, width: 60 });
    expect(note.split('\n').length).toBeGreaterThan(1);
    for (const line of note.split('\n')) expect(line).not.toMatch(/^\s*::/);
  });
});

describe('GitHub Actions annotations', () => {
  it('no data can end the command or start another: CR and LF percent-encoded, % first', () => {
    expect(annotationData('50% off\nnext')).toBe('50%25 off%0Anext');
    expect(annotationData('x\r\n::add-mask::s')).toBe('x%0D%0A::add-mask::s');
    expect(annotationData('%0A')).toBe('%250A');
    expect(annotationProperty('a:b,c')).toBe('a%3Ab%2Cc');
    fc.assert(fc.property(nasty, (s) => !/[\r\n]/.test(annotationData(s)) && !RAW_CONTROL.test(annotationData(s))));
  });

  it('decodes back to the shown text (the runner unescapes %25, %0D, %0A)', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const unescaped = annotationData(s).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
        return unescaped === showControls(s, '\r\n');
      }),
    );
  });
});

describe('XML', () => {
  it('any text is well-formed as element text and as an attribute, and parses back to the shown text', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        let text = '';
        let attr = '';
        const parser = new SaxesParser();
        parser.on('text', (t) => void (text += t));
        parser.on('opentag', (tag) => void (attr = String(tag.attributes['a'] ?? '')));
        parser.write(`<r a="${escapeXml(s)}">${escapeXml(s)}</r>`).close();
        const expected = showControls(s, '\n').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, '\ufffd');
        return text === expected && attr === expected;
      }),
    );
  });

  it('writes no line that starts with data', () => {
    expect(escapeXml('x\n::error::y')).toBe('x&#10;::error::y');
  });
});

describe('markdown', () => {
  it('flattens line breaks, shows controls, escapes what would start a block', () => {
    expect(escapeMarkdown('\n# Injected')).toBe(' \\# Injected');
    expect(escapeMarkdown('1. item')).toBe('1\\. item');
    expect(escapeMarkdown('[click](http://evil.example)')).toBe('\\[click\\](http://evil.example)');
    expect(escapeMarkdown('a\u2028b\u001b')).toBe('a b\\\\u001b');
    fc.assert(fc.property(nasty, (s) => !/[\r\n]/.test(escapeMarkdown(s)) && !RAW_CONTROL.test(escapeMarkdown(s))));
  });
});

describe('CSV formulas', () => {
  it('the report prefixes text that starts like a formula, never a number', () => {
    const [file] = csvTables([
      {
        section: 's',
        blocks: [{ kind: 'table', id: 't', head: ['name', 'change'], rows: [[HOSTILE['formula']!, { text: '−15.3%', value: -0.153 }], ['-2+3', { text: '-1', value: -1 }], ['ok', '5']] }],
      },
    ]);
    const rows = Papa.parse<string[]>(file!.text, { skipEmptyLines: true }).data;
    expect(rows[1]).toEqual([`'${HOSTILE['formula']}`, '-0.153']);
    expect(rows[2]).toEqual([`'-2+3`, '-1']);
    expect(rows[3]).toEqual(['ok', '5']);
  });

  it('the export SQL applies the same rule as the report (one definition)', async () => {
    const samples = [...Object.values(HOSTILE).map((s) => s.slice(0, 50)), '', 'plain', "'quoted", '—'];
    const rows = await withDatabase({ path: ':memory:' }, (db) =>
      db.all<{ s: string; out: string }>(`SELECT s, ${csvFormulaSql('s')} AS out FROM (SELECT unnest($list::VARCHAR[]) AS s)`, { list: JSON.stringify(samples) }),
    );
    expect(rows).toHaveLength(samples.length);
    for (const r of rows) expect(r.out).toBe(CSV_FORMULA.test(r.s) ? `'${r.s}` : r.s);
  });
});

describe('JSON and Prometheus', () => {
  it('JSON text has no raw control, bidi or separator and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.dictionary(nasty, nasty, { maxKeys: 4 }), (value) => {
        const text = jsonText(value);
        return !RAW_CONTROL.test(text.replace(/\n/g, '')) && JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
      }),
    );
  });

  it('a Prometheus label value holds no raw control and no unescaped quote or line feed', () => {
    fc.assert(fc.property(nasty, (s) => !RAW_CONTROL.test(escapeLabel(s)) && /^(?:[^"\\\n]|\\[\\"n])*$/.test(escapeLabel(s))));
  });
});
