import { spawn, type ChildProcess } from 'node:child_process';

/** What a spawned `bin/routecheck.js` left: its exit code (null when a signal ended it), the signal, its output. */
export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Called once the process runs, with its stdin (a pipe) when `stdin: 'pipe'`. */
  started?: (child: ChildProcess) => void;
  stdin?: 'ignore' | 'pipe';
}

/**
 * The built CLI (`bin/routecheck.js` → `dist/`, built by `npm ci` / `npm run build`) spawned the way a user runs it:
 * a real process, stdout and stderr through real pipes, the exit code the shell sees.
 */
export function spawnRoutecheck(args: string[], options: SpawnOptions = {}): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/routecheck.js', ...args], {
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    options.started?.(child);
  });
}
