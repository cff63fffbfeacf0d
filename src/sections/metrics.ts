import { GATE_NAMES, type GateStatus } from '../analyses/gates.js';
import type { Metric, Sample } from '../render/prometheus.js';
import type { Report } from '../report/report.js';

/**
 * The report's figures as Prometheus gauges of the report window (render/prometheus.ts writes them). A value the
 * report does not know (no labels, no cache keys, an unpriced family) is left out, never written as 0. Gate
 * statuses are a state set: one series per status, 1 for the current one.
 */
const STATUSES: readonly GateStatus[] = ['pass', 'warn', 'fail', 'unknown'];

export function reportMetrics(report: Report): Metric[] {
  const metrics: Metric[] = [];
  const add = (name: string, help: string, samples: (Sample | null)[]): void => {
    const kept = samples.filter((s): s is Sample => s !== null && Number.isFinite(s.value));
    if (kept.length > 0) metrics.push({ name: `routecheck_${name}`, help, samples: kept });
  };
  const one = (value: number | null | undefined, labels?: Record<string, string>): Sample | null =>
    value === null || value === undefined ? null : labels ? { labels, value } : { value };
  const seconds = (t: string | null | undefined): number | null => (t ? Date.parse(t) / 1000 : null);

  add('window_start_seconds', 'Start of the report window (inclusive), Unix time.', [one(seconds(report.window.from))]);
  add('window_end_seconds', 'End of the report window, Unix time.', [one(seconds(report.window.to))]);
  const h = report.headline;
  add('requests', 'Requests in the window (window="previous": the window compared with).', [
    one(h?.current.requests ?? report.requests.total, { window: 'current' }),
    one(h?.previous?.requests, { window: 'previous' }),
  ]);
  add('spend_usd', 'Known spend in USD: logged costs, else list price times tokens; unpriced requests are not in it.', [
    one(h?.current.spend_usd, { window: 'current' }),
    one(h?.previous?.spend_usd, { window: 'previous' }),
  ]);
  add('cost_per_request_usd', 'Known spend over the requests with a known cost, USD.', [
    one(h?.current.cost_per_request, { window: 'current' }),
    one(h?.previous?.cost_per_request, { window: 'previous' }),
  ]);
  add('rejected_records', 'Log records that could not be loaded (all loaded files).', [one(report.rejects.total)]);

  const d = report.deviation;
  if (d?.available) {
    add('deviation_rate', 'Share of requests routed to another tier than their ideal one.', [one(d.rate)]);
    add('deviation_rate_ci95', '95% Wilson interval of the deviation rate.', [
      one(d.ci95?.[0], { bound: 'lower' }),
      one(d.ci95?.[1], { bound: 'upper' }),
    ]);
    add('deviation_direction_rate', 'Share of requests routed to a dearer (over) or cheaper (under) tier than ideal.', [
      one(d.over_rate, { direction: 'over' }),
      one(d.under_rate, { direction: 'under' }),
    ]);
    add('deviation_evaluated_requests', 'Requests with an ideal route (the deviation rate is over these).', [one(d.evaluated)]);
  }
  if (d) add('retries', 'Retries on a dearer tier (retry_of, or the same input re-sent in the session).', [one(d.retries.count)]);

  const e = report.efficiency;
  if (e?.available) {
    const byFamily = new Map<string, { tokens: number; cost: number }>();
    for (const w of e.weeks.filter((x) => x.in_window)) {
      for (const f of w.families) {
        if (f.cost_usd === null || f.cost_usd <= 0) continue;
        const acc = byFamily.get(f.family) ?? { tokens: 0, cost: 0 };
        acc.tokens += f.tokens;
        acc.cost += f.cost_usd;
        byFamily.set(f.family, acc);
      }
    }
    add('tokens_per_dollar', 'Input and output tokens per USD of priced provider calls, by model family.', [...byFamily.entries()].sort().map(([family, a]) => one(a.tokens / a.cost, { family })));
  }
  if (h) {
    // The latest week of each family that has a week before it.
    const latest = new Map<string, number>();
    for (const f of [...h.tokens_per_dollar.families].sort((a, b) => a.week.localeCompare(b.week))) latest.set(f.family, f.change);
    add('tokens_per_dollar_change', 'Week-over-week change of tokens per dollar, by family (-0.15: fell 15%).', [...latest.entries()].sort().map(([family, change]) => one(change, { family })));
  }
  if (e) {
    add('unpriced_share', 'Share of requests with no logged cost and no price.', [one(report.requests.total > 0 ? e.unpriced.share : null)]);
    add('unpriced_requests', 'Requests with no logged cost and no price.', [one(e.unpriced.requests)]);
    add('no_token_requests', 'Requests with a price but no token counts: cost unknown.', [one(e.no_token_counts.requests)]);
  }

  const c = report.cache;
  if (c?.available) {
    add('cache_dilution', 'Cache entries per distinct semantic content (1.0 ideal).', [one(c.dilution_factor)]);
    add('cache_exact_dilution', 'Cache entries per distinct normalized input.', [one(c.exact_dilution_factor)]);
    add('cache_key_includes_model', '1 when the cache key depends on the served model.', [one(c.key_includes_model === null ? null : c.key_includes_model ? 1 : 0)]);
    add('cache_hit_ratio', 'Cache hit rate: logged, and simulated with a content-only or a semantic key.', [
      one(c.hit_rate, { key: 'logged' }),
      one(c.simulated.content_key_hit_rate, { key: 'content' }),
      one(c.simulated.semantic_key_hit_rate, { key: 'semantic' }),
    ]);
    add('cache_lost_savings_usd', 'Cost of calls a content-only cache key would have served, USD.', [one(c.lost_savings_usd)]);
  }

  const k = report.classifier;
  if (k?.available) {
    add('classifier_calls', 'Classifier calls in the window.', [one(k.calls)]);
    add('classifier_cost_usd', 'Classifier cost in the window, USD.', [one(k.cost_usd)]);
  }

  const r = report.roi;
  if (r?.available) {
    add('router_net_cost_usd', "The routed traffic's cost in the window, retries and classifier calls included, USD.", [one(r.router.net_cost_usd)]);
    add(
      'router_savings_usd',
      'What the router saves in the window against each policy with no router (negative: it costs more), USD.',
      r.baselines.map((b) => one(b.savings_usd, { policy: b.policy === 'ideal' ? 'ideal' : `all_${b.tier}` })),
    );
  }

  const gates = report.gates ?? [];
  add('gate_value', 'Value each health gate measured.', gates.map((g) => one(g.value, { gate: g.name })));
  add('gate_threshold', 'Threshold of each health gate.', gates.map((g) => one(g.threshold, { gate: g.name })));
  add(
    'gate_status',
    'Health gate status as a state set: 1 for the current status of each gate.',
    GATE_NAMES.flatMap((name) => {
      const g = gates.find((x) => x.name === name);
      return g ? STATUSES.map((s) => one(g.status === s ? 1 : 0, { gate: name, status: s })) : [];
    }),
  );
  if (h) add('status', 'Overall health: the worst gate status as a state set.', STATUSES.map((s) => one(h.status === s ? 1 : 0, { status: s })));
  add('finding_monthly_usd', 'What each finding costs per month at the window\'s rate, USD (findings overlap).', (report.findings ?? []).map((f) => one(f.monthly_usd, { finding: f.id })));

  return metrics;
}
