import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';

/** The one place a command's main output is written: --out FILE or stdout. */
export function writeOutput(text: string, options: Pick<CommonOptions, 'out' | 'quiet'>, io: Io): void {
  if (options.out) {
    writeFileAtomic(options.out, text);
    if (!options.quiet) io.stderr(`wrote ${options.out}\n`);
  } else {
    io.stdout(text);
  }
}

/**
 * Writes `text` to `path` whole or not at all: into a temp file beside it, then renamed over it (a rename within a
 * folder is atomic). A full disk or a cut-off run leaves the previous file as it was, never a truncated one.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  replaceAtomic(path, (temp) => writeFileSync(temp, text, { flag: 'wx' }));
}

/** `write(temp)` makes the file at a temp path beside `path`; it then replaces `path`. The temp file never stays. */
export async function replaceAtomicAsync(path: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = prepare(path);
  try {
    await write(temp);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw writeError(path, error);
  }
}

function replaceAtomic(path: string, write: (temp: string) => void): void {
  const temp = prepare(path);
  try {
    write(temp);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw writeError(path, error);
  }
}

function prepare(path: string): string {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw writeError(path, error);
  }
  return join(dirname(path), `.${basename(path)}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`);
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENAMETOOLONG: 'the name is too long',
};

/** The user's situation (a full disk, no permission) as one line, exit 2; anything else as it is. */
function writeError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const why = code ? WRITE_ERRORS[code] : undefined;
  if (why === undefined) {
    const message = error instanceof Error ? error.message : '';
    // DuckDB's COPY reports a full disk in its own words.
    if (/No space left on device/i.test(message)) return new UserError(`cannot write ${path}: no space left on the device; the previous file, if any, is unchanged`, 2, { cause: error });
    return error;
  }
  return new UserError(`cannot write ${path}: ${why}; the previous file, if any, is unchanged`, 2, { cause: error });
}
