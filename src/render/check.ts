import { Chalk } from 'chalk';
import { annotationData, annotationProperty, escapeXml, terminalLine } from './escape.js';
import type { RenderOptions } from './options.js';
import { plural } from '../words.js';

/** What `routecheck check` prints: a line per gate, GitHub Actions annotations, JUnit XML. Pure. */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'unknown';

/** One gate as the check prints it: labels and numbers already formatted (sections/check.ts). */
export interface CheckGateView {
  name: string;
  label: string;
  status: CheckStatus;
  /** `30.9% (30.2%–31.7%)`, or `—`. */
  value: string;
  /** `5.0%`, `1.20`. */
  threshold: string;
  detail: string;
}

export interface CheckView {
  /** The window as people read it: `2025-W12`, or its bounds. */
  window: string;
  /** The JUnit suite's window part: the ISO week, or `from..to`. */
  suite: string;
  requests: number;
  status: CheckStatus;
  failed: boolean;
  gates: CheckGateView[];
}

/** `FAIL  routing deviation      30.9% (30.2%–31.7%)  ≤ 5.0%   30.9% of 14,711 requests …`, one line per gate. */
export function renderCheck(view: CheckView, options: RenderOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const paint = (s: CheckStatus, text: string): string => (s === 'fail' ? c.red.bold(text) : s === 'pass' ? c.green(text) : c.yellow(text));
  const out = [`routecheck check: ${paint(view.status, view.status.toUpperCase())}, ${terminalLine(view.window)}, ${plural(view.requests, 'request')}`];
  if (view.gates.length === 0) out.push('no gate is on (every threshold is off).');
  const label = Math.max(...view.gates.map((g) => g.label.length), 0);
  for (const g of view.gates) {
    const head = `${g.status.toUpperCase().padEnd(7)} ${g.label.padEnd(label)}  `;
    const measured = g.status === 'unknown' ? 'unknown' : `${g.value} (max ${g.threshold})`;
    // The detail quotes log data (model names): one terminal line, whatever it holds.
    const line = terminalLine(`${head}${measured}: ${g.detail}`);
    const cut = line.length > options.width ? line.slice(0, options.width - 1) + '…' : line;
    out.push(paint(g.status, cut.slice(0, 7)) + cut.slice(7));
  }
  if (view.failed) out.push(view.gates.some((g) => g.status === 'fail') ? 'exit 1: a gate failed.' : 'exit 1: a gate is unknown (--strict).');
  return out.join('\n') + '\n';
}

/** GitHub Actions workflow commands: `::error` for a failed gate, `::warning` for warn and unknown. */
export function githubAnnotations(view: CheckView, strict: boolean): string {
  const lines: string[] = [];
  for (const g of view.gates) {
    if (g.status === 'pass') continue;
    const level = g.status === 'fail' || (strict && g.status === 'unknown') ? 'error' : 'warning';
    const what =
      g.status === 'unknown'
        ? `${g.label} is unknown: ${g.detail}`
        : `${g.label} ${g.value} ${g.status === 'fail' ? 'is over' : 'may be over'} ${g.threshold}: ${g.detail}`;
    lines.push(`::${level} title=${annotationProperty(`routecheck ${g.name}`)}::${annotationData(what)}`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

const xml = escapeXml;

/** One JUnit test suite, a test case per gate: failure for fail (and unknown with --strict), skipped for unknown. */
export function renderJunit(view: CheckView, strict: boolean): string {
  const failures = view.gates.filter((g) => g.status === 'fail' || (strict && g.status === 'unknown')).length;
  const skipped = strict ? 0 : view.gates.filter((g) => g.status === 'unknown').length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="routecheck" tests="${view.gates.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    `  <testsuite name="routecheck gates ${xml(view.suite)}" tests="${view.gates.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
  ];
  for (const g of view.gates) {
    const message = g.status === 'unknown' ? g.detail : `${g.value} against a maximum of ${g.threshold}: ${g.detail}`;
    out.push(`    <testcase classname="routecheck.gates" name="${xml(g.name)}">`);
    if (g.status === 'fail' || (strict && g.status === 'unknown')) out.push(`      <failure type="${g.status}" message="${xml(message)}"/>`);
    else if (g.status === 'unknown') out.push(`      <skipped message="${xml(message)}"/>`);
    else out.push(`      <system-out>${xml(`${g.status}: ${message}`)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
