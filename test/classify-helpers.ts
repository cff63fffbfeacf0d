import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../src/db/database.js';
import { ingestFile } from '../src/load/ingest.js';

export const tmpDir = (): string => mkdtempSync(join(tmpdir(), 'routecheck-classify-'));

/** Loads native JSONL records (one object per request) into `db` through the real loader. */
export async function loadRequests(db: Database, records: Record<string, unknown>[]): Promise<void> {
  const file = join(tmpDir(), 'requests.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await ingestFile(db, file, file);
}

/** One request per input, a minute apart from 2025-03-17T09:00Z. */
export function requestsFor(inputs: (string | null)[]): Record<string, unknown>[] {
  return inputs.map((input, i) => ({
    ts: new Date(Date.UTC(2025, 2, 17, 9, i)).toISOString(),
    request_id: `r-${i}`,
    ...(input === null ? {} : { input }),
    model: 'gpt-4o-mini-2024-07-18',
  }));
}

export const SIMPLE_MEDIUM_HARD = {
  resolveTier: (label: string): string | null => (['simple', 'medium', 'hard'].includes(label) ? label : null),
  tierNames: 'simple, medium, hard',
};
