import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cutMiddle, fitColumns } from '../src/render/terminal.js';
import { runCli } from './run-cli.js';

describe('cutMiddle: file paths keep their start and their file name', () => {
  const path = 'fixtures/demo/logs/weekly/2025-03-17.jsonl.gz';

  it('cuts the folders, not the end of the name', () => {
    expect(cutMiddle(path, 36)).toBe('fixtures/demo/…/2025-03-17.jsonl.gz');
    expect(cutMiddle(path, 30)).toBe('fixtures/…/2025-03-17.jsonl.gz');
    // No '/' in the part that is kept: the start is cut where it must be.
    expect(cutMiddle(path, 25)).toBe('fixt…/2025-03-17.jsonl.gz');
    expect(cutMiddle(path, path.length)).toBe(path);
  });

  it('keeps the first third and the end when the name alone does not fit', () => {
    expect(cutMiddle(path, 16)).toBe('fixtu…7.jsonl.gz');
    expect(cutMiddle('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abc…uvwxyz');
  });

  it('never exceeds the width', () => {
    for (let width = 3; width <= path.length + 2; width++) {
      const out = cutMiddle(path, width);
      expect(out.length).toBeLessThanOrEqual(width);
      if (width < path.length) expect(out).toContain('…');
    }
  });

  it('is what a table column with cut: middle uses', () => {
    const head = ['file', 'records'];
    const rows = [[path, '1,234']];
    // 40 columns: 'records' takes 7 + 2 padding and the borders 3, so the file column keeps 40 - 12 - 2 = 26.
    const width = 40;
    expect(fitColumns(head, rows, { flex: 0, cut: 'middle' }, width).rows[0]![0]).toBe('fixtu…/2025-03-17.jsonl.gz');
    expect(fitColumns(head, rows, { flex: 0 }, width).rows[0]![0]).toBe('fixtures/demo/logs/weekly…');
  });
});

describe('the report\'s Inputs table on a narrow terminal', () => {
  it('keeps the end of a long file name', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'routecheck-names-')), 'a-folder-with-a-rather-long-name', 'and-another-one-below-it', 'logs');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, '2025-03-17.jsonl');
    writeFileSync(file, JSON.stringify({ ts: '2025-03-17T09:00:00Z', request_id: 'r1', model: 'gpt-4o-mini', input_tokens: 1, output_tokens: 1 }) + '\n');
    const r = await runCli(['report', file, '--all', '--quiet']);
    expect(r.code).toBe(0);
    const inputs = r.stdout.slice(r.stdout.indexOf('Inputs'));
    const row = inputs.split('\n').find((l) => l.includes('native'))!;
    expect(row).toMatch(/…\/2025-03-17\.jsonl /);
    expect(row).toContain(`│ ${file.slice(0, 5)}`);
    expect(r.stdout.split('\n').every((l) => l.length <= 100)).toBe(true);
  });
});
