import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEnvelope } from '../src/load/envelope.js';
import { mulberry32 } from '../src/random.js';
import { loadFile } from './helpers.js';

describe('API envelopes {"data": [...], paging keys}', () => {
  it('recognises the envelopes of LiteLLM, Langfuse, Helicone and OpenAI-style lists, and nothing else', () => {
    const row = { request_id: 'r1' };
    expect(isEnvelope({ data: [row], total: 1, page: 1, page_size: 50, total_pages: 1 })).toBe(true); // LiteLLM /spend/logs/ui, /v2
    expect(isEnvelope({ data: [row], meta: { page: 1, limit: 50, totalItems: 1, totalPages: 1 } })).toBe(true); // Langfuse v1
    expect(isEnvelope({ data: [row], meta: { cursor: 'eyJ9' } })).toBe(true); // Langfuse v2
    expect(isEnvelope({ data: [row], error: null })).toBe(true); // Helicone
    expect(isEnvelope({ object: 'list', data: [row], first_id: 'a', last_id: 'b', has_more: false })).toBe(true);
    expect(isEnvelope({ data: [] })).toBe(true);
    // A record of its own that happens to hold a `data` list is a record.
    expect(isEnvelope({ ts: '2025-03-17T09:00:00Z', model: 'gpt-4o', data: [row] })).toBe(false);
    expect(isEnvelope({ data: [1, 2, 3], total: 3 })).toBe(false);
    expect(isEnvelope({ data: { rows: [row] } })).toBe(false);
  });

  it('loads a page as the same rows as the JSONL of its records, whatever the records and paging keys', async () => {
    // A seeded property check: random native records, each set written as JSONL and as a page of each envelope.
    const rand = mulberry32(20250324);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const PAGING: Record<string, unknown>[] = [
      { total: 0, page: 1, page_size: 100, total_pages: 1 },
      { meta: { page: 1, limit: 50, totalItems: 0, totalPages: 1 } },
      { error: null },
      { object: 'list', first_id: 'req-0', last_id: 'req-9', has_more: false },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'rc-envelope-'));
    const withoutSource = (rows: Record<string, unknown>[]) => rows.map(({ source_file: _f, source_line: _l, ...rest }) => rest);
    try {
      for (let run = 0; run < 12; run++) {
        const rows = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_x, i) => ({
          ts: new Date(Date.UTC(2025, 0, 1) + Math.floor(rand() * 300 * 86_400_000)).toISOString(),
          request_id: `req-${i}`,
          model: pick(['gpt-4o-mini', 'claude-3-5-haiku-20241022', 'gemini-2.0-flash']),
          input_tokens: Math.floor(rand() * 100_000),
          output_tokens: Math.floor(rand() * 10_000),
          ...(rand() < 0.5 ? { cost_usd: Math.round(rand() * 1e6) / 1e6 } : {}),
          ...(rand() < 0.5 ? { user_id: `u-${Math.floor(rand() * 100)}` } : {}),
        }));
        const jsonl = join(dir, 'records.jsonl');
        const page = join(dir, 'page.json');
        writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
        writeFileSync(page, JSON.stringify({ data: rows, ...pick(PAGING) }, null, rand() < 0.5 ? 2 : undefined));
        const plain = await loadFile(jsonl);
        const paged = await loadFile(page);
        expect(paged.summary).toMatchObject({ format: plain.summary.format, records: rows.length, loaded: rows.length, rejected: 0 });
        expect(withoutSource(paged.rows)).toEqual(withoutSource(plain.rows));
        // Records are numbered by their index in `data`, as in a top-level array.
        expect(paged.rows.map((r) => r['source_line'])).toEqual(rows.map((_r, i) => BigInt(i + 1)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Loads `text` written to a temp file named `name`. */
  const loadText = async (name: string, text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-envelope-'));
    try {
      writeFileSync(join(dir, name), text);
      return await loadFile(join(dir, name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('leaves a record that merely holds a `data` list alone', async () => {
    const record = { ts: '2025-03-17T09:00:00Z', request_id: 'r1', model: 'gpt-4o-mini', data: [{ a: 1 }, { a: 2 }] };
    const { summary, rows } = await loadText('own.jsonl', JSON.stringify(record) + '\n');
    expect(summary).toMatchObject({ format: 'native', records: 1, loaded: 1 });
    expect(rows[0]).toMatchObject({ request_id: 'r1', model: 'gpt-4o-mini' });
  });

  it('loads an empty page as no records', async () => {
    const page = { data: [], total: 0, page: 3, page_size: 50, total_pages: 2 };
    const { summary, rows, rejects } = await loadText('empty.json', JSON.stringify(page));
    expect(rows).toEqual([]);
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ records: 0, loaded: 0, rejected: 0 });
  });
});
