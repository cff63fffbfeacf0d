import type { Config } from '../config.js';
import { UsageError } from '../errors.js';

/**
 * The health gates: the write-up's three Friday numbers plus the share of traffic nothing prices, each against a
 * threshold, with a status people and CI can act on. Pure: values in, statuses out.
 *
 *   deviation   routing deviation rate (deviation.rate, with its 95% interval)        max 0.05
 *   dilution    cache dilution factor (cache.dilution_factor)                          max 1.2
 *   tpd_drop    worst week-over-week tokens-per-dollar drop of a model family, as a    max 0.10
 *               positive fraction (0.15 = fell 15%; negative = rose)
 *   unpriced    share of requests with no logged cost and no price                     max 0
 *
 * Status: `fail` over the threshold; `warn` when the value is under it but its 95% interval reaches over it
 * (too few labelled requests to be sure); `pass`; `unknown` when the input is missing (no labels, no cache
 * keys, no week before to compare with) — never `pass`. With `gate_on: "upper"` (small labelled samples) a gate
 * fails only when the interval's lower bound is over the threshold; a point estimate over it is a `warn`.
 */
export const GATE_NAMES = ['deviation', 'dilution', 'tpd_drop', 'unpriced'] as const;
export type GateName = (typeof GATE_NAMES)[number];
export type GateStatus = 'pass' | 'warn' | 'fail' | 'unknown';
export type GateOn = 'point' | 'upper';

export interface Gate {
  name: GateName;
  /** Null when unknown. */
  value: number | null;
  threshold: number;
  status: GateStatus;
  /** The value's 95% interval, when it is an estimate. */
  interval: [number, number] | null;
  /** One line for people: what was measured, or why it is unknown. */
  detail: string;
}

export interface GateThresholds {
  /** Null: the gate is off (not evaluated, not in `gates`). */
  max: Record<GateName, number | null>;
  gate_on: GateOn;
}

export const DEFAULT_THRESHOLDS: GateThresholds = {
  max: { deviation: 0.05, dilution: 1.2, tpd_drop: 0.1, unpriced: 0 },
  gate_on: 'point',
};

/** Config key and flag (commander name) of each threshold. */
const KEYS: Record<GateName, { config: string; flag: string; option: string }> = {
  deviation: { config: 'max_deviation', flag: '--max-deviation', option: 'maxDeviation' },
  dilution: { config: 'max_dilution', flag: '--max-dilution', option: 'maxDilution' },
  tpd_drop: { config: 'max_tpd_drop', flag: '--max-tpd-drop', option: 'maxTpdDrop' },
  unpriced: { config: 'max_unpriced', flag: '--max-unpriced', option: 'maxUnpriced' },
};

/**
 * Config `"gates": {"max_deviation": 0.05, "max_dilution": 1.2, "max_tpd_drop": 0.10, "max_unpriced": 0,
 * "gate_on": "point"}` (null turns a gate off), overridden by the flags (`--max-unpriced off`). Pure.
 */
export function normalizeGateThresholds(config: Pick<Config, 'file' | 'raw'>, options: Record<string, unknown>): GateThresholds {
  const where = config.file ?? 'config';
  const out: GateThresholds = { max: { ...DEFAULT_THRESHOLDS.max }, gate_on: DEFAULT_THRESHOLDS.gate_on };
  const raw = config.raw['gates'];
  if (raw !== undefined) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new UsageError(`${where}: "gates" must be an object {"max_deviation", "max_dilution", "max_tpd_drop", "max_unpriced", "gate_on"}`);
    }
    const g = raw as Record<string, unknown>;
    const known = [...Object.values(KEYS).map((k) => k.config), 'gate_on'];
    for (const k of Object.keys(g)) {
      if (!known.includes(k)) throw new UsageError(`${where}: "gates.${k}" is not a known key (${known.join(', ')})`);
    }
    for (const name of GATE_NAMES) {
      const v = g[KEYS[name].config];
      if (v === undefined) continue;
      out.max[name] = v === null ? null : threshold(v, `${where}: "gates.${KEYS[name].config}"`, name);
    }
    if (g['gate_on'] !== undefined) out.gate_on = gateOn(g['gate_on'], `${where}: "gates.gate_on"`);
  }
  for (const name of GATE_NAMES) {
    const v = options[KEYS[name].option];
    if (v === undefined) continue;
    const text = String(v).trim();
    out.max[name] = text.toLowerCase() === 'off' ? null : threshold(text === '' ? NaN : Number(text), `${KEYS[name].flag} "${text}"`, name);
  }
  if (options['gateOn'] !== undefined) out.gate_on = gateOn(options['gateOn'], '--gate-on');
  return out;
}

function threshold(v: unknown, what: string, name: GateName): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${what} must be a number (or "off"/null to turn the gate off)`);
  // A drop may be any size; the others are non-negative (dilution is a ratio ≥ 1 in practice).
  if (name !== 'tpd_drop' && v < 0) throw new UsageError(`${what} must not be negative`);
  if ((name === 'deviation' || name === 'unpriced') && v > 1) throw new UsageError(`${what} is a fraction between 0 and 1 (0.05 = 5%)`);
  return v;
}

function gateOn(v: unknown, what: string): GateOn {
  if (v === 'point' || v === 'upper') return v;
  throw new UsageError(`${what} must be "point" or "upper"`);
}

export type GateInput = { value: number; interval?: [number, number] | null; detail: string } | { unknown: string };

/** One gate from its measured value (or the reason it is unknown). Pure. */
export function evaluateGate(name: GateName, input: GateInput, threshold: number, on: GateOn): Gate {
  if ('unknown' in input) return { name, value: null, threshold, status: 'unknown', interval: null, detail: input.unknown };
  const interval = input.interval ?? null;
  return { name, value: input.value, threshold, status: statusOf(input.value, interval, threshold, on), interval, detail: input.detail };
}

export function statusOf(value: number, interval: [number, number] | null, threshold: number, on: GateOn): GateStatus {
  if (interval && on === 'upper') {
    if (interval[0] > threshold) return 'fail';
    return interval[1] > threshold ? 'warn' : 'pass';
  }
  if (value > threshold) return 'fail';
  return interval && interval[1] > threshold ? 'warn' : 'pass';
}

/** The worst status wins: fail, then warn, then unknown, then pass. */
export function overallStatus(gates: readonly Gate[]): GateStatus {
  for (const s of ['fail', 'warn', 'unknown'] as const) if (gates.some((g) => g.status === s)) return s;
  return 'pass';
}
