import { CommanderError, type Command } from 'commander';
import { situationError, UserError } from '../errors.js';
import { stderrText, terminalLine } from '../render/escape.js';
import { processIo, type Io } from './io.js';
import { buildProgram } from './program.js';

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 a check failed, 2 usage or input error.
 * The only place errors become exit codes; nothing below here calls process.exit.
 */
export async function main(argv: string[], given: Io = processIo()): Promise<number> {
  // stderr is a terminal sink for every command: controls in log data (file names, model names) are shown, never
  // run (escape.ts). Messages that quote data are made one line where they are written (terminalLine).
  const io: Io = { ...given, stderr: (text) => given.stderr(stderrText(text)) };
  const result = { code: 0 };
  const program = buildProgram(io, result);
  // Every level, so that a nested command (`prices show`) never calls process.exit itself.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Help and version are exits with code 0; commander already printed them.
      if (thrown.exitCode === 0) return 0;
      // commander printed its own one-line message on stderr.
      return 2;
    }
    // A full disk or DuckDB out of memory is the machine's situation, not a bug, wherever it was hit.
    const error = situationError(thrown) ?? thrown;
    if (error instanceof UserError) {
      io.stderr(`routecheck: ${terminalLine(error.message)}\n`);
      if (debug && error.stack) io.stderr(error.stack + '\n');
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`routecheck: unexpected error: ${terminalLine(message.split('\n')[0]!)}\n`);
    io.stderr(debug && error instanceof Error && error.stack ? error.stack + '\n' : 'run again with --debug for details; please report this as a bug\n');
    return 3;
  }
}
