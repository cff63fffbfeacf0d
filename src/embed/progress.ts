/**
 * A one-line progress indicator on stderr for long embedding runs: shown only on a terminal and only for runs of
 * at least `minTotal` texts, redrawn at most every `intervalMs`, erased when done. Everything it touches is
 * injected, so tests assert its exact output.
 */
export type ProgressFn = (done: number, total: number) => void;

export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

export interface ProgressOptions {
  /** Where the line goes (the command's stderr, through its Io): nothing here writes to the process directly. */
  sink: ProgressSink;
  /** Runs shorter than this print nothing (default 2,000 texts). */
  minTotal?: number;
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressLine {
  update: ProgressFn;
  /** Erases the line (if one was drawn). */
  done(): void;
}

export function progressLine(label: string, options: ProgressOptions): ProgressLine {
  const sink = options.sink;
  const minTotal = options.minTotal ?? 2000;
  const intervalMs = options.intervalMs ?? 200;
  const now = options.now ?? Date.now;
  let last = -Infinity;
  let width = 0;
  return {
    update(done, total) {
      if (!sink.isTTY || total < minTotal) return;
      const t = now();
      if (done < total && t - last < intervalMs) return;
      last = t;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const text = `${label} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${pct}%)`;
      sink.write(`\r${text.padEnd(width)}`);
      width = Math.max(width, text.length);
    },
    done() {
      if (width > 0) sink.write(`\r${' '.repeat(width)}\r`);
      width = 0;
    },
  };
}

/** A stage's wall time, reported when asked for (ROUTECHECK_TIMINGS=1: the benchmark's breakdown of a section). */
export type StageTiming = (stage: string, seconds: number) => void;

/**
 * Laps of a stopwatch: each call reports the time since the one before under `prefix.name` (nothing without
 * `timing`). The clock is performance.now(): wall time, which is what a user waits for.
 */
export function laps(timing: StageTiming | undefined, prefix: string): (name: string) => void {
  let last = performance.now();
  return (name) => {
    const now = performance.now();
    timing?.(`${prefix}.${name}`, (now - last) / 1000);
    last = now;
  };
}
