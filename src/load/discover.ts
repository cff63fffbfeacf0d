import { createWriteStream, mkdtempSync, rmSync, statSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { InputError } from '../errors.js';
import { isPostgresUrl, parsePostgresUrl, type PostgresSource } from './postgres-source.js';

/** File endings a directory walk picks up (before an optional .gz/.zst). */
const LOG_FILE = /\.(jsonl|ndjson|json|log|txt|csv|tsv|parquet|arrow|arrows|ipc|feather)(\.(gz|zst))?$/i;

export interface InputFile {
  /** Where to read the bytes. */
  path: string;
  /** What source_file says: the path as given, `<stdin>`, or a database URL without its password. */
  label: string;
  /** A `postgres://` input: rows are read from the database, not from `path` (empty). */
  postgres?: PostgresSource;
}

/**
 * Expands the command line's inputs: files, directories (recursive, log-like files only, sorted),
 * glob patterns (`*`, `**`, `?`, `[..]`, `{a,b}`; for when the shell did not expand them), `-`, and
 * `postgres://` URLs (parsed here, so a malformed one fails before anything is read; `env` gives PGHOST/PGPORT).
 * A missing file or a pattern that matches nothing is a usage error: the run would silently be empty.
 */
export async function discoverInputs(
  inputs: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
  env: NodeJS.ProcessEnv = {},
): Promise<{ files: InputFile[]; cleanup: () => void }> {
  const files: InputFile[] = [];
  const cleanups: (() => void)[] = [];
  for (const input of inputs) {
    if (isPostgresUrl(input)) {
      const source = parsePostgresUrl(input, env);
      files.push({ path: '', label: source.label, postgres: source });
    } else if (input === '-') {
      const dir = mkdtempSync(join(tmpdir(), 'routecheck-stdin-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const path = await copyStdin(stdin, dir);
      files.push({ path, label: '<stdin>' });
    } else {
      const stat = statOrNull(input);
      if (stat?.isDirectory()) {
        const found = walk(input).filter((p) => LOG_FILE.test(p));
        files.push(...found.map((p) => ({ path: p, label: p })));
      } else if (stat) {
        files.push({ path: input, label: input });
      } else if (isDynamicPattern(input)) {
        const matches = expandGlob(input);
        if (matches.length === 0) throw new InputError(`no files match ${input}`);
        files.push(...matches.map((p) => ({ path: p, label: p })));
      } else {
        throw new InputError(`cannot read ${input}: no such file or directory`);
      }
    }
  }
  return { files, cleanup: () => cleanups.forEach((c) => c()) };
}

/** An existing path is taken literally, even when its name has glob characters (`logs[1].jsonl`). */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

async function copyStdin(stdin: NodeJS.ReadableStream, dir: string): Promise<string> {
  // Peek at the magic bytes so DuckDB knows how to decompress: gzip 1f 8b, zstd 28 b5 2f fd.
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  const bytes = Buffer.concat(chunks);
  const ext = bytes[0] === 0x1f && bytes[1] === 0x8b ? '.jsonl.gz' : bytes.readUInt32LE(0) === 0xfd2fb528 && bytes.length >= 4 ? '.jsonl.zst' : '.jsonl';
  const path = join(dir, 'stdin' + ext);
  const out = createWriteStream(path);
  await pipeline(async function* () {
    yield bytes;
  }, out);
  return path;
}

/** Every file below `dir`, sorted, hidden files and folders left out (tinyglobby's `dot: false`). */
function walk(dir: string): string[] {
  return sortPaths(globSync('**/*', { cwd: dir, onlyFiles: true, dot: false, expandDirectories: false }).map((p) => join(dir, p)));
}

/**
 * The files a pattern matches, sorted. Paths come back relative to the working folder, or absolute when the
 * pattern is, so labels read like what the user typed. `expandDirectories: false`: a pattern that matches a
 * folder names that folder, not everything in it (what a shell would pass).
 */
function expandGlob(pattern: string): string[] {
  return sortPaths(globSync(pattern, { onlyFiles: true, dot: false, expandDirectories: false, absolute: isAbsolute(pattern) }));
}

/** Folder by folder, names in locale order: the order a sorted recursive listing shows. */
function sortPaths(paths: string[]): string[] {
  const parts = new Map(paths.map((p) => [p, p.split(sep)]));
  return paths.sort((a, b) => {
    const x = parts.get(a)!;
    const y = parts.get(b)!;
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = x[i]!.localeCompare(y[i]!);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  });
}
