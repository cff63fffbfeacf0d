import { withDatabase } from './dist/db/database.js';
const { runCli } = await import('./dist/cli/main.js').catch(() => ({}));
import { Database } from './dist/db/database.js';
const orig = Database.prototype.run; const origAll = Database.prototype.all;
Database.prototype.run = async function (sql, p) { const t = performance.now(); const r = await orig.call(this, sql, p); const d = performance.now() - t; if (d > 80) console.error((d/1000).toFixed(2), 'run', sql.replace(/\s+/g, ' ').slice(0, 90)); return r; };
Database.prototype.all = async function (sql, p) { const t = performance.now(); const r = await origAll.call(this, sql, p); const d = performance.now() - t; if (d > 80) console.error((d/1000).toFixed(2), 'all', sql.replace(/\s+/g, ' ').slice(0, 90)); return r; };
const { main } = await import('./dist/cli/main.js');
await main(['calibrate', 'fixtures/demo/logs/', '--config', 'fixtures/demo/routecheck.config.json', '--quiet', '--format', 'json'], { stdout: () => {}, stderr: (s) => process.stderr.write(s), env: {}, isTTY: false, columns: 100, stdin: process.stdin });
