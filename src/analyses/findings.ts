import type { Report } from '../report/report.js';
import { perMonth } from '../stats.js';
import { plural } from '../words.js';

/**
 * "What it cost": the report's findings in dollars per month, largest first, each with the fix the write-up
 * applied. Pure: it reads the other sections' results from the report, plus the price and version events the
 * headline found (they need the week before the window, which the sections do not see).
 *
 * Monthly figures: the deviation and classifier sections project their own (30 days at the daily rate of the
 * window's last 7 days); the others are the window's dollars × 30 / the window's days. Findings can overlap
 * (the trivial rule's savings are partly over-routing excess): they are not meant to be added up.
 */
export interface Finding {
  /** Stable id: over_routing, retries, cache_dilution, version_change, price_change, classifier. */
  id: string;
  title: string;
  /** Null when the dollars cannot be known (unpriced requests): listed after the priced findings. */
  monthly_usd: number | null;
  /** The window's own dollars behind the projection, when there is one figure. */
  window_usd: number | null;
  fix: string;
}

/** A new dated version, or a price move of the same model, that made a model dearer (or cheaper) in the window. */
export interface PriceEvent {
  kind: 'version_change' | 'price_change';
  family: string | null;
  /** The model now serving (the new version, or the model whose price moved). */
  model: string;
  /** The version it replaced (version changes). */
  from: string | null;
  /** First request of the new version, or the week of the price move. */
  since: string | null;
  unit_price_change: number;
  /** What `model` cost in the window. */
  window_spend_usd: number;
  /** The part of that spend due to the higher unit price: spend × change / (1 + change). Negative when cheaper. */
  extra_usd: number;
}

const usd = (n: number): string => (Math.abs(n) < 1 ? `$${n.toFixed(4)}` : `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function toFindings(report: Report, events: readonly PriceEvent[], windowDays: number | null): Finding[] {
  const out: Finding[] = [];
  const monthly = (windowUsd: number | null): number | null => perMonth(windowUsd, windowDays);

  const d = report.deviation;
  if (d && d.available && d.over_routed > 0) {
    const brevity = d.findings.some((f) => f.id === 'brevity_shortcut');
    const chars = d.short.max_chars;
    const rc = report.classifier?.recalibration;
    const calibrate =
      rc && rc.available
        ? ` Run \`${rc.command}\`: it recommends thresholds ${rc.thresholds.join(' / ')}${rc.trivial_chars > 0 ? ` and a trivial rule under ${rc.trivial_chars} characters` : ''}, ${pct(rc.deviation)} projected deviation (cross-validated) against ${pct(rc.current_deviation)} for the current thresholds on the same requests.`
        : '';
    out.push({
      id: 'over_routing',
      title: `Over-routing: ${pct(d.over_rate ?? 0)} of requests went to a dearer tier than they needed${d.estimate ? ' (estimated from a labelled sample)' : ''}`,
      monthly_usd: d.monthly_projection?.excess_cost_usd ?? null,
      window_usd: d.excess_cost_usd,
      fix: (brevity
        ? `Add the trivial rule: inputs under ${chars} characters skip the classifier and go to the cheapest tier; the classifier treats brevity as complexity, so recalibrate it on a labelled sample.`
        : 'Recalibrate the classifier on a labelled sample (its thresholds send cheap prompts a tier up), and add the trivial rule for very short inputs.') + calibrate,
    });
  }
  if (d && d.retries.count > 0) {
    out.push({
      id: 'retries',
      title: `Under-routing: ${plural(d.retries.count, 'retry', 'retries')} on a dearer tier after a weak answer`,
      monthly_usd: d.monthly_projection?.retry_cost_usd ?? null,
      window_usd: d.retries.cost_usd,
      fix: 'Send hard prompts (multi-step reasoning, long-form, code) to the strong tier first: a retry pays for the weak answer and then the strong one.',
    });
  }

  const c = report.cache;
  if (c && c.available && c.lost_savings_usd !== null && c.lost_savings_usd > 0) {
    const factor = c.dilution_factor !== null ? `dilution ${c.dilution_factor.toFixed(2)}` : 'diluted';
    out.push({
      id: 'cache_dilution',
      title: `Cache ${factor}: ${int(c.lost_savings_requests ?? 0)} paid calls a content-only cache key would have served${c.key_includes_model ? ' (the key includes the model name)' : ''}`,
      monthly_usd: monthly(c.lost_savings_usd),
      window_usd: c.lost_savings_usd,
      fix: 'Key the cache on the content only: a SHA-256 of the normalized input, without the model name, so routing jitter cannot split one question into several entries.',
    });
  }

  for (const e of events) {
    if (!(e.extra_usd > 0)) continue;
    out.push({
      id: e.kind,
      title:
        e.kind === 'version_change'
          ? `New version ${e.model}${e.from ? ` (was ${e.from})` : ''}: unit price +${pct(e.unit_price_change)}${e.since ? ` since ${e.since.slice(0, 10)}` : ''}`
          : `Price of ${e.model} up ${pct(e.unit_price_change)}${e.since ? ` from the week of ${e.since}` : ''}`,
      monthly_usd: monthly(e.extra_usd),
      window_usd: e.extra_usd,
      fix: 'Pin dated model versions in the routing config, watch provider prices nightly (routecheck prices watch), and re-decide the tier when a version or a price moves.',
    });
  }

  const k = report.classifier;
  if (k && k.available && k.calls > 0) {
    const saves = k.trivial.monthly_savings_usd;
    out.push({
      id: 'classifier',
      title: `Classifier: ${plural(k.calls, 'call')} at ${usd(k.cost_per_call_usd)}${k.cost_per_call_source === 'default' ? ' (assumed)' : ''} each, ${usd(k.cost_usd)} in the window`,
      monthly_usd: k.monthly_projection_usd,
      window_usd: k.cost_usd,
      fix: `Trivial mode: skip the classifier for inputs under ${k.trivial.max_chars} characters${saves !== null ? ` (saves about ${usd(saves)}/month)` : ''}; a classifier cheaper than the tiers it chooses between is the rest of the fix.`,
    });
  }

  return out.sort((a, b) => (b.monthly_usd ?? -Infinity) - (a.monthly_usd ?? -Infinity) || a.id.localeCompare(b.id));
}
