import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassifierResult } from '../src/analyses/classifier.js';
import type { Deviation } from '../src/analyses/deviation.js';
import { classifierSection } from '../src/sections/classifier.js';
import { deviationSection } from '../src/sections/deviation.js';
import { withDatabase, type Database } from '../src/db/database.js';
import { ingestFile } from '../src/load/ingest.js';
import { parseMapOption } from '../src/load/mapping.js';
import type { Report } from '../src/report/report.js';
import { testContext } from './section-context.js';

/** The routing fixture: 15 hand-made requests whose every figure is worked out in the tests. */
export const TINY = 'fixtures/routing/requests.jsonl';
export const TINY_CONFIG = 'fixtures/routing/routecheck.config.json';
export const DEMO_LOGS = 'fixtures/demo/logs';

export interface RoutingSections {
  deviation: Deviation;
  classifier: ClassifierResult;
}

export interface RoutingRunOptions {
  /** Raw config object (else read from configFile). */
  config?: Record<string, unknown>;
  configFile?: string;
  /** Raw report options: labels, retryWindow, jitterBand. */
  options?: Record<string, unknown>;
  /** --map entries for ingest (e.g. ideal=none to drop the records' own labels). */
  map?: string[];
  /** The report window, ISO text: from inclusive, to exclusive. */
  window?: { from: string | null; to: string | null };
  /** A DuckDB file to open (e.g. test/demo-report.ts's demoDb()) instead of a fresh in-memory database. */
  database?: string;
  /** Runs on the database after loading, before the sections (e.g. a replay table). */
  before?: (db: Database) => Promise<void>;
}

/** Loads files into a fresh in-memory database (or o.database) and builds the deviation and classifier sections. */
export async function routingSections(files: string[], o: RoutingRunOptions = {}): Promise<RoutingSections> {
  const raw = o.config ?? (o.configFile ? (JSON.parse(readFileSync(o.configFile, 'utf8')) as Record<string, unknown>) : {});
  return withDatabase({ path: o.database ?? ':memory:' }, async (db) => {
    for (const f of files) await ingestFile(db, f, f, { map: parseMapOption(o.map ?? []) });
    if (o.before) await o.before(db);
    const ctx = testContext(db, { window: o.window ?? { from: null, to: null }, flags: o.options ?? {}, config: raw, configFile: o.configFile ?? 'test-config' });
    const d = await deviationSection.build(ctx, {} as Report);
    const c = await classifierSection.build(ctx, {} as Report);
    return { deviation: d.deviation!, classifier: c.classifier! };
  });
}

export function demoFiles(): string[] {
  return readdirSync(DEMO_LOGS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => join(DEMO_LOGS, f));
}
