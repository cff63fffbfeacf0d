import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.js';
import { runCli } from './run-cli.js';

/**
 * The new real-shaped exports through the CLI a user runs: `report FILE --all --format json`. Detection picks the
 * format (no --input-format), the summary line counts every record, and the report reads the loaded calls.
 */
const report = async (file: string, ...extra: string[]) => {
  const r = await runCli(['report', `fixtures/formats/${file}`, '--all', '--format', 'json', ...extra]);
  expect(r.code).toBe(0);
  return { ...r, json: JSON.parse(r.stdout) as { requests: { total: number; by_format: Record<string, number>; input_tokens: number; spend_usd: number } } };
};

describe('report on API pages and tool exports', () => {
  it.each([
    ['litellm-spendlogs-ui.json', 'litellm-spendlogs, 3 records: 3 loaded, 0 rejected', 'litellm-spendlogs', 3],
    ['litellm-spendlogs-v2.jsonl', 'litellm-spendlogs, 3 records: 2 loaded, 0 rejected, 1 skipped (not LLM calls)', 'litellm-spendlogs', 2],
    ['helicone-export.csv', 'helicone, 3 records: 3 loaded, 0 rejected', 'helicone', 3],
    ['helicone-export.json', 'helicone, 3 records: 3 loaded, 0 rejected', 'helicone', 3],
    ['langfuse-trace.json', 'langfuse, 3 records: 2 loaded, 0 rejected, 1 skipped (not LLM calls)', 'langfuse', 2],
    ['langfuse-v2-page.json', 'langfuse, 2 records: 1 loaded, 0 rejected, 1 skipped (not LLM calls)', 'langfuse', 1],
    ['otel-openinference.jsonl', 'otel, 6 records: 3 loaded, 0 rejected, 3 skipped (not LLM calls)', 'otel', 3],
    ['otel-genai-events.jsonl', 'otel, 8 records: 4 loaded, 0 rejected, 4 skipped (not LLM calls)', 'otel', 4],
  ])('%s: detected, counted and reported', async (file, summary, format, loaded) => {
    const { stderr, json } = await report(file);
    expect(stderr).toContain(`fixtures/formats/${file}: ${summary}\n`);
    expect(json.requests.total).toBe(loaded);
    expect(json.requests.by_format).toEqual({ [format]: loaded });
  });

  it('sums the logged spend of a LiteLLM /spend/logs/ui page (the envelope adds nothing)', async () => {
    const { json } = await report('litellm-spendlogs-ui.json');
    expect(json.requests.spend_usd).toBeCloseTo(0.00031575, 12);
    expect(json.requests.input_tokens).toBe(1850 + 1850 + 0);
  });

  it('says a streamed OpenInference call with a priced model lacks token counts, rather than a price', async () => {
    const { stderr, stdout } = await report('otel-openinference.jsonl');
    expect(stderr).toContain('claude-3-5-sonnet-20241022 has a price but no token counts in the log');
    expect(stderr).not.toMatch(/add claude-3-5-sonnet-20241022 to a price file/);
    expect(stderr).not.toMatch(/no logged cost and no price/);
    const r = JSON.parse(stdout) as Report;
    const e = r.efficiency!;
    // Its own class: not unpriced (the gate passes), counted out loud, its cost unknown and in no total (never $0).
    expect(e.unpriced).toEqual({ requests: 0, share: 0, models: [] });
    expect(e.no_token_counts).toEqual({ requests: 1, share: 1 / 3, models: [{ model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', requests: 1, share: 1 / 3 }] });
    expect(r.quality!.no_token_counts).toEqual(e.no_token_counts);
    expect(r.quality!.unpriced!.requests).toBe(0);
    expect(r.gates!.find((g) => g.name === 'unpriced')).toMatchObject({ status: 'pass', value: 0 });
    expect(r.gates!.find((g) => g.name === 'unpriced')!.detail).toContain('1 more has a price but no token counts');
    expect(r.headline!.current).toMatchObject({ requests: 3, unpriced_requests: 0, no_token_requests: 1 });
    const claude = r.requests.models.find((m) => m.model === 'claude-3-5-sonnet-20241022')!;
    expect(claude).toMatchObject({ unknown_cost: 1, cost_usd: null });
    expect(r.requests.unknown_cost).toBe(1);
    // The other two are priced (one logged, one from the catalog): the known spend is theirs, the cost per request over them.
    expect(r.requests.cost_usd).toBeCloseTo(r.headline!.current.spend_usd, 12);
    expect(r.headline!.current.cost_per_request).toBeCloseTo(r.headline!.current.spend_usd / 2, 12);
    const text = await runCli(['report', 'fixtures/formats/otel-openinference.jsonl', '--all', '--quiet']);
    expect(text.stdout).toContain('1 request has no token counts, so an unknown cost: it is not in the spend.');
    expect(text.stdout).not.toMatch(/claude-3-5-sonnet-20241022[^\n]*to a price file/);
    // prices check: not a price to fix (exit 0), listed in its JSON.
    const check = await runCli(['prices', 'check', 'fixtures/formats/otel-openinference.jsonl', '--format', 'json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ unpriced: { requests: 0 }, no_token_counts: { requests: 1 } });
  });

  it('loads a Langfuse trace list as no calls, and says why by its skipped count', async () => {
    const { stderr, json } = await report('langfuse-traces.json');
    expect(stderr).toContain('langfuse, 2 records: 0 loaded, 0 rejected, 2 skipped (not LLM calls)');
    expect(json.requests.total).toBe(0);
  });
});
