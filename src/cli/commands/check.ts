import { InputError, UsageError } from '../../errors.js';
import { githubAnnotations, renderCheck, renderJunit } from '../../render/check.js';
import { renderJson } from '../../render/json.js';
import { checkResult, checkView } from '../../sections/check.js';
import { withRunDatabase } from '../database.js';
import { runEffects } from '../effects.js';
import { buildReport } from '../../report/report.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { writeFileAtomic, writeOutput } from '../output.js';

export interface CheckFlags {
  junit?: string;
  strict?: boolean;
}

/**
 * `routecheck check [FILES…] [--db FILE]`: the CI gate. The same report as `report` (same inputs, window and
 * sections), then each health gate against its threshold (gates.ts). Exit 0 when no gate failed, 1 when one did
 * (or, with --strict, when one is unknown), 2 on usage or input errors — including a window with no requests,
 * which would otherwise pass a gate on no data.
 */
export async function checkCommand(
  inputs: string[],
  options: CommonOptions,
  io: Io,
  flags: CheckFlags = {},
): Promise<number> {
  if (inputs.length === 0 && !options.db) {
    throw new UsageError('check needs log files (routecheck check logs/) or a database (--db FILE)');
  }
  if (options.format !== undefined && options.format !== 'table' && options.format !== 'json') {
    throw new UsageError(`check prints table or json, not ${options.format}`);
  }
  if (flags.junit !== undefined && flags.junit.trim() === '') throw new UsageError('--junit needs a file');
  const strict = Boolean(flags.strict);
  return withRunDatabase(options, io, { path: options.db ?? ':memory:', appends: inputs.length > 0 }, async (db) => {
    const loaded = await loadInputs(db, inputs, options, io);
    const report = await buildReport(db, { inputs: loaded, settings: options, effects: runEffects(io, options) });
    if (report.requests.total === 0) {
      throw new InputError(`no requests in the window (${report.window.from ?? '…'} → ${report.window.to ?? '…'}): nothing to check`);
    }
    const result = checkResult(report, strict);
    const view = checkView(result, report);
    const text =
      options.format === 'json'
        ? renderJson({ ...result, previous_window: report.previous_window })
        : renderCheck(view, { color: options.color, width: Math.min(io.columns, 100) });
    writeOutput(text, options, io);
    // Workflow commands are read from stdout by the GitHub Actions runner.
    if (io.env['GITHUB_ACTIONS'] === 'true') io.stdout(githubAnnotations(view, strict));
    if (flags.junit) {
      writeFileAtomic(flags.junit, renderJunit(view, strict));
      if (!options.quiet) io.stderr(`wrote ${flags.junit}\n`);
    }
    return result.failed ? 1 : 0;
  });
}
