import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The one corpus of hostile strings every output sink is tested with (test/hostile.test.ts): what a log may hold
 * in a model name, a file name, a prompt, a user or session id, a route label. Each entry names what it tries.
 */
export const HOSTILE: Readonly<Record<string, string>> = {
  sgr: '\u001b[31mRED\u001b[0m', // colours the terminal
  osc: '\u001b]0;owned\u0007', // sets the terminal title
  clear: '\u001b[2J\u001b[H', // clears the screen
  c1csi: 'csi\u009b31m', // a one-character CSI (C1)
  actions: 'x\n::error file=a.ts,line=1::injected', // a GitHub Actions workflow command on a line of its own
  mask: 'y\r\n::add-mask::secret', // another, after CR LF
  encoded: '%0A::warning::pre-encoded', // already percent-encoded
  leading: '::warning::leading', // a workflow command where the value leads a line
  legacy: 'x ##[error]legacy', // the runner's legacy command, obeyed anywhere in a line
  stop: '##[stop-commands]tok', // which would switch off every later annotation
  formula: "=cmd|' /C calc'!A0", // spreadsheet formula (DDE)
  plus: '+1+1',
  minus: '-2+3',
  at: '@SUM(1+1)',
  tab: '\t=1+1',
  script: '<script>alert(1)</script>', // HTML
  xml: ']]><x a="&amp;">', // XML
  heading: '\n# Injected heading', // markdown heading
  link: '[click](http://evil.example)', // markdown link
  controls: 'nul\u0000bel\u0007bs\u0008del\u007f', // NUL and other control bytes
  bidi: 'abc\u202egnp.exe', // right-to-left override ("Trojan Source")
  isolate: '\u2066x\u2069', // bidi isolates
  separator: 'a\u2028b', // Unicode line separator
  nonchar: 'nc\uffff', // not an XML character
  long: 'L'.repeat(100_000), // very long
};

/** Characters that must never reach a terminal or a text file raw: controls (but LF), C1, bidi, separators. */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A prompt and a user id that must never appear whole once redacted (the prompt is longer than 200 characters). */
export const SECRET_PROMPT = `SECRETPROMPT ${'the quarterly numbers of the merger '.repeat(10)}END`;
export const SECRET_USER = 'SECRETUSER-alice@example.com';

export interface HostileLogs {
  dir: string;
  /** The folder of log files: hostile.jsonl and a file whose name carries an escape sequence and a line feed. */
  logs: string;
  config: string;
  /** The name of the hostile-named file. */
  oddFile: string;
}

/**
 * Writes a native-format log that carries every hostile string as model names (small-… on the cheap tier, big-…
 * on the dear one), prompts, user and session ids, routes and request ids; records of one string share a prompt
 * under two cache keys (so the cache section quotes it) and have ideal tiers (so the deviation section quotes
 * them); small-… calls log a cost, big-… calls do not (so the unpriced gate names them). Plus a secret prompt and
 * user, a negative score, and two rejected records that hold the hostile strings and the secret user.
 */
export function writeHostileLogs(): HostileLogs {
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-hostile-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const lines: string[] = [];
  let n = 0;
  const strings = [...Object.values(HOSTILE), SECRET_PROMPT];
  strings.forEach((h, i) => {
    // The secret is a prompt only: model names and routes are not redacted.
    const label = h === SECRET_PROMPT ? 'secret' : h;
    for (let k = 0; k < 6; k++) {
      n++;
      const small = k % 2 === 1;
      lines.push(
        JSON.stringify({
          ts: `2025-03-${17 + (k % 3)}T09:${String(i).padStart(2, '0')}:0${k}Z`,
          request_id: `${label.slice(0, 40)}#${n}`,
          session_id: h === SECRET_PROMPT ? SECRET_USER : `s-${h.slice(0, 200)}`,
          user_id: h === SECRET_PROMPT ? SECRET_USER : `u-${h.slice(0, 200)}`,
          input: h === SECRET_PROMPT ? h : `${h} #${i}`,
          model: `${small ? 'small' : 'big'}-${label}`,
          route: `route-${label.slice(0, 200)}`,
          score: i === 0 && k === 0 ? -0.5 : 0.3,
          ideal: small ? 'hard' : 'simple',
          input_tokens: 10,
          output_tokens: 10,
          ...(small ? { cost_usd: 0.001 } : {}),
          cache_key: `key-${k % 2}-${i}`,
          cache_hit: false,
        }),
      );
    }
  });
  lines.push(JSON.stringify({ ts: '2025-03-17T10:00:00Z', request_id: 'bad-1', user_id: SECRET_USER, input: SECRET_PROMPT, input_tokens: 'five' }));
  lines.push(JSON.stringify({ ts: '2025-03-17T10:00:01Z', request_id: 'bad-2', user_id: HOSTILE['sgr'], input: HOSTILE['actions'], input_tokens: HOSTILE['clear'] }));
  writeFileSync(join(logs, 'hostile.jsonl'), lines.join('\n') + '\n');
  const oddFile = `odd\u001b[31m\n::error::file.jsonl`;
  writeFileSync(join(logs, oddFile), lines.slice(0, 3).join('\n') + '\n');
  const config = join(dir, 'routecheck.config.json');
  writeFileSync(config, JSON.stringify({ tiers: [{ name: 'simple', models: ['small-*'], below_score: 0.5 }, { name: 'hard', models: ['big-*'] }] }));
  return { dir, logs, config, oddFile };
}
