import type { ProgressSink } from '../embed/progress.js';
import type { Io } from './io.js';

/**
 * The progress policy, in one place: a progress line is drawn on stderr only when stderr is a terminal and
 * --quiet is off; it is redrawn in place (`\r`) and erased when its step ends, so a log file or a pipe never
 * sees one. Everything else on stderr (per-file summaries, warnings) is silenced by --quiet; errors never are.
 */

/** Where progress lines go: stderr when it is a terminal and not --quiet, else nowhere (isTTY false). */
export function progressSink(io: Pick<Io, 'stderr' | 'stderrIsTTY'>, quiet: boolean): ProgressSink {
  return { write: (t) => io.stderr(t), isTTY: Boolean(io.stderrIsTTY) && !quiet };
}

export interface StatusLine {
  /** Draws `text` (replacing what was there); nothing when the sink is not a terminal. */
  show(text: string): void;
  /** Erases the line, if one was drawn. */
  clear(): void;
}

/**
 * A one-line status for a step whose own progress is unknown (DuckDB loading one file): the label and, while it
 * runs, the seconds elapsed, redrawn every `tickMs` by an unref'd timer (it never keeps the process alive).
 */
export function statusLine(sink: ProgressSink, options: { tickMs?: number; now?: () => number } = {}): StatusLine & { start(label: string): void } {
  const now = options.now ?? Date.now;
  let width = 0;
  let timer: NodeJS.Timeout | null = null;
  const draw = (text: string): void => {
    if (!sink.isTTY) return;
    sink.write(`\r${text.padEnd(width)}`);
    width = Math.max(width, text.length);
  };
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  return {
    show(text) {
      draw(text);
    },
    start(label) {
      stop();
      draw(label);
      if (!sink.isTTY || options.tickMs === 0) return;
      const began = now();
      timer = setInterval(() => draw(`${label} ${Math.round((now() - began) / 1000)}s`), options.tickMs ?? 1000);
      timer.unref();
    },
    clear() {
      stop();
      if (width > 0) sink.write(`\r${' '.repeat(width)}\r`);
      width = 0;
    },
  };
}
