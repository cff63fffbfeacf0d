import { showControls } from './escape.js';

/**
 * The report as Prometheus text exposition (format 0.0.4), for node_exporter's textfile collector: write it to
 * `<collector dir>/routecheck.prom` after each run (atomically: write a temp file, then rename). Pure.
 *
 * Every metric is a gauge of the report window. A value the report does not know (no labels, no cache keys,
 * an unpriced family) is left out, never written as 0. Gate statuses are a state set: one series per status,
 * 1 for the current one.
 */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface Metric {
  name: string;
  help: string;
  samples: Sample[];
}

export function renderPrometheus(metrics: readonly Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} gauge`);
    for (const s of m.samples) out.push(`${m.name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
  return out.join('\n') + '\n';
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/**
 * Label values escape backslash, double quote and line feed; HELP text backslash and line feed (the format's own
 * escapes). Other control characters are first shown as text (`\u001b`, escape.ts): the exposition allows them,
 * but a terminal or a log viewer that shows the file would run them.
 */
export function escapeLabel(v: string): string {
  return showControls(v, '\n').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
function escapeHelp(v: string): string {
  return showControls(v, '\n').replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Go's ParseFloat reads JS number text (`0.25`, `1e+21`); non-finite values never get here. */
function formatValue(n: number): string {
  return String(n);
}
