import { closeSync, createReadStream, createWriteStream, lstatSync, openSync, readSync, renameSync, statSync, symlinkSync, type Stats } from 'node:fs';
import { basename, isAbsolute, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { InputError } from '../errors.js';
import { privateTempDir, type TempDir } from '../temp.js';
import { isPostgresUrl, parsePostgresUrl, type PostgresSource } from './postgres-source.js';

/** File endings a directory walk picks up (before an optional .gz/.zst). */
const LOG_FILE = /\.(jsonl|ndjson|json|log|txt|csv|tsv|parquet|arrow|arrows|ipc|feather)(\.(gz|zst))?$/i;

export interface InputFile {
  /** Where to read the bytes: a path DuckDB takes literally (see duckdbSafe). */
  path: string;
  /** What source_file says: the path as given, `<stdin>`, or a database URL without its password. */
  label: string;
  /** A `postgres://` input: rows are read from the database, not from `path` (empty). */
  postgres?: PostgresSource;
}

export interface Discovered {
  files: InputFile[];
  /** Inputs left out, one line each (a file named twice, through a symlink or two patterns, is read once). */
  notes: string[];
  /** Removes the copies of streams; also done on exit or a signal. */
  cleanup: () => void;
}

/**
 * Expands the command line's inputs: files, directories (recursive, log-like files only, sorted), glob patterns
 * (`*`, `**`, `?`, `[..]`, `{a,b}`; for when the shell did not expand them), `-`, and `postgres://` URLs (parsed here,
 * so a malformed one fails before anything is read; `env` gives PGHOST/PGPORT).
 * A missing file or a pattern that matches nothing is a usage error: the run would silently be empty.
 *
 * Each input is read once: stdin and other streams (a FIFO, `<(zcat x.gz)`) are copied, streaming, to a private temp
 * folder before anything looks at them, and a file reached twice (a symlink and its target, overlapping patterns, a
 * symlink loop in a walked folder) is kept the first time only. Symlinks are followed.
 */
export async function discoverInputs(inputs: string[], stdin: NodeJS.ReadableStream = process.stdin, env: NodeJS.ProcessEnv = {}): Promise<Discovered> {
  const files: InputFile[] = [];
  const notes: string[] = [];
  let work: TempDir | undefined;
  const workDir = (): string => (work ??= privateTempDir('routecheck-input-')).path;
  const seen = new Map<string, string>();
  const add = (path: string, label: string, stat: Stats): void => {
    const id = `${stat.dev}:${stat.ino}`;
    const first = seen.get(id);
    if (first !== undefined) {
      notes.push(first === label ? `${label} is named twice: read once` : `${label} is the same file as ${first}: read once`);
      return;
    }
    seen.set(id, label);
    files.push({ path: duckdbSafe(path, workDir, files.length), label });
  };
  try {
    for (const input of inputs) {
      if (isPostgresUrl(input)) {
        const source = parsePostgresUrl(input, env);
        files.push({ path: '', label: source.label, postgres: source });
      } else if (input === '-') {
        files.push({ path: await copyStream(stdin, workDir(), 'stdin', files.length), label: '<stdin>' });
      } else {
        // An existing path is taken literally, even when its name has glob characters (`logs[1].jsonl`).
        const stat = statOrNull(input);
        if (stat?.isDirectory()) {
          for (const p of walk(input)) addFound(p, add);
        } else if (stat?.isFile()) {
          add(input, input, stat);
        } else if (stat) {
          // A FIFO, `<(…)` (/dev/fd/N), a character device: bytes that can be read only once.
          files.push({ path: await copyStream(createReadStream(input), workDir(), basename(input), files.length), label: input });
        } else if (lstatOrNull(input)?.isSymbolicLink()) {
          throw new InputError(`cannot read ${input}: a symbolic link to a missing file`);
        } else if (isDynamicPattern(input)) {
          const matches = expandGlob(input);
          if (matches.length === 0) throw new InputError(`no files match ${input}`);
          for (const p of matches) addFound(p, add);
        } else {
          throw new InputError(`cannot read ${input}: no such file or directory`);
        }
      }
    }
  } catch (error) {
    work?.remove();
    throw error;
  }
  return { files, notes, cleanup: () => work?.remove() };
}

/** A path a walk or a pattern found: a file (through any symlinks) is added; anything else is passed over. */
function addFound(path: string, add: (path: string, label: string, stat: Stats) => void): void {
  const stat = statOrNull(path);
  if (stat?.isFile()) add(path, path, stat);
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/**
 * DuckDB expands `*`, `?` and `[..]` in every path it reads (`logs[1].jsonl` would read `logs1.jsonl`), `~` to the home
 * folder, and takes `scheme://` as a URL. A path that has any of these is read through a symlink of a plain name in
 * the private temp folder; the file keeps its label.
 */
function duckdbSafe(path: string, workDir: () => string, index: number): string {
  if (!/[*?[\]{}\\]/.test(path) && !path.startsWith('~') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  const ext = /(\.[A-Za-z0-9]+)?(\.(gz|zst))?$/i.exec(basename(path))?.[0] ?? '';
  const alias = join(workDir(), `input-${index}${ext}`);
  symlinkSync(resolve(path), alias);
  return alias;
}

/** Magic bytes that say what a stream holds, for the name of its copy (DuckDB decompresses by the file's ending). */
function sniffExtension(head: Buffer): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return '.jsonl.gz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return '.jsonl.zst';
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return '.parquet';
  if (head.subarray(0, 6).toString('latin1') === 'ARROW1') return '.arrow';
  return '.jsonl';
}

/**
 * Copies a stream to a file of the private temp folder, chunk by chunk (memory stays bounded, whatever comes down
 * the pipe), and names it by what it holds: its own name's ending when that is a log file's, else its magic bytes.
 */
async function copyStream(source: NodeJS.ReadableStream, dir: string, name: string, index: number): Promise<string> {
  const part = join(dir, `copy-${index}.part`);
  await pipeline(source, createWriteStream(part, { mode: 0o600 }));
  let ext = LOG_FILE.exec(name)?.[0];
  if (ext === undefined) {
    const head = Buffer.alloc(8);
    const fd = openSync(part, 'r');
    try {
      ext = sniffExtension(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    } finally {
      closeSync(fd);
    }
  }
  const path = join(dir, `copy-${index}${ext}`);
  renameSync(part, path);
  return path;
}

/**
 * Every file below `dir`, sorted, hidden files and folders left out (tinyglobby's `dot: false`). Symlinks are
 * followed (a loop is walked once: fdir stops where a folder's real path repeats).
 */
function walk(dir: string): string[] {
  const found = globSync('**/*', { cwd: dir, onlyFiles: true, dot: false, expandDirectories: false, followSymbolicLinks: true });
  return sortPaths(found.map((p) => join(dir, p)).filter((p) => LOG_FILE.test(p)));
}

/**
 * The files a pattern matches, sorted. Paths come back relative to the working folder, or absolute when the
 * pattern is, so labels read like what the user typed. `expandDirectories: false`: a pattern that matches a
 * folder names that folder, not everything in it (what a shell would pass).
 */
function expandGlob(pattern: string): string[] {
  // tinyglobby takes `./x/*.jsonl` as it is; the prefix is dropped so that labels read `x/a.jsonl` either way.
  const cleaned = pattern.replace(/^(\.\/)+/, '');
  return sortPaths(globSync(cleaned, { onlyFiles: true, dot: false, expandDirectories: false, followSymbolicLinks: true, absolute: isAbsolute(pattern) }));
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
