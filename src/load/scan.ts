import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { plural } from '../words.js';

/**
 * Lines longer than this are rejected (with their first bytes) rather than read. DuckDB's line reader would reject
 * those up to its buffer size and drop longer ones without a word (shifting every later line number), so the scan
 * below finds them first and DuckDB never sees them.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** How much of an over-long line its reject keeps (a multi-byte character cut at the end shows as U+FFFD). */
const HEAD_BYTES = 10_000;
/** Lines kept for framing detection when the scan makes a copy. */
const FIRST_LINES = 50;
const CHUNK = 1 << 20;
const NEWLINE = Buffer.from('\n');

/** What a pass over a file's bytes found. Most files: nothing, and no copy. */
export interface ByteScan {
  /**
   * Lines taken out of the file, each a reject: longer than MAX_LINE_BYTES (with its first bytes), not valid UTF-8
   * (DuckDB's line reader lets some such lines through, and then fails the whole file when it stores them), or
   * holding the line reader's column delimiter. They are written to a JSONL file of {line, reason, raw} (a file of
   * nothing but bad lines must not be held in memory), which loadBadLines() reads into DuckDB.
   */
  badLines?: { path: string; count: number };
  /** Why a compressed file ends early (truncated or damaged), with the line after the last whole one. */
  damaged?: { line: number; reason: string; warning: string };
  /**
   * When any of these was found: a plain copy of what could be read, the bad lines left empty (so that every line
   * keeps its number), for DuckDB to read instead of the file; and its first lines for framing detection.
   */
  copy?: { path: string; firstLines: string[] };
}

type Compression = 'gzip' | 'zstd' | null;

function compressionOf(path: string): Compression {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zst$/i.test(path)) return 'zstd';
  return null;
}

/**
 * Reads a (possibly compressed) file once, in bounded memory, to find over-long lines, bytes that are not UTF-8, a
 * lone CR and an archive that ends early. JS never splits the records here: it looks at where each chunk's first and last
 * newline fall and validates the bytes in bulk (simdutf). Only when something is found does a second pass count
 * lines and write the copy into `workDir()`.
 */
export async function scanBytes(path: string, workDir: () => string): Promise<ByteScan> {
  const compression = compressionOf(path);
  // The line in progress at a chunk's end: its length, and its bytes while short enough to validate.
  let current = 0;
  let tail: Buffer[] = [];
  let suspect = false;
  let endsWithCr = false;
  let error: Error | undefined;
  try {
    for await (const chunk of chunks(path, compression)) {
      // One finding is enough: the copying pass looks at every line (and meets a damaged archive's end itself).
      if (suspect) break;
      if (hasLoneCr(chunk, endsWithCr) || chunk.indexOf(DELIMITER) >= 0) suspect = true;
      endsWithCr = chunk[chunk.length - 1] === CR;
      const first = chunk.indexOf(10);
      if (first < 0) {
        current += chunk.length;
        if (current > MAX_LINE_BYTES) suspect = true;
        else tail.push(chunk);
        continue;
      }
      const last = chunk.lastIndexOf(10);
      // The line that straddles chunks, then the whole lines inside this one (UTF-8 validity is per line: a
      // character never spans a newline, so any slice between newlines can be validated alone).
      if (current + first > MAX_LINE_BYTES || !isUtf8(Buffer.concat([...tail, chunk.subarray(0, first)]))) suspect = true;
      if (!isUtf8(chunk.subarray(first + 1, last))) suspect = true;
      current = chunk.length - last - 1;
      tail = [chunk.subarray(last + 1)];
    }
    if (current > MAX_LINE_BYTES || !isUtf8(Buffer.concat(tail)) || endsWithCr) suspect = true;
  } catch (e) {
    if (compression === null) throw e;
    error = e instanceof Error ? e : new Error(String(e));
  }
  if (!suspect && !error) return {};
  // The copy keeps the file's own ending (less .gz/.zst): framing by name (.csv, .tsv) reads it the same.
  const ending = /(\.[A-Za-z0-9]+)?$/.exec(basename(path).replace(/\.(gz|zst)$/i, ''))?.[0] ?? '';
  const n = ++copies;
  return copyWithout(path, compression, join(workDir(), `scan-${n}${ending}`), join(workDir(), `scan-${n}.bad.jsonl`));
}

let copies = 0;

/** The second pass: line numbers, bad lines emptied, the readable part of a damaged archive. */
async function copyWithout(path: string, compression: Compression, target: string, badTarget: string): Promise<ByteScan> {
  const out = bufferedWriter(await open(target, 'w', 0o600));
  const bad = bufferedWriter(await open(badTarget, 'w', 0o600));
  let badCount = 0;
  const badLine = async (reason: string, bytes: Buffer): Promise<void> => {
    badCount++;
    // toString keeps U+FFFD for each bad sequence: the reject's text must itself be valid.
    await bad.write(Buffer.from(JSON.stringify({ line, reason, raw: bytes.toString('utf8') }) + '\n'));
  };
  const firstLines: string[] = [];
  let line = 1;
  // The line in progress: its parts while it may still be written, or only its head once it is too long.
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const endLine = async (): Promise<void> => {
    const bytes = Buffer.concat(parts);
    if (tooLong) {
      await badLine(`line longer than ${MAX_LINE_BYTES} bytes: ${size} bytes`, bytes);
    } else if (!isUtf8(bytes)) {
      await badLine('not valid UTF-8', bytes);
    } else if (bytes.includes(DELIMITER)) {
      await badLine('a raw U+0001 control character in the line', bytes);
    } else {
      await out.write(bytes);
      if (firstLines.length < FIRST_LINES) firstLines.push(bytes.toString('utf8'));
    }
    parts = [];
    size = 0;
    tooLong = false;
    line++;
  };
  const take = (bytes: Buffer): void => {
    size += bytes.length;
    if (tooLong) return;
    parts.push(bytes);
    if (size > MAX_LINE_BYTES) {
      tooLong = true;
      parts = [Buffer.concat(parts).subarray(0, HEAD_BYTES)];
    }
  };
  let damaged: ByteScan['damaged'];
  try {
    try {
      for await (const chunk of crAsNewline(chunks(path, compression))) {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
          take(chunk.subarray(start, nl));
          await endLine();
          await out.write(NEWLINE);
          start = nl + 1;
        }
        if (start < chunk.length) take(chunk.subarray(start));
      }
    } catch (e) {
      const kind = compression === 'gzip' ? 'gzip' : 'zstd';
      const message = e instanceof Error ? e.message : String(e);
      const whole = line - 1;
      damaged = {
        line,
        reason: `${kind} archive ends early: truncated or damaged after line ${whole} (${message}), the rest is missing`,
        warning: `the ${kind} archive ends early (${message}) after ${plural(whole, 'whole line')}: the rest of the file is missing`,
      };
    }
    if (size > 0 || tooLong) await endLine();
  } finally {
    await out.close();
    await bad.close();
  }
  const scan: ByteScan = { copy: { path: target, firstLines } };
  if (badCount > 0) scan.badLines = { path: badTarget, count: badCount };
  if (damaged) scan.damaged = damaged;
  return scan;
}

/** Writes a megabyte at a time, not a write per line. */
function bufferedWriter(file: FileHandle): { write(bytes: Buffer): Promise<void>; close(): Promise<void> } {
  let pending: Buffer[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (size > 0) await file.write(Buffer.concat(pending));
    pending = [];
    size = 0;
  };
  return {
    async write(bytes) {
      pending.push(bytes);
      size += bytes.length;
      if (size >= CHUNK) await flush();
    },
    async close() {
      try {
        await flush();
      } finally {
        await file.close();
      }
    },
  };
}

const CR = 0x0d;
const LF = 0x0a;
/**
 * The byte DuckDB's line reader splits columns at (frame.ts LINE_READER): a line holding one would be cut there, and
 * one starting with it would vanish as blank. No JSON record holds it raw (JSON escapes control characters).
 */
const DELIMITER = 0x01;

/**
 * Whether a chunk has a CR that is not part of a CRLF. DuckDB's line reader takes a lone CR as a line break, and
 * loses a character after it, so a file with one is read from the copy, where it is a plain LF. Looks at CRs only:
 * a CRLF file costs one comparison per line.
 */
function hasLoneCr(chunk: Buffer, previousEndedWithCr: boolean): boolean {
  if (previousEndedWithCr && chunk[0] !== LF) return true;
  for (let at = chunk.indexOf(CR); at >= 0 && at < chunk.length - 1; at = chunk.indexOf(CR, at + 1)) {
    if (chunk[at + 1] !== LF) return true;
  }
  return false;
}

/** The chunks with every lone CR made an LF (a CR at a chunk's end waits for the next chunk's first byte). */
async function* crAsNewline(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pendingCr = false;
  for await (const input of source) {
    let chunk = input;
    if (pendingCr) {
      yield Buffer.from([chunk[0] === LF ? CR : LF]);
      pendingCr = false;
    }
    if (chunk.length > 0 && chunk[chunk.length - 1] === CR) {
      chunk = chunk.subarray(0, -1);
      pendingCr = true;
    }
    for (let at = chunk.indexOf(CR); at >= 0; at = chunk.indexOf(CR, at + 1)) {
      if (chunk[at + 1] !== LF) chunk[at] = LF;
    }
    yield chunk;
  }
  if (pendingCr) yield Buffer.from([LF]);
}

/** The file's bytes, decompressed, in chunks of about a megabyte; a damaged archive throws where its data stops. */
async function* chunks(path: string, compression: Compression): AsyncGenerator<Buffer> {
  if (compression === null) {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) return;
        // A fresh copy only when the caller may keep it (the copying pass keeps slices across reads).
        yield Buffer.from(buffer.subarray(0, bytesRead));
      }
    } finally {
      await file.close();
    }
  }
  const source = createReadStream(path, { highWaterMark: CHUNK });
  if (compression === 'gzip') {
    const gunzip = createGunzip({ chunkSize: CHUNK });
    source.on('error', (e) => gunzip.destroy(e));
    source.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } finally {
      // A reader that stops early (the scan's first pass) must not leave the file open.
      source.destroy();
    }
    return;
  }
  const ready: Buffer[] = [];
  // Copied: a decoder may hand out views of its window, which later blocks overwrite.
  const zstd = new Decompress((data) => ready.push(Buffer.from(data)));
  for await (const chunk of source) {
    zstd.push(chunk as Buffer);
    yield* ready.splice(0);
  }
  zstd.push(new Uint8Array(0), true);
  yield* ready.splice(0);
}
