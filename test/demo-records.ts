import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DemoTruth } from '../src/demo/generate.js';
import { normalizeText } from '../src/embed/normalize.js';

/** A demo record as the generator wrote it. */
export interface DemoRec {
  ts: string;
  request_id: string;
  input?: string;
  model?: string;
  ideal?: string;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
  cache_key?: string;
  cache_hit?: boolean;
  provider?: string;
  /** Fields the generator writes on some records only (route, score, retry_of, session, …). */
  [field: string]: unknown;
}

/**
 * The well-formed records of a demo log folder, parsed here in JS by the loader's documented rules (valid JSON, a
 * real UTC time, whole non-negative token counts, a numeric cost when there is one): the independent side of the
 * report's figures.
 */
export function demoRecords(dir = 'fixtures/demo/logs'): DemoRec[] {
  const out: DemoRec[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.jsonl.gz')).sort()) {
    for (const line of gunzipSync(readFileSync(join(dir, name))).toString('utf8').split('\n')) {
      if (line === '') continue;
      let r: DemoRec;
      try {
        r = JSON.parse(line) as DemoRec;
      } catch {
        continue;
      }
      if (!/^\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/.test(r.ts)) continue;
      if (![r.input_tokens, r.output_tokens].every((n) => Number.isInteger(n) && (n as number) >= 0)) continue;
      if (r.cost_usd !== undefined && typeof r.cost_usd !== 'number') continue;
      out.push(r);
    }
  }
  return out;
}

/** The generator's ground truth for the demo logs (fixtures/demo/truth.json). */
export function demoTruth(): DemoTruth {
  return JSON.parse(readFileSync('fixtures/demo/truth.json', 'utf8')) as DemoTruth;
}

export const inRange = (recs: readonly DemoRec[], from: string, to: string): DemoRec[] => recs.filter((r) => r.ts >= from && r.ts < to);

/** Tokens per dollar of provider calls with a known cost (cache hits left out). */
export function tokensPerDollar(recs: readonly DemoRec[]): number {
  const calls = recs.filter((r) => !r.cache_hit && r.cost_usd !== undefined);
  return calls.reduce((s, r) => s + (r.input_tokens ?? 0) + (r.output_tokens ?? 0), 0) / calls.reduce((s, r) => s + r.cost_usd!, 0);
}

/** The first `limit` distinct normalized inputs of the demo logs (templated prompts, paraphrases, chit-chat), in log order. */
export function demoTexts(limit: number, dir = 'fixtures/demo/logs'): string[] {
  const texts: string[] = [];
  const seen = new Set<string>();
  for (const name of readdirSync(dir).sort()) {
    for (const line of gunzipSync(readFileSync(join(dir, name))).toString('utf8').split('\n')) {
      const input = /"input":("(?:[^"\\]|\\.)*")/.exec(line)?.[1];
      if (!input) continue;
      const text = normalizeText(JSON.parse(input) as string);
      if (!seen.has(text)) {
        seen.add(text);
        texts.push(text);
        if (texts.length >= limit) return texts;
      }
    }
  }
  return texts;
}
