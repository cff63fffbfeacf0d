import type { Gate, GateStatus } from '../analyses/gates.js';
import type { CheckView } from '../render/check.js';
import type { Report } from '../report/report.js';
import { GATE_LABELS, gateThreshold, gateValue, windowName } from './gate-text.js';

/** `routecheck check`'s result (its JSON) and the view its text, annotations and JUnit XML are drawn from. */
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

export function checkView(result: CheckResult, report: Pick<Report, 'window' | 'window_label'>): CheckView {
  return {
    window: windowName(report),
    suite: result.window_label ?? `${result.window.from ?? ''}..${result.window.to ?? ''}`,
    requests: result.requests,
    status: result.status,
    failed: result.failed,
    gates: result.gates.map((g) => ({
      name: g.name,
      label: GATE_LABELS[g.name],
      status: g.status,
      value: gateValue(g),
      threshold: gateThreshold(g).replace('≤ ', ''),
      detail: g.detail,
    })),
  };
}
