/**
 * Errors a user can act on. `main()` prints `message` as one line and exits with `exitCode`;
 * anything that is not a UserError is a bug and is printed with its stack under --debug.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Bad command-line or config input: exit 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** An input file that cannot be read at all (missing, unreadable, unknown format): exit 2. */
export class InputError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 2, options);
    this.name = 'InputError';
  }
}

/**
 * Failures that are the machine's situation, not a bug, whatever layer hit them: DuckDB out of memory under its
 * limit, a full disk (spill files, the database, an output file). Mapped once, in main(), to exit 2; null otherwise.
 */
export function situationError(error: unknown): UserError | null {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (/Out of Memory Error/i.test(message)) {
    return new UserError('DuckDB ran out of memory under its limit: give it more with --memory-limit (default 1GB), e.g. --memory-limit 4GB', 2, { cause: error });
  }
  if (code === 'ENOSPC' || /No space left on device/i.test(message)) {
    return new UserError(`the disk is full: ${message.split('\n')[0]}`, 2, { cause: error });
  }
  return null;
}
