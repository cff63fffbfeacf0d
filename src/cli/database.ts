import { withDatabase, type Database } from '../db/database.js';
import type { RunSettings } from '../settings.js';
import type { Io } from './io.js';

/**
 * A command's database, as its settings say: the file (or memory), the memory limit, --wait for a file another
 * process holds, and read-only access when the command appends nothing to it (`appends`: it loads files or stores
 * what it fetched). A file read read-only is said once on stderr: nothing of this run is stored in it.
 */
export async function withRunDatabase<T>(
  settings: Pick<RunSettings, 'memoryLimit' | 'waitSeconds' | 'quiet'>,
  io: Pick<Io, 'stderr'>,
  target: { path: string; appends: boolean },
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const options = { path: target.path, waitSeconds: settings.waitSeconds, readOnlyOk: !target.appends, ...(settings.memoryLimit ? { memoryLimit: settings.memoryLimit } : {}) };
  return withDatabase(options, async (db) => {
    if (db.readOnly && !settings.quiet) {
      io.stderr(`routecheck: ${target.path} is not writable: read read-only (this run stores nothing in it: no report history, no caches)\n`);
    }
    return fn(db);
  });
}
