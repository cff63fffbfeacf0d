import { existsSync } from 'node:fs';
import { withDatabase } from '../../db/database.js';
import { UsageError } from '../../errors.js';
import { drawHtml } from '../../render/html.js';
import { renderJson } from '../../render/json.js';
import { drawMarkdown } from '../../render/markdown.js';
import { drawDocument } from '../../render/terminal.js';
import { buildCalibration } from '../../report/calibrate.js';
import { calibratedConfig } from '../../routing/calibrated-config.js';
import { normalizeRoutingPolicy } from '../../routing/policy.js';
import { calibrateDocument, calibrateTitle, thresholdText } from '../../sections/calibrate.js';
import { runEffects } from '../effects.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { writeOutput } from '../output.js';

/**
 * `routecheck calibrate [FILES…] [--db FILE]`: the routing thresholds and trivial-rule limit that the window's logged
 * scores and ideal routes recommend (report/calibrate.ts), as a table, Markdown, JSON or HTML; `--write-config FILE`
 * also writes the recommended policy as a config file. Exit 2 when no request logs a score or has an ideal route.
 */
export async function calibrateCommand(inputs: string[], settings: CommonOptions, io: Io): Promise<number> {
  if (inputs.length === 0 && !settings.db) {
    throw new UsageError('calibrate needs log files (routecheck calibrate logs/) or a database (--db FILE)');
  }
  if (settings.format === 'csv' || settings.format === 'prometheus') throw new UsageError(`calibrate writes table, markdown, json or html, not ${settings.format}`);
  const target = settings.calibration.writeConfig;
  if (target !== null && existsSync(target) && !settings.calibration.force) {
    throw new UsageError(`${target} exists: choose another --write-config file, or --force to replace it`);
  }
  return withDatabase({ path: settings.db ?? ':memory:', memoryLimit: settings.memoryLimit }, async (db) => {
    await loadInputs(db, inputs, settings, io);
    const { output, run } = await buildCalibration(db, settings, runEffects(io, settings));
    const doc = calibrateDocument(output);
    const text =
      settings.format === 'json'
        ? renderJson(output)
        : settings.format === 'markdown'
          ? drawMarkdown(doc)
          : settings.format === 'html'
            ? drawHtml(doc, calibrateTitle(output))
            : drawDocument(doc, { color: settings.color, width: Math.min(io.columns, 100) });
    writeOutput(text, settings, io);
    if (target !== null) {
      const rec = output.calibration.recommended;
      const config = calibratedConfig(settings.config.raw, { from: settings.config.file, to: target }, run.policy.tiers, {
        thresholds: rec.thresholds,
        trivialChars: rec.trivial_chars,
        trivialTier: output.calibration.trivial_tier,
      });
      // What is written must load, with the recommended thresholds: the validation every run applies.
      const check = normalizeRoutingPolicy(config, target);
      if (check.classifier.thresholds.join() !== rec.thresholds.join()) throw new Error(`the written policy's thresholds ${check.classifier.thresholds.join(', ')} are not the recommended ${rec.thresholds.join(', ')}`);
      writeOutput(JSON.stringify(config, null, 2) + '\n', { out: target, quiet: true }, io);
      if (!settings.quiet) {
        io.stderr(`wrote ${target}: thresholds ${thresholdText(rec.thresholds)}, trivial rule ${rec.trivial_chars > 0 ? `under ${rec.trivial_chars} characters → ${output.calibration.trivial_tier}` : 'off'}\n`);
      }
    }
    return 0;
  });
}
