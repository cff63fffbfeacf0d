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
