import type { Command } from 'commander';
import type { Io } from '../io.js';
import { addOptions, normalizeOptions, type CommonOptions, type RawOptions } from '../options.js';

/** `prices watch`'s own flags, as commander hands them over. */
export interface WatchFlags {
  source?: string[];
  timeout?: string;
  webhook?: string;
}

/**
 * Declares `routecheck prices watch` under the `prices` command. Only commander and the option
 * table are loaded here: the fetching, DuckDB and rendering modules load when the command runs.
 */
export function registerPricesWatch(prices: Command, io: Io, result: { code: number }): Command {
  const watch = addOptions(
    prices
      .command('watch')
      .description(
        'fetch current model and price lists, store a dated snapshot, print what changed since the last one ' +
          '(exit 0 no change, 1 changed, 2 error)',
      ),
    ['db', 'config', 'format', 'out', 'wait', 'quiet', 'debug', 'color'],
  )
    .option(
      '--source <format[=url]...>',
      'a list to watch (repeatable; replaces prices_watch.sources of the config): genai-prices, openrouter, openai or anthropic, ' +
        'optionally =URL (default: the public URL of that format)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--timeout <duration>', 'per request: 10s, 500ms, 2m (default 10s, or prices_watch.timeout)')
    .option('--webhook <url>', 'POST a Slack-compatible message here when something changed or a source failed (or prices_watch.webhook)')
    // main() overrides exits on top-level commands only; a nested command must not call process.exit.
    .exitOverride()
    .action(async (raw: RawOptions & WatchFlags) => {
      result.code = await pricesWatchCommand(normalizeOptions(raw, io.env, io.isTTY), raw, io);
    });
  return watch;
}

/**
 * `routecheck prices watch`: fetch every source (concurrently), compare each with its previous
 * snapshot, print the changes, POST them to the webhook, then store the snapshots.
 *
 * Exit 0: nothing changed (or first run: baselines stored). 1: something changed. 2: a source could
 * not be fetched or read (the others are still compared and stored; that source keeps its previous
 * snapshot), or the webhook could not be delivered (then nothing is stored, so the next run reports
 * the same changes again instead of losing the alert).
 */
export async function pricesWatchCommand(options: CommonOptions, flags: WatchFlags, io: Io): Promise<number> {
  const { normalizeWatchConfig, resolveSources, parseTimeout, parseHttpUrl, requestHeaders, fetchSource, postWebhook, SourceError } = await import(
    '../../prices/sources.js'
  );
  const { parsePayload, MalformedPayload, createWatchTables, latestRun, loadSnapshot, sourceResult, storeSnapshots } = await import('../../prices/watch.js');
  const { withRunDatabase } = await import('../database.js');
  const { DEFAULT_DB } = await import('./ingest.js');
  const { writeOutput } = await import('../output.js');

  const config = normalizeWatchConfig(options.config.raw['prices_watch'], options.config.file);
  const sources = resolveSources(config, flags.source);
  const timeoutMs =
    flags.timeout !== undefined
      ? parseTimeout(flags.timeout, '--timeout')
      : parseTimeout(config.timeout ?? '10s', `${options.config.file ?? 'config'}: "prices_watch.timeout"`);
  const webhook = flags.webhook !== undefined ? parseHttpUrl(flags.webhook, '--webhook') : config.webhook;
  // A missing API key is a usage error before any request goes out.
  for (const source of sources) requestHeaders(source, io.env);

  const fetchedAt = new Date();
  const fetched = await Promise.all(
    sources.map(async (source) => {
      try {
        const payload = await fetchSource(source, { timeoutMs, env: io.env });
        try {
          return { source, entries: parsePayload(source.format, payload, fetchedAt) };
        } catch (error) {
          if (error instanceof MalformedPayload) throw new SourceError(source, `malformed ${source.format} payload from ${source.url}: ${error.message}`);
          throw error;
        }
      } catch (error) {
        if (error instanceof SourceError) return { source, error: error.message };
        throw error;
      }
    }),
  );

  const database = options.db ?? DEFAULT_DB;
  return withRunDatabase(options, io, { path: database, appends: true }, async (db) => {
    await createWatchTables(db);
    const results = [];
    const toStore = [];
    for (const f of fetched) {
      const { source } = f;
      if (f.error !== undefined || !f.entries) {
        results.push({
          name: source.name, format: source.format, url: source.url, status: 'error' as const, models: null,
          previous_fetched_at: null, added: [], removed: [], price_changes: [], error: f.error,
        });
        continue;
      }
      const run = await latestRun(db, source.name);
      const previous = run ? { run, entries: await loadSnapshot(db, run) } : undefined;
      const r = sourceResult(source, f.entries, previous);
      results.push(r);
      toStore.push({
        source: source.name, format: source.format, url: source.url, fetchedAt, entries: f.entries,
        ...(r.status === 'unchanged' && run ? { sameAsRunId: run.rows_run_id } : {}),
      });
    }
    const failed = results.filter((r) => r.status === 'error');
    const result = { fetched_at: fetchedAt.toISOString(), changed: results.some((r) => r.status === 'changed'), stored: false, sources: results };

    let webhookError: string | undefined;
    if (webhook && (result.changed || failed.length > 0)) {
      const { watchSlackMessage } = await import('../../render/prices-watch.js');
      try {
        await postWebhook(webhook, watchSlackMessage(result), { timeoutMs });
      } catch (error) {
        webhookError = (error as Error).message;
      }
    }
    if (webhookError === undefined) {
      await storeSnapshots(db, toStore);
      result.stored = toStore.length > 0;
    }

    let text: string;
    if (options.format === 'json') {
      text = (await import('../../render/json.js')).renderJson(result);
    } else {
      const { renderWatchTable } = await import('../../render/prices-watch.js');
      text = renderWatchTable(result, { color: options.color, width: Math.min(io.columns, 100), database });
    }
    writeOutput(text, options, io);
    for (const f of failed) io.stderr(`routecheck: prices watch: ${f.error}; previous snapshot kept\n`);
    if (webhookError !== undefined) {
      io.stderr(`routecheck: prices watch: ${webhookError}; nothing stored, the next run reports these changes again\n`);
    }
    if (failed.length > 0 || webhookError !== undefined) return 2;
    return result.changed ? 1 : 0;
  });
}
