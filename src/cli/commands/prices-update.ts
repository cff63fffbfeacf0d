import type { Command } from 'commander';
import type { Io } from '../io.js';
import { addOptions, normalizeOptions, type CommonOptions, type RawOptions } from '../options.js';

/** `prices update`'s own flags, as commander hands them over. */
export interface UpdateFlags {
  url?: string;
  out?: string;
  timeout?: string;
}

/** The environment variable that points `prices update` at another copy of the data JSON (a mirror, a proxy). */
export const PRICES_URL_ENV = 'ROUTECHECK_PRICES_URL';

/**
 * Declares `routecheck prices update` under the `prices` command. Only commander and the option table load here;
 * fetching and the catalog modules load when the command runs.
 */
export function registerPricesUpdate(prices: Command, io: Io, result: { code: number }): Command {
  return addOptions(
    prices
      .command('update')
      .description(
        'download the current genai-prices data into a local file that later runs price with instead of the bundled ' +
          'snapshot (the one network action of routecheck; exit 0 updated, 2 error: the previous file is kept)',
      ),
    ['config', 'format', 'quiet', 'debug', 'color'],
  )
    .option('--url <url>', `where to download the genai-prices data JSON from (default: $${PRICES_URL_ENV}, else the URL the genai-prices package updates from)`)
    .option('--out <file>', 'where to write it (default: "price_catalog" in the config, else $XDG_CACHE_HOME/routecheck/prices.json)')
    .option('--timeout <duration>', 'for the download: 30s, 2m (default 60s)')
    // main() overrides exits on top-level commands only; a nested command must not call process.exit.
    .exitOverride()
    .action(async (raw: RawOptions & UpdateFlags) => {
      // --out names the catalog file here, not a file for the command's output.
      const { out: _out, ...common } = raw;
      result.code = await pricesUpdateCommand(normalizeOptions(common, io.env, io.isTTY), raw, io);
    });
}

/**
 * `routecheck prices update [--url URL] [--out FILE]`: fetch the data JSON, check it is a genai-prices catalog
 * (shape, and the library's own reading of it), then write it atomically. Any failure leaves the previous file as it
 * was and exits 2 with one line; later runs then keep pricing with what they had.
 */
export async function pricesUpdateCommand(options: CommonOptions, flags: UpdateFlags, io: Io): Promise<number> {
  const { REMOTE_DATA_JSON_URL } = await import('@pydantic/genai-prices');
  const { fetchSource, parseHttpUrl, parseTimeout, SourceError } = await import('../../prices/sources.js');
  const { catalogFileExists, catalogProviders, libraryCheck, loadCatalogFile, writeCatalogFile } = await import('../../prices/catalog-data.js');
  const { renderPriceUpdate } = await import('../../render/prices-cli.js');
  const { UsageError, UserError } = await import('../../errors.js');

  const envUrl = io.env[PRICES_URL_ENV]?.trim();
  const url =
    flags.url !== undefined ? parseHttpUrl(flags.url, '--url') : envUrl ? parseHttpUrl(envUrl, PRICES_URL_ENV) : REMOTE_DATA_JSON_URL;
  const timeoutMs = parseTimeout(flags.timeout ?? '60s', '--timeout');
  let file: string;
  if (flags.out !== undefined) {
    if (flags.out.trim() === '') throw new UsageError('--out needs a file');
    file = flags.out;
  } else if (options.pricing.catalogFile !== null) {
    file = options.pricing.catalogFile;
  } else if (options.config.raw['price_catalog'] !== undefined) {
    throw new UsageError(`${options.config.file ?? 'config'}: "price_catalog" is "bundled": give --out FILE to download a catalog anyway`);
  } else {
    throw new UsageError('prices update needs a place for the catalog: --out FILE, "price_catalog" in the config, or XDG_CACHE_HOME or HOME in the environment');
  }

  let previous = null;
  if (catalogFileExists(file)) {
    try {
      previous = loadCatalogFile(file).info;
    } catch {
      // a broken file is what this command repairs
    }
  }
  const kept = `${file} is unchanged${previous ? '' : ' (runs keep the bundled snapshot)'}`;
  let payload: unknown;
  try {
    payload = await fetchSource({ name: 'genai-prices', url, format: 'genai-prices' }, { timeoutMs, env: io.env });
  } catch (error) {
    if (error instanceof SourceError) throw new UserError(`prices update: ${error.message.replace(/^source "genai-prices": /, '')}; ${kept}`, 2);
    throw error;
  }
  let providers;
  try {
    providers = catalogProviders(payload);
    libraryCheck(providers);
  } catch (error) {
    throw new UserError(`prices update: ${url} did not send a genai-prices catalog: ${(error as Error).message}; ${kept}`, 2);
  }
  const downloadedAt = io.now ? io.now() : new Date();
  try {
    writeCatalogFile(file, providers, url, downloadedAt);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UserError(`prices update: cannot write ${file} (${e.code ?? e.message}); ${kept}`, 2);
  }
  const update = {
    file,
    url,
    downloaded_at: downloadedAt.toISOString(),
    providers: providers.length,
    models: providers.reduce((s, p) => s + p.models.length, 0),
    previous,
  };
  const text = options.format === 'json' ? (await import('../../render/json.js')).renderJson(update) : renderPriceUpdate(update, { color: options.color, width: Math.min(io.columns, 100) });
  io.stdout(text);
  return 0;
}
