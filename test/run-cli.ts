import { Readable } from 'node:stream';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';

/** Runs the CLI in-process with captured output (env is what the command sees as io.env). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}, stdinText = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    env,
    columns: 100,
    stdin: Readable.from([Buffer.from(stdinText)]),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
