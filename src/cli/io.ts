/** Side effects a command may have, injected so tests can capture exact output. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (colour only then). */
  isTTY: boolean;
  /** Whether stderr is a terminal: progress lines are drawn only then (absent: no). */
  stderrIsTTY?: boolean;
  env: NodeJS.ProcessEnv;
  columns: number;
  stdin: NodeJS.ReadableStream;
  /** The clock (absent: the system clock, read in cli/effects.ts). */
  now?: () => Date;
}

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    columns: process.stdout.columns || 100,
    stdin: process.stdin,
    now: () => new Date(),
  };
}
