import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { discoverInputs } from '../src/load/discover.js';

// A folder with log files at two depths, files that are not logs, hidden entries and a name with glob characters.
const root = mkdtempSync(join(tmpdir(), 'routecheck-discover-'));
for (const file of ['b.jsonl', 'a.jsonl.gz', 'notes.md', 'sub/c.csv', 'sub/deeper/d.jsonl', '.hidden.jsonl', '.cache/e.jsonl', 'week[1].jsonl']) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), '{}\n');
}

const labels = async (...inputs: string[]): Promise<string[]> => {
  const { files, cleanup } = await discoverInputs(inputs, Readable.from([]));
  cleanup();
  return files.map((f) => f.label);
};
const inRoot = (...names: string[]) => names.map((n) => join(root, n));

describe('discoverInputs', () => {
  it('walks a folder: log-like files only, sorted folder by folder, hidden entries skipped', async () => {
    expect(await labels(root)).toEqual(inRoot('a.jsonl.gz', 'b.jsonl', 'sub/c.csv', 'sub/deeper/d.jsonl', 'week[1].jsonl'));
  });

  it('expands *, **, ?, [..] and {a,b} when the shell did not, sorted and without hidden files', async () => {
    expect(await labels(join(root, '*.jsonl'))).toEqual(inRoot('b.jsonl', 'week[1].jsonl'));
    expect(await labels(join(root, '**/*.jsonl'))).toEqual(inRoot('b.jsonl', 'sub/deeper/d.jsonl', 'week[1].jsonl'));
    expect(await labels(join(root, '?.jsonl*'))).toEqual(inRoot('a.jsonl.gz', 'b.jsonl'));
    expect(await labels(join(root, '[ab].jsonl'))).toEqual(inRoot('b.jsonl'));
    expect(await labels(join(root, '{notes.md,sub/c.csv}'))).toEqual(inRoot('notes.md', 'sub/c.csv'));
    // A relative pattern gives paths relative to the working folder, as a shell would.
    expect(await labels('fixtures/formats/native.jsonl*')).toEqual(['fixtures/formats/native.jsonl', 'fixtures/formats/native.jsonl.gz', 'fixtures/formats/native.jsonl.zst']);
  });

  it('takes an existing file literally, even with glob characters in its name', async () => {
    expect(await labels(join(root, 'week[1].jsonl'), join(root, 'notes.md'))).toEqual(inRoot('week[1].jsonl', 'notes.md'));
  });

  it('refuses a pattern that matches nothing and a missing file', async () => {
    await expect(labels(join(root, '*.parquet'))).rejects.toThrow(InputError);
    await expect(labels(join(root, '*.parquet'))).rejects.toThrow(/no files match/);
    await expect(labels(join(root, 'missing.jsonl'))).rejects.toThrow(/cannot read .*missing\.jsonl: no such file/);
  });

  it('copies - (stdin) to a temp file and removes it on cleanup', async () => {
    const { files, cleanup } = await discoverInputs(['-'], Readable.from([Buffer.from('{"a":1}\n')]));
    expect(files).toHaveLength(1);
    expect(files[0]!.label).toBe('<stdin>');
    expect(readFileSync(files[0]!.path, 'utf8')).toBe('{"a":1}\n');
    cleanup();
    expect(() => readFileSync(files[0]!.path)).toThrow();
  });
});
