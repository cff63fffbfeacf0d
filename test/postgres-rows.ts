import { readFileSync } from 'node:fs';
import pg from 'pg';
import { mulberry32 } from '../src/random.js';

/**
 * Rows of LiteLLM's "LiteLLM_SpendLogs" as the proxy writes them (column names and types from schema.prisma,
 * fixtures/postgres/litellm-spendlogs.sql), for the tests against a real server: inserted into PostgreSQL, and the
 * same rows written as a LiteLLM spend-log JSONL export to compare with.
 */
export type SpendRow = Record<string, unknown> & { request_id: string; startTime: string };

/** The columns that are jsonb in LiteLLM's table. */
const pgTypes = pg.types;
const JSON_COLUMNS = new Set(['metadata', 'request_tags', 'messages', 'response', 'proxy_server_request']);

/** The table's DDL (fixtures/postgres/litellm-spendlogs.sql) for a quoted table name. */
export function spendLogsDdl(table = '"LiteLLM_SpendLogs"'): string {
  return readFileSync('fixtures/postgres/litellm-spendlogs.sql', 'utf8').replaceAll(':table', table);
}

/** INSERTs rows with bound parameters; each row names its own columns (the others keep their defaults). */
export async function insertRows(client: pg.Client, rows: readonly SpendRow[], table = '"LiteLLM_SpendLogs"'): Promise<void> {
  for (const row of rows) {
    const columns = Object.keys(row);
    const values = columns.map((c) => (JSON_COLUMNS.has(c) && row[c] !== null ? JSON.stringify(row[c]) : row[c]));
    await client.query(
      `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }
}

/**
 * The table as a LiteLLM spend-log JSONL export (the file format): every column as stored (defaults included),
 * read with a plain SELECT, JSON columns written as JSON-encoded strings and times as "YYYY-MM-DD HH:MM:SS.ffffff"
 * (UTC, no zone), as LiteLLM's own exports write them. In startTime, request_id order.
 */
export async function exportJsonl(client: pg.Client, table = '"LiteLLM_SpendLogs"'): Promise<string> {
  const TIMESTAMP_OID = 1114;
  const result = await client.query({
    text: `SELECT * FROM ${table} ORDER BY "startTime", request_id`,
    // Timestamps as the server's text: the driver would read a zone-less time in the process's zone.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMP_OID ? (v: string) => v : pgTypes.getTypeParser(oid, format))) as typeof pgTypes.getTypeParser },
  });
  const time = (t: unknown): unknown => (typeof t === 'string' ? (t.includes('.') ? t : t + '.').padEnd(26, '0') : t);
  return (
    result.rows
      .map((row: Record<string, unknown>) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row)) out[k] = JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : typeof v === 'string' && /Time$/.test(k) ? time(v) : v;
        return JSON.stringify(out);
      })
      .join('\n') + '\n'
  );
}

/** `2025-03-18 09:00:00.120` plus `ms` milliseconds, in the same form. */
export function later(time: string, ms: number): string {
  return new Date(new Date(time.replace(' ', 'T') + 'Z').getTime() + ms).toISOString().replace('T', ' ').replace('Z', '');
}

const PRICES: Record<string, [string, number, number]> = {
  'gpt-4o-mini': ['openai', 0.15, 0.6],
  'gpt-4o': ['openai', 2.5, 10],
  'claude-3-5-sonnet-20241022': ['anthropic', 3, 15],
};
const PROMPTS = [
  'Where is my order #4471?',
  'Résume ce contrat en trois points.',
  '請把這段話翻譯成英文。',
  'Write a SQL query that finds duplicate invoices.',
  'Что такое idempotency key?',
  'Explain the refund policy.',
  'Draft a migration plan for our billing service.',
  'Größe der Datei prüfen, bitte.',
  'hi',
  'Summarize this support ticket in one line.',
];

/**
 * `n` ordinary calls spread over [start, end): routed by LiteLLM's complexity router (metadata routing_decision),
 * some cache hits, sessions and end users. Deterministic for a seed.
 */
export function generatedRows(n: number, start: string, end: string, seed = 7, prefix = 'gen'): SpendRow[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const rows: SpendRow[] = [];
  const step = (Date.parse(end.replace(' ', 'T') + 'Z') - Date.parse(start.replace(' ', 'T') + 'Z')) / n;
  for (let i = 0; i < n; i++) {
    const t = later(start, Math.floor((i + random() * 0.9) * step));
    const complex = random() < 0.35;
    const model = complex ? pick(['gpt-4o', 'claude-3-5-sonnet-20241022']) : 'gpt-4o-mini';
    const [provider, inPrice, outPrice] = PRICES[model]!;
    const hit = !complex && random() < 0.15;
    const prompt = pick(PROMPTS);
    const input = 200 + Math.floor(random() * 2000);
    const output = 20 + Math.floor(random() * 400);
    const duration = 300 + Math.floor(random() * 5000);
    rows.push({
      request_id: `${prefix}-${String(i).padStart(5, '0')}${hit ? `_cache_hit${i}` : ''}`,
      call_type: 'acompletion',
      api_key: 'hashed-key-' + (i % 3),
      spend: hit ? 0 : Math.round((input * inPrice + output * outPrice) * 1e3) / 1e9,
      total_tokens: input + output,
      prompt_tokens: input,
      completion_tokens: output,
      startTime: t,
      endTime: later(t, duration),
      request_duration_ms: duration,
      model,
      model_group: 'router-auto',
      custom_llm_provider: provider,
      user: 'internal-user-' + (i % 4),
      end_user: 'cust-' + (i % 9),
      session_id: 'sess-' + Math.floor(i / 3),
      status: 'success',
      cache_hit: hit ? 'True' : 'False',
      cache_key: hit ? `key-${PROMPTS.indexOf(prompt)}` : 'Cache OFF',
      metadata: {
        routing_decision: { router_type: 'complexity', tier: complex ? 'COMPLEX' : 'SIMPLE', score: Math.round((complex ? 0.4 + random() * 0.5 : random() * 0.3) * 100) / 100 },
        usage_object: { prompt_tokens: input, completion_tokens: output, prompt_tokens_details: { cached_tokens: hit ? input : 0 } },
      },
      messages: {},
      response: {},
      proxy_server_request: { model: 'router-auto', messages: [{ role: 'user', content: prompt }] },
    });
  }
  return rows;
}
