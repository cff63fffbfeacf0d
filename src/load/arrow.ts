import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { InputError } from '../errors.js';
import { privateTempDir } from '../temp.js';

/**
 * Arrow IPC (file or stream) → a temporary JSONL file that the line framer reads.
 * DuckDB's own Arrow IPC reader is an extension that would need a network install, so this is the
 * one place rows pass through JS; Arrow is columnar and already typed, so nothing is parsed here.
 */
export async function readArrowAsJsonl(path: string): Promise<{ path: string; cleanup: () => void }> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (/\.gz$/i.test(path)) bytes = gunzipSync(bytes);
  if (/\.zst$/i.test(path)) throw new InputError(`${path}: zstd-compressed Arrow files are not supported; decompress it first`);
  let table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new InputError(`${path} is not an Arrow IPC file: ${(error as Error).message}`);
  }
  const dir = privateTempDir('routecheck-arrow-');
  const out = join(dir.path, 'rows.jsonl');
  const lines: string[] = [];
  for (const row of table) {
    lines.push(JSON.stringify(row ? row.toJSON() : {}, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return { path: out, cleanup: () => dir.remove() };
}
