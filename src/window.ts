import { UsageError } from './errors.js';

/** A bound as the user wrote it: an instant, or a duration back from the end of the data. */
export type Bound = { kind: 'instant'; at: Date } | { kind: 'ago'; ms: number };

const DURATION = /^(\d+)\s*([hdw])$/i;
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `2025-03-17`, `2025-03-17T12:00:00Z`, or `7d` / `4w` / `12h`. Pure. */
export function parseBound(text: string, flag: string): Bound {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) return { kind: 'ago', ms: Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase()]! };
  if (/^\d{4}-\d\d-\d\d$/.test(trimmed)) {
    const at = new Date(trimmed + 'T00:00:00Z');
    if (!Number.isNaN(at.getTime())) return { kind: 'instant', at };
  } else if (/^\d{4}-\d\d-\d\d[T ]/.test(trimmed)) {
    const iso = trimmed.replace(' ', 'T');
    const at = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + 'Z');
    if (!Number.isNaN(at.getTime())) return { kind: 'instant', at };
  }
  throw new UsageError(`${flag} "${text}" is not a date (2025-03-17, 2025-03-17T12:00:00Z) or a duration (7d, 4w, 12h)`);
}

export interface Window {
  /** Inclusive. */
  from: Date | null;
  /** Exclusive. */
  to: Date | null;
}

/**
 * Resolves --since/--until against the data: durations count back from the latest timestamp,
 * so `--since 7d` means the last 7 days of the logs, whether they are live or a year old.
 */
export function resolveWindow(since: Bound | undefined, until: Bound | undefined, dataEnd: Date | null): Window {
  const resolve = (b: Bound | undefined): Date | null => {
    if (!b) return null;
    if (b.kind === 'instant') return b.at;
    return dataEnd ? new Date(dataEnd.getTime() - b.ms) : null;
  };
  const from = resolve(since);
  const to = resolve(until);
  if (from && to && from >= to) throw new UsageError(`--since must be before --until`);
  return { from, to };
}
