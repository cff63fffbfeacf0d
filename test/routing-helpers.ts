import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifierSection, type ClassifierResult } from '../src/analyses/classifier.js';
import { deviationSection, type Deviation } from '../src/analyses/deviation.js';
import { normalizeConfig } from '../src/config.js';
import { withDatabase, type Database } from '../src/db/database.js';
import { ingestFile } from '../src/load/ingest.js';
import { parseMapOption } from '../src/load/mapping.js';
import type { SectionContext } from '../src/report/section.js';

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
  const config = normalizeConfig(raw, o.configFile ?? 'test-config');
  return withDatabase({ path: o.database ?? ':memory:' }, async (db) => {
    for (const f of files) await ingestFile(db, f, f, { map: parseMapOption(o.map ?? []) });
    if (o.before) await o.before(db);
    const ctx: SectionContext = {
      db,
      window: { from: o.window?.from ? new Date(o.window.from) : null, to: o.window?.to ? new Date(o.window.to) : null },
      params: { from: o.window?.from ?? null, to: o.window?.to ?? null },
      config,
      options: o.options ?? {},
      log: () => {},
    };
    const d = await deviationSection.build(ctx);
    const c = await classifierSection.build(ctx);
    return { deviation: d.deviation!, classifier: c.classifier! };
  });
}

export function demoFiles(): string[] {
  return readdirSync(DEMO_LOGS).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => join(DEMO_LOGS, f));
}
