import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Io } from './io.js';
import type { CommonOptions } from './options.js';

/** The one place a command's main output is written: --out FILE or stdout. */
export function writeOutput(text: string, options: Pick<CommonOptions, 'out' | 'quiet'>, io: Io): void {
  if (options.out) {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, text);
    if (!options.quiet) io.stderr(`wrote ${options.out}\n`);
  } else {
    io.stdout(text);
  }
}
