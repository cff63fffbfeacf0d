#!/usr/bin/env node
// npm run eval:price-coverage
//
// Coverage of the price catalog on the real model ids of fixtures/prices/model-ids.json, by the provider that
// served each call: of the ids whose model the catalog prices for that provider (the fixture's `catalog` column),
// how many routecheck prices, and with the right entry; and how many of the others it leaves unpriced (all of them
// should be: never another provider's price). Also the ids routecheck prices with the bundled catalog, and
// coverage of the whole list. Uses the bundled catalog (not a downloaded one). Needs the build (npm run build).
// Prints a Markdown table for PRICING.md; test/prices.coverage.test.ts holds the 98% line.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.ROUTECHECK_DIST ?? join(root, 'dist'));
const { PriceCatalog } = await import(pathToFileURL(join(dist, 'prices', 'catalog.js')).href);
const { parseModel } = await import(pathToFileURL(join(dist, 'prices', 'identity.js')).href);
const { BUNDLED } = await import(pathToFileURL(join(dist, 'prices', 'catalog-data.js')).href);

const fixture = JSON.parse(readFileSync(join(root, 'fixtures', 'prices', 'model-ids.json'), 'utf8'));
const rows = fixture.rows.map((r) => Object.fromEntries(fixture.columns.map((c, i) => [c, r[i]])));
const catalog = new PriceCatalog([]);
const byProvider = new Map();
for (const r of rows) {
  const provider = parseModel(r.model, r.logged_provider).provider ?? '(none)';
  // The catalog entry, without the source name or the "(openai's price)" of a provider's fallback (as the test reads it).
  const origin = catalog.periods(r.model, r.logged_provider)[0]?.origin.replace(/^genai-prices /, '').replace(/ \([\w-]+'s price\)$/, '') ?? null;
  const s = byProvider.get(provider) ?? { ids: 0, listed: 0, priced: 0, right: 0, silent: 0, silentUnpriced: 0 };
  s.ids++;
  if (r.catalog !== null) {
    s.listed++;
    if (origin !== null) s.priced++;
    if (origin === r.catalog) s.right++;
  } else {
    s.silent++;
    if (origin === null) s.silentUnpriced++;
  }
  byProvider.set(provider, s);
}
const pct = (a, b) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);
const lines = [
  `Catalog: genai-prices ${BUNDLED.info.version} (bundled snapshot of ${BUNDLED.info.date}); ${rows.length} ids from fixtures/prices/model-ids.json.`,
  '',
  '| provider (as routecheck reads it) | ids | catalog prices the model there | routecheck prices | coverage | right entry | catalog silent | left unpriced |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const total = { ids: 0, listed: 0, priced: 0, right: 0, silent: 0, silentUnpriced: 0 };
for (const [provider, s] of [...byProvider.entries()].sort((a, b) => b[1].ids - a[1].ids || a[0].localeCompare(b[0]))) {
  for (const k of Object.keys(total)) total[k] += s[k];
  lines.push(`| ${provider} | ${s.ids} | ${s.listed} | ${s.priced} | ${pct(s.priced, s.listed)} | ${pct(s.right, s.priced)} | ${s.silent} | ${pct(s.silentUnpriced, s.silent)} |`);
}
lines.push(`| **all** | ${total.ids} | ${total.listed} | ${total.priced} | **${pct(total.priced, total.listed)}** | ${pct(total.right, total.priced)} | ${total.silent} | ${pct(total.silentUnpriced, total.silent)} |`);
lines.push('', `Of all ${total.ids} ids, ${total.priced} (${pct(total.priced, total.ids)}) get a catalog price.`);
console.log(lines.join('\n'));
