import { execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { spawnRoutecheck } from './spawn-cli.js';

/** The built CLI through real pipes, FIFOs and signals (issue 12 parts 1 and 6). */

const dir = mkdtempSync(join(tmpdir(), 'routecheck-pipes-'));
const record = (i: number, model = 'gpt-4o-mini') =>
  JSON.stringify({ ts: `2025-03-${10 + (i % 7)}T10:00:00Z`, request_id: `p-${i}`, model, input_tokens: 5, output_tokens: 7, cost_usd: 0.01, input: `prompt ${i}` });

describe('every output format through a real pipe, more than 5 MB of it', () => {
  // Six models whose names are a megabyte each: every format names every model, so each output passes 5 MB.
  const names = Array.from({ length: 6 }, (_, i) => `model-${i}-` + 'y'.repeat(1024 * 1024));
  const db = join(dir, 'big.duckdb');
  beforeAll(async () => {
    const log = join(dir, 'big-names.jsonl');
    writeFileSync(log, Array.from({ length: 12 }, (_, i) => record(i, names[i % 6])).join('\n') + '\n');
    expect((await runCli(['ingest', log, '--db', db, '--quiet'])).code).toBe(0);
  });

  const ends: Record<string, (out: string) => void> = {
    json: (out) => expect(JSON.parse(out).requests.total).toBe(12),
    markdown: (out) => expect(out.endsWith('\n')).toBe(true),
    html: (out) => expect(out.endsWith('</html>\n')).toBe(true),
    prometheus: (out) => {
      for (const line of out.trimEnd().split('\n')) expect(line).toMatch(/^(# .*|[a-z_]+(\{.*\})? \S+)$/);
    },
    table: (out) => expect(out.endsWith('\n')).toBe(true),
  };
  describe.concurrent('each format', () => {
    for (const format of Object.keys(ends)) {
      it(format, async () => {
        // A copy each: the formats run at once, and a report writes its history into the database.
        const own = join(dir, `big-${format}.duckdb`);
        copyFileSync(db, own);
        const r = await spawnRoutecheck(['report', '--db', own, '--all', '--format', format, '--quiet']);
        expect(r.code, r.stderr).toBe(0);
        expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(5 * 1024 * 1024);
        // Every byte of every name arrived (the terminal table wraps long cells over lines; the others keep them whole).
        expect(r.stdout.split('y').length - 1).toBeGreaterThanOrEqual(names.length * 1024 * 1024);
        if (format !== 'table') for (const name of names) expect(r.stdout.includes(name)).toBe(true);
        ends[format]!(r.stdout);
      });
    }
  });
});

describe('streams are read once', () => {
  const lines = Array.from({ length: 500 }, (_, i) => record(i)).join('\n') + '\n';
  const plain = join(dir, 'stream.jsonl');
  writeFileSync(plain, lines);
  const gz = join(dir, 'stream.jsonl.gz');
  writeFileSync(gz, execFileSync('gzip', ['-c'], { input: lines }));
  const total = async (input: string) => JSON.parse((await runCli(['report', input, '--all', '--format', 'json'])).stdout).requests.total as number;

  it('reads a process substitution, <(gzip -dc x.gz)', async () => {
    const out = execFileSync('bash', ['-c', `exec "${process.execPath}" bin/routecheck.js report <(gzip -dc "${gz}") --all --format json`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(out).requests.total).toBe(await total(plain));
  });

  it('reads a FIFO whose writer is still writing', async () => {
    const fifo = join(dir, 'live.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = spawnRoutecheck(['report', fifo, '--all', '--format', 'json', '--quiet']);
    const writer = createWriteStream(fifo);
    const half = lines.length / 2;
    writer.write(lines.slice(0, half));
    await sleep(300);
    writer.end(lines.slice(half));
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).requests.total).toBe(await total(plain));
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`copies stdin in bounded memory, and removes the copy on ${signal}`, async () => {
      const temp = mkdtempSync(join(dir, 'tmp-'));
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const megabytes = 192;
      let peakKb = 0;
      const r = await spawnRoutecheck(['ingest', '-', '--db', join(temp, 'x.duckdb')], {
        stdin: 'pipe',
        env: { ...process.env, TMPDIR: temp },
        started: (child) => {
          void (async () => {
            for (let i = 0; i < megabytes; i++) if (!child.stdin!.write(chunk)) await once(child.stdin!, 'drain');
            // Written and (but for the pipe's buffer) read: the copy is on disk, not in memory.
            const copy = (): number => {
              const folder = readdirSync(temp).find((f) => f.startsWith('routecheck-input-'));
              const part = folder && readdirSync(join(temp, folder)).find((f) => f.endsWith('.part'));
              return part ? statSync(join(temp, folder, part)).size : 0;
            };
            while (copy() < (megabytes - 1) * chunk.length) await sleep(50);
            peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
            child.kill(signal);
          })();
        },
      });
      expect(r.signal).toBe(signal);
      expect(peakKb).toBeGreaterThan(0);
      // Node and DuckDB take about 100 MB; holding the stream would take its 192 MB on top.
      expect(peakKb / 1024).toBeLessThan(megabytes);
      expect(readdirSync(temp).filter((f) => f.startsWith('routecheck-'))).toEqual([]);
    });
  }
});
