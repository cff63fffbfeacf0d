#!/usr/bin/env node
// npm run bench:postgres [-- --rows 1000000]
// Starts a throwaway PostgreSQL cluster (scripts/pg-cluster.mjs), creates LiteLLM's "LiteLLM_SpendLogs" as its
// schema.prisma defines it (fixtures/postgres/litellm-spendlogs.sql), fills it server-side with `rows` spend-log
// rows shaped like the proxy's (metadata with usage_object and routing_decision, the request body with its
// messages), then times, each in its own process under /usr/bin/time (wall time, peak RSS):
//   1. `routecheck ingest postgres://… --db new.duckdb` (the cursor, the Appender, the spend-log mapping);
//   2. the way before: `psql` exporting the rows as JSONL, then `routecheck ingest file.jsonl --db new.duckdb`.
// Prints a Markdown table for BENCHMARKS.md; nothing here is a test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startCluster } from '../scripts/pg-cluster.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean),
);
const ROWS = Number(args.rows ?? 1_000_000);
const OUT = resolve('bench/out');
const BIN = resolve('bin/routecheck.js');
const PSQL = ['/usr/bin/psql', '/usr/local/bin/psql'].find(existsSync) ?? 'psql';
mkdirSync(OUT, { recursive: true });

/** Runs a command under /usr/bin/time; returns wall seconds, peak RSS in MB and stdout. */
function timed(cmd, argv, env = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  const [secs, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { secs, mb: kb / 1024, stdout: r.stdout };
}

// Seven weeks of calls ending 2025-03-23, three models, a fifth of them cache hits; JSON as LiteLLM writes it.
const FILL = `
INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens,
  "startTime", "endTime", request_duration_ms, model, model_id, model_group, custom_llm_provider, api_base, "user",
  metadata, cache_hit, cache_key, request_tags, team_id, end_user, session_id, status, proxy_server_request)
SELECT 'chatcmpl-' || md5(g::text) || CASE WHEN hit THEN '_cache_hit' || g ELSE '' END,
  'acompletion', md5((g % 50)::text), CASE WHEN hit THEN 0 ELSE round((pt * inp + ct * outp) / 1e6, 9) END,
  pt + ct, pt, ct, ts, ts + make_interval(secs => dur / 1000.0::float8), dur, model, 'deploy-' || (g % 7), 'router-auto',
  provider, 'https://api.example.com/v1', 'internal-user-' || (g % 40),
  jsonb_build_object('user_api_key_alias', 'team-key-' || (g % 50), 'user_api_key_team_id', 'team-' || (g % 5),
    'usage_object', jsonb_build_object('prompt_tokens', pt, 'completion_tokens', ct, 'total_tokens', pt + ct,
      'prompt_tokens_details', jsonb_build_object('cached_tokens', CASE WHEN g % 3 = 0 THEN pt / 2 ELSE 0 END)),
    'routing_decision', jsonb_build_object('router_type', 'complexity', 'tier', tier, 'score', score)),
  CASE WHEN hit THEN 'True' ELSE 'False' END, CASE WHEN hit THEN md5(prompt) ELSE 'Cache OFF' END,
  '["prod"]', 'team-' || (g % 5), 'cust-' || (g % 900), 'sess-' || (g / 4), 'success',
  jsonb_build_object('model', 'router-auto', 'messages', jsonb_build_array(
    jsonb_build_object('role', 'system', 'content', 'You are a helpful support assistant for an online shop.'),
    jsonb_build_object('role', 'user', 'content', prompt)))
FROM (
  SELECT g, hit, pt, ct, dur, ts, prompt,
    (ARRAY['gpt-4o-mini', 'gpt-4o', 'claude-3-5-sonnet-20241022'])[m] AS model,
    (ARRAY['openai', 'openai', 'anthropic'])[m] AS provider,
    (ARRAY[0.15, 2.5, 3.0])[m] AS inp, (ARRAY[0.6, 10.0, 15.0])[m] AS outp,
    (ARRAY['SIMPLE', 'COMPLEX', 'COMPLEX'])[m] AS tier, round((m * 0.25 + (g % 20) / 100.0)::numeric, 2) AS score
  FROM (
    SELECT g, g % 5 = 0 AS hit, 200 + (g * 7919) % 2400 AS pt, 20 + (g * 104729) % 500 AS ct, 300 + (g * 31) % 6000 AS dur,
      TIMESTAMP '2025-02-03' + make_interval(secs => (g - 1) * (49 * 86400.0 / $2::int)::float8) AS ts,
      'Question ' || (g % 5000) || ': where is my order #' || (g % 997) || ', and can I change the delivery address?' AS prompt,
      1 + (g % 10 >= 6)::int + (g % 10 = 9)::int AS m
    FROM generate_series($1::bigint, $1::bigint + $3 - 1) AS g
  ) base
) rows`;

const cluster = await startCluster({ settings: { shared_buffers: '512MB', max_wal_size: '8GB', synchronous_commit: 'off', checkpoint_timeout: '30min' } });
try {
  const root = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'postgres' });
  await root.connect();
  await root.query('CREATE DATABASE litellm');
  await root.end();
  const client = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database: 'litellm' });
  await client.connect();
  await client.query(readFileSync('fixtures/postgres/litellm-spendlogs.sql', 'utf8').replaceAll(':table', '"LiteLLM_SpendLogs"'));
  const started = performance.now();
  const CHUNK = 100_000;
  for (let first = 1; first <= ROWS; first += CHUNK) {
    await client.query(FILL, [first, ROWS, Math.min(CHUNK, ROWS - first + 1)]);
  }
  await client.query('VACUUM ANALYZE "LiteLLM_SpendLogs"');
  const { rows: size } = await client.query(`SELECT pg_size_pretty(pg_total_relation_size('"LiteLLM_SpendLogs"')) AS total,
    pg_size_pretty(sum(length(row_to_json(t)::text))) AS json FROM "LiteLLM_SpendLogs" t`);
  await client.end();
  console.error(`filled ${ROWS} rows in ${((performance.now() - started) / 1000).toFixed(1)} s (table ${size[0].total}, ${size[0].json} as JSON)`);

  const url = cluster.url('litellm', false);
  const env = { PGPASSWORD: cluster.password };
  const fromPg = join(OUT, 'postgres.duckdb');
  rmSync(fromPg, { force: true });
  const ingest = timed('node', [BIN, 'ingest', url, '--db', fromPg, '--format', 'json'], env);
  const loaded = JSON.parse(ingest.stdout).files[0];

  const jsonl = join(OUT, 'postgres-export.jsonl');
  const exported = timed(PSQL, ['-X', '-q', '-At', '-h', cluster.host, '-p', String(cluster.port), '-U', cluster.user, '-d', 'litellm',
    '-o', jsonl, '-c', 'SELECT row_to_json(t) FROM "LiteLLM_SpendLogs" t ORDER BY "startTime", request_id'], env);
  const fromFile = join(OUT, 'postgres-file.duckdb');
  rmSync(fromFile, { force: true });
  const fileIngest = timed('node', [BIN, 'ingest', jsonl, '--db', fromFile, '--format', 'json']);

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`Machine: ${machine}. ${ROWS.toLocaleString('en')} rows (${size[0].total} in PostgreSQL, ${(statSync(jsonl).size / 1e6).toFixed(0)} MB as JSONL).`);
  console.log(`Loaded ${loaded.loaded}, rejected ${loaded.rejected}, skipped ${loaded.skipped}.\n`);
  console.log('| step | wall time | rows/s | peak RSS |\n| --- | ---: | ---: | ---: |');
  const row = (name, r) => console.log(`| ${name} | ${r.secs.toFixed(2)} s | ${r.secs ? Math.round(ROWS / r.secs).toLocaleString('en') : '—'} | ${Math.round(r.mb)} MB |`);
  row('`routecheck ingest postgres://… --db new.duckdb`', ingest);
  row('`psql -At -c "SELECT row_to_json(t) …" -o file.jsonl` (export)', exported);
  row('`routecheck ingest file.jsonl --db new.duckdb` (after the export)', fileIngest);
  rmSync(jsonl, { force: true });
} finally {
  cluster.stop();
}
