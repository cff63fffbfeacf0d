import { progressLine } from '../embed/progress.js';
import type { RunEffects } from '../sections/section.js';
import { terminalLine } from '../render/escape.js';
import type { RunSettings } from '../settings.js';
import type { Io } from './io.js';
import { progressSink } from './progress.js';

/**
 * The report's side effects, made from the command's Io: notes on stderr unless --quiet, progress lines only
 * where stderr is a terminal, the Io's clock, and the per-section timings that ROUTECHECK_TIMINGS=1 (read from the
 * Io's env) asks for. Sections and analyses get only this. A log message is one line: it quotes log data (model
 * names, classifier errors), so a line feed in the data is shown as `\n` rather than starting a line of its own.
 */
export function runEffects(io: Io, settings: Pick<RunSettings, 'quiet'>): RunEffects {
  const sink = progressSink(io, settings.quiet);
  const effects: RunEffects = {
    log: (message) => {
      if (!settings.quiet) io.stderr(terminalLine(message) + '\n');
    },
    progress: (label, options = {}) => progressLine(label, { sink, ...options }),
    now: () => (io.now ? io.now() : new Date()),
  };
  if (io.env['ROUTECHECK_TIMINGS'] === '1') effects.timing = (section, seconds) => io.stderr(`timing ${section} ${seconds.toFixed(2)} s\n`);
  return effects;
}
