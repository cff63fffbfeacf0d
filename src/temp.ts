import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Private temporary folders: `mkdtemp` under the system temp folder (an unpredictable name, mode 0700, so nobody can
 * plant a symlink in it or read what lands there), removed by their owner when done, and on any exit or
 * SIGINT/SIGTERM/SIGHUP before that: a copy of stdin or DuckDB's spill files never outlive the run.
 */
export interface TempDir {
  readonly path: string;
  /** Removes the folder and everything in it; safe to call twice. */
  remove(): void;
}

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function privateTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  if (live.size === 0) watch(true);
  live.add(path);
  return {
    path,
    remove() {
      if (!live.delete(path)) return;
      removeQuietly(path);
      if (live.size === 0) watch(false);
    },
  };
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Nothing to do at exit about a folder that cannot be removed.
  }
}

function removeAll(): void {
  for (const path of live) removeQuietly(path);
  live.clear();
}

/**
 * Removes the folders, then lets the signal do what it would have done: with no other listener, re-raised, it ends
 * the process with the signal's own status (130 for ^C), as if routecheck had not been listening.
 */
function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  watch(false);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watch(on: boolean): void {
  if (on) {
    process.on('exit', removeAll);
    for (const s of SIGNALS) process.on(s, onSignal);
  } else {
    process.off('exit', removeAll);
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}
