import { existsSync } from 'node:fs';
import { terminalLine } from '../../render/escape.js';
import { renderJson } from '../../render/json.js';
import { UsageError } from '../../errors.js';
import { preparePricing } from '../../prices/costs.js';
import { observeModels, starterConfig } from '../../routing/init.js';
import { normalizeRoutingPolicy } from '../../routing/policy.js';
import { DEFAULT_CONFIG_FILE } from '../../config.js';
import { withRunDatabase } from '../database.js';
import type { Io } from '../io.js';
import { loadInputs } from '../load-inputs.js';
import type { CommonOptions } from '../options.js';
import { writeOutput } from '../output.js';

/**
 * `routecheck init [FILES…] [--db FILE] [--out FILE] [--force]`: writes a starting routecheck.config.json (tiers
 * cheap → expensive with their model families, score thresholds, the trivial rule, the classifier's price) from
 * the models seen in a log. `--out -` prints it instead. Never overwrites a file without --force.
 */
export async function initCommand(inputs: string[], options: CommonOptions, io: Io, flags: { force: boolean }): Promise<number> {
  if (inputs.length === 0 && !options.db) throw new UsageError('init needs log files (routecheck init logs/) or a database (--db FILE)');
  const out = options.out ?? DEFAULT_CONFIG_FILE;
  if (out !== '-' && existsSync(out) && !flags.force) throw new UsageError(`${out} exists: choose another --out, or --force to overwrite it`);
  return withRunDatabase(options, io, { path: options.db ?? ':memory:', appends: inputs.length > 0 }, async (db) => {
    await loadInputs(db, inputs, options, io);
    // Tiers are ranked by what calls cost (logged, else list price): the report's own costs.
    await preparePricing(db, { from: null, to: null }, options.pricing);
    const config = starterConfig(await observeModels(db));
    // What is written must load: the same validation the report applies.
    const policy = normalizeRoutingPolicy(config, out);
    if (policy.tiers.length === 0) throw new UsageError('no priced model calls in the input: write the "tiers" by hand (see README, Config file)');
    const text = renderJson(config);
    if (out === '-') writeOutput(text, { quiet: options.quiet }, io);
    else writeOutput(text, { out, quiet: true }, io);
    if (!options.quiet) {
      const thresholds = policy.classifier.thresholds.length > 0 ? `, score thresholds ${policy.classifier.thresholds.join(', ')}` : '';
      // The tiers name models from the log: one line whatever they hold.
      io.stderr(
        terminalLine(
          `${out === '-' ? 'config' : `wrote ${out}`}: ${policy.tiers.length} tiers by logged price, cheapest first ` +
            `(${policy.tiers.map((t) => `${t.name}: ${t.models.join(', ')}`).join(' < ')})${thresholds}. Check the tiers and the classifier price.`,
        ) + '\n',
      );
    }
    return 0;
  });
}
