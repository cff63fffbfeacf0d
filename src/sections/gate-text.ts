import type { Gate, GateName, GateStatus } from '../analyses/gates.js';
import type { Tone } from '../render/blocks.js';
import { pct, when } from '../render/format.js';
import type { Report } from '../report/report.js';

/** How gates and windows read, for the headline's table, the trend, and `routecheck check`. */

export const GATE_LABELS: Record<GateName, string> = {
  deviation: 'routing deviation',
  dilution: 'cache dilution',
  tpd_drop: 'tokens-per-dollar drop',
  unpriced: 'unpriced requests',
};

/** A gate's value as people read it (percentages for fractions, the factor for dilution). */
export function gateValue(g: Pick<Gate, 'name' | 'value' | 'interval'>): string {
  if (g.value === null) return '—';
  const f = (n: number): string => (g.name === 'dilution' ? n.toFixed(2) : pct(n));
  return g.interval ? `${f(g.value)} (${f(g.interval[0])}–${f(g.interval[1])})` : f(g.value);
}

export function gateThreshold(g: Pick<Gate, 'name' | 'threshold'>): string {
  return `≤ ${g.name === 'dilution' ? g.threshold.toFixed(2) : pct(g.threshold)}`;
}

export function statusTone(s: GateStatus): Tone | undefined {
  return s === 'fail' ? 'fail' : s === 'pass' ? 'ok' : 'warn';
}

/** `2025-W12`, or the window's bounds. */
export function windowName(report: Pick<Report, 'window' | 'window_label'>): string {
  return report.window_label ?? `${when(report.window.from)} → ${when(report.window.to)}`;
}

