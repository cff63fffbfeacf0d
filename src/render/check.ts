import { Chalk } from 'chalk';
import type { Gate, GateStatus } from '../analyses/gates.js';
import type { Report } from '../report/report.js';
import { int } from './format.js';
import { GATE_LABELS, gateThreshold, gateValue, windowName } from './headline.js';
import type { RenderOptions } from './options.js';

/** What `routecheck check` prints: a line per gate, GitHub Actions annotations, JUnit XML. Pure. */

export interface CheckResult {
  window: Report['window'];
  window_label: string | null;
  requests: number;
  status: GateStatus;
  gates: Gate[];
  /** Whether the check failed (exit 1): a gate failed, or (with --strict) a gate is unknown. */
  failed: boolean;
}

export function checkResult(report: Report, strict: boolean): CheckResult {
  const gates = report.gates ?? [];
  const failed = gates.some((g) => g.status === 'fail' || (strict && g.status === 'unknown'));
  return {
    window: report.window,
    window_label: report.window_label,
    requests: report.requests.total,
    status: report.headline?.status ?? 'unknown',
    gates,
    failed,
  };
}

/** `FAIL  routing deviation      30.9% (30.2%–31.7%)  ≤ 5.0%   30.9% of 14,711 requests …`, one line per gate. */
export function renderCheck(result: CheckResult, report: Pick<Report, 'window' | 'window_label'>, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const paint = (s: GateStatus, text: string): string => (s === 'fail' ? c.red.bold(text) : s === 'pass' ? c.green(text) : c.yellow(text));
  const out = [`routecheck check: ${paint(result.status, result.status.toUpperCase())}, ${windowName(report)}, ${int(result.requests)} requests`];
  if (result.gates.length === 0) out.push('no gate is on (every threshold is off).');
  const label = Math.max(...result.gates.map((g) => GATE_LABELS[g.name].length), 0);
  for (const g of result.gates) {
    const head = `${g.status.toUpperCase().padEnd(7)} ${GATE_LABELS[g.name].padEnd(label)}  `;
    const measured = g.status === 'unknown' ? 'unknown' : `${gateValue(g)} (max ${gateThreshold(g).replace('≤ ', '')})`;
    const line = `${head}${measured}: ${g.detail}`;
    const cut = line.length > options.width ? line.slice(0, options.width - 1) + '…' : line;
    out.push(paint(g.status, cut.slice(0, 7)) + cut.slice(7));
  }
  if (result.failed) out.push(result.gates.some((g) => g.status === 'fail') ? 'exit 1: a gate failed.' : 'exit 1: a gate is unknown (--strict).');
  return out.join('\n') + '\n';
}

/** GitHub Actions workflow commands: `::error` for a failed gate, `::warning` for warn and unknown. */
export function githubAnnotations(result: CheckResult, strict: boolean): string {
  const lines: string[] = [];
  for (const g of result.gates) {
    if (g.status === 'pass') continue;
    const level = g.status === 'fail' || (strict && g.status === 'unknown') ? 'error' : 'warning';
    const what =
      g.status === 'unknown'
        ? `${GATE_LABELS[g.name]} is unknown: ${g.detail}`
        : `${GATE_LABELS[g.name]} ${gateValue(g)} ${g.status === 'fail' ? 'is over' : 'may be over'} ${gateThreshold(g).replace('≤ ', '')}: ${g.detail}`;
    lines.push(`::${level} title=${escapeProperty(`routecheck ${g.name}`)}::${escapeData(what)}`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

/** Workflow-command escaping (actions/toolkit: %, CR and LF in data; also : and , in properties). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** One JUnit test suite, a test case per gate: failure for fail (and unknown with --strict), skipped for unknown. */
export function renderJunit(result: CheckResult, strict: boolean): string {
  const failures = result.gates.filter((g) => g.status === 'fail' || (strict && g.status === 'unknown')).length;
  const skipped = strict ? 0 : result.gates.filter((g) => g.status === 'unknown').length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="routecheck" tests="${result.gates.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    `  <testsuite name="routecheck gates ${xml(result.window_label ?? `${result.window.from ?? ''}..${result.window.to ?? ''}`)}" tests="${result.gates.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
  ];
  for (const g of result.gates) {
    const message = g.status === 'unknown' ? g.detail : `${gateValue(g)} against a maximum of ${gateThreshold(g).replace('≤ ', '')}: ${g.detail}`;
    out.push(`    <testcase classname="routecheck.gates" name="${g.name}">`);
    if (g.status === 'fail' || (strict && g.status === 'unknown')) out.push(`      <failure type="${g.status}" message="${xml(message)}"/>`);
    else if (g.status === 'unknown') out.push(`      <skipped message="${xml(message)}"/>`);
    else out.push(`      <system-out>${xml(`${g.status}: ${message}`)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
