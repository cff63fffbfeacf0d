import type { LogFormat, Sample } from './types.js';
import { native } from './native.js';
import { helicone } from './helicone.js';
import { langfuse } from './langfuse.js';
import { litellmPayload, litellmSpendLogs } from './litellm.js';
import { portkey } from './portkey.js';
import { otel } from './otel.js';
import { openaiBatch } from './openai-batch.js';
import { anthropicBatch } from './anthropic-batch.js';
import { seedText } from './seed-text.js';
import { routecheckExport } from './routecheck-export.js';

/**
 * Every format routecheck reads. Detection asks each format with the file's framing for a score;
 * the highest wins, and native (which scores low) is the fallback for any JSON-shaped record.
 */
export const FORMATS: readonly LogFormat[] = [native, helicone, langfuse, litellmSpendLogs, litellmPayload, portkey, otel, openaiBatch, anthropicBatch, seedText, routecheckExport];

export function formatByName(name: string): LogFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** The formats whose cost column defaults to 0 (a logged 0 there is not evidence of a free call). */
export function zeroDefaultCostFormats(): string[] {
  return FORMATS.filter((f) => f.zeroCostIsDefault !== undefined).map((f) => f.name);
}

export function formatNames(): string[] {
  return FORMATS.map((f) => f.name);
}

/** The best format for a sample, or undefined when none claims it. Pure. */
export function detectFormat(sample: Sample): LogFormat | undefined {
  let best: LogFormat | undefined;
  let bestScore = 0;
  for (const format of FORMATS) {
    if (!format.framings.includes(sample.framing)) continue;
    const score = format.detect(sample);
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  return best;
}
