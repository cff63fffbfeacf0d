import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../errors.js';

/** File endings a directory walk picks up (before an optional .gz/.zst). */
const LOG_FILE = /\.(jsonl|ndjson|json|log|txt|csv|tsv|parquet|arrow|arrows|ipc|feather)(\.(gz|zst))?$/i;

export interface InputFile {
  /** Where to read the bytes. */
  path: string;
  /** What source_file says: the path as given, or `<stdin>`. */
  label: string;
}

/**
 * Expands the command line's inputs: files, directories (recursive, log-like files only, sorted),
 * glob patterns (`*`, `**`, `?`, `[..]`, `{a,b}`; for when the shell did not expand them) and `-`.
 * A missing file or a pattern that matches nothing is a usage error: the run would silently be empty.
 */
export async function discoverInputs(inputs: string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<{ files: InputFile[]; cleanup: () => void }> {
  const files: InputFile[] = [];
  const cleanups: (() => void)[] = [];
  for (const input of inputs) {
    if (input === '-') {
      const dir = mkdtempSync(join(tmpdir(), 'routecheck-stdin-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const path = await copyStdin(stdin, dir);
      files.push({ path, label: '<stdin>' });
    } else if (hasGlob(input)) {
      const matches = expandGlob(input);
      if (matches.length === 0) throw new InputError(`no files match ${input}`);
      files.push(...matches.map((p) => ({ path: p, label: p })));
    } else {
      let stat;
      try {
        stat = statSync(input);
      } catch {
        throw new InputError(`cannot read ${input}: no such file or directory`);
      }
      if (stat.isDirectory()) {
        const found = walk(input).filter((p) => LOG_FILE.test(p));
        files.push(...found.map((p) => ({ path: p, label: p })));
      } else {
        files.push({ path: input, label: input });
      }
    }
  }
  return { files, cleanup: () => cleanups.forEach((c) => c()) };
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

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export function hasGlob(s: string): boolean {
  return /[*?[{]/.test(s);
}

/** A glob pattern as an anchored RegExp over '/'-separated paths. Pure. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += '(?:' + pattern.slice(i + 1, end).split(',').map(escapeRe).join('|') + ')';
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp('^' + re + '$');
}

function escapeRe(s: string): string {
  return s.replace(/[.+^$()|\\/]/g, '\\$&');
}

function expandGlob(pattern: string): string[] {
  const normalized = pattern.split(sep).join('/');
  const parts = normalized.split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const baseParts = parts.slice(0, firstGlob);
  const base = baseParts.join('/') || (normalized.startsWith('/') ? '/' : '.');
  const re = globToRegExp(normalized);
  let candidates: string[];
  try {
    candidates = walk(base);
  } catch {
    return [];
  }
  const prefix = base === '.' && !normalized.startsWith('./') ? '' : undefined;
  return candidates.filter((p) => {
    const rel = (prefix === '' ? relative('.', resolve(p)) : p).split(sep).join('/');
    return re.test(rel);
  });
}
