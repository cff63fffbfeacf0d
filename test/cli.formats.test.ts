import { describe, expect, it } from 'vitest';
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
    const { stderr } = await report('otel-openinference.jsonl');
    expect(stderr).toContain('claude-3-5-sonnet-20241022 has a price but no token counts in the log');
    expect(stderr).not.toMatch(/add claude-3-5-sonnet-20241022 to a price file/);
  });

  it('loads a Langfuse trace list as no calls, and says why by its skipped count', async () => {
    const { stderr, json } = await report('langfuse-traces.json');
    expect(stderr).toContain('langfuse, 2 records: 0 loaded, 0 rejected, 2 skipped (not LLM calls)');
    expect(json.requests.total).toBe(0);
  });
});
