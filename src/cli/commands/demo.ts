import { writeDemo } from '../../demo/write.js';
import { UsageError } from '../../errors.js';
import { int } from '../../render/format.js';
import type { Io } from '../io.js';
import { plural } from '../../words.js';

export interface DemoCommandOptions {
  out: string;
  days: string;
  seed: string;
  start: string;
  scale: string;
  healthy?: boolean;
  quiet?: boolean;
}

/** `routecheck demo --out DIR`: writes a deterministic multi-week log with the seed's failure modes. */
export async function demoCommand(raw: DemoCommandOptions, io: Io): Promise<number> {
  const days = positiveInt(raw.days, '--days');
  const seed = positiveInt(raw.seed, '--seed');
  const scale = Number(raw.scale);
  if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--scale "${raw.scale}" must be a positive number`);
  if (!/^\d{4}-\d\d-\d\d$/.test(raw.start) || Number.isNaN(Date.parse(raw.start))) {
    throw new UsageError(`--start "${raw.start}" must be a date like 2025-02-10`);
  }
  const { files, truth } = await writeDemo(raw.out, { days, seed, start: raw.start, scale, healthy: Boolean(raw.healthy) });
  if (!raw.quiet) {
    io.stderr(`wrote ${plural(files.length, 'file')} to ${raw.out}: ${plural(truth.requests, 'request')}${raw.healthy ? ' (healthy)' : ''}\n`);
  }
  return 0;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} "${text}" must be a positive whole number`);
  return n;
}
