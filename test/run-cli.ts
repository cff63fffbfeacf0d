import { Readable } from 'node:stream';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** What the command sees of its surroundings; the defaults are a pipe, 100 columns, no env, empty stdin. */
export interface CliOptions {
  /** What the command sees as io.env (never the test process's own env). */
  env?: NodeJS.ProcessEnv;
  /** The text on stdin (for `-` inputs). */
  stdin?: string;
  isTTY?: boolean;
  stderrIsTTY?: boolean;
  columns?: number;
}

/** Runs the CLI in-process through `main()` with captured output: the one runner every test uses. */
export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
    columns: options.columns ?? 100,
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
  };
  if (options.stderrIsTTY !== undefined) io.stderrIsTTY = options.stderrIsTTY;
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
