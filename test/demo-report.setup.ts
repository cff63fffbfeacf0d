import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test/demo-report.ts keeps what it builds once per test run (the demo database, shared reports). */
    demoCacheDir: string;
  }
}

/**
 * vitest globalSetup: one temp folder for the whole run, removed at the end. The demo database and reports are
 * built in it lazily, by the first test file that asks (test/demo-report.ts), so running one unrelated test file
 * pays nothing for them.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-demo-cache-'));
  project.provide('demoCacheDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
