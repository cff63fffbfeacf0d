import type { ChartBlock, ChartFormat, ScatterBlock } from './blocks.js';
import { escapeXml } from './escape.js';
import { pct, usd } from './format.js';

/**
 * Inline SVG line charts for the HTML report. Pure functions of the chart block: no script, no fonts or images
 * to fetch, coordinates rounded so the same data gives the same bytes. Points carry a <title> (the browser shows
 * it on hover) with the exact value.
 */

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];

/** A value as the chart writes it (axis ticks and tooltips). */
export function formatValue(v: number, format: ChartFormat): string {
  switch (format) {
    case 'usd':
      return usd(v);
    case 'pct':
      return pct(v, Math.abs(v) < 0.1 && v !== 0 ? 1 : 0).replace(/\.0%$/, '%');
    case 'ratio':
      return v.toFixed(2);
    case 'compact':
      if (Math.abs(v) >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
      if (Math.abs(v) >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
      return `${+v.toFixed(1)}`;
    case 'number':
      return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  }
}

/** A tick value, short: `$0.004` rather than `$0.004000`, `20%` rather than `20.0%`. */
export function axisLabel(v: number, format: ChartFormat): string {
  const short = (x: number): string => String(+x.toPrecision(3));
  switch (format) {
    case 'usd':
      return (v < 0 ? '-$' : '$') + short(Math.abs(v));
    case 'pct':
      return `${short(v * 100)}%`;
    case 'ratio':
      return short(v);
    default:
      return formatValue(v, format);
  }
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  if (ticks[ticks.length - 1]! < max) ticks.push(+(ticks[ticks.length - 1]! + step).toPrecision(12));
  return ticks;
}

/** 1, 2 and 5 × 10^k from the one at or below min to the one at or above max (fewer when the range is wide). */
export function logTicks(min: number, max: number): number[] {
  const all: number[] = [];
  for (let k = Math.floor(Math.log10(min)) - 1; k <= Math.ceil(Math.log10(max)) + 1; k++) {
    for (const m of [1, 2, 5]) all.push(+(m * 10 ** k).toPrecision(12));
  }
  const lo = Math.max(...all.filter((t) => t <= min));
  const hi = Math.min(...all.filter((t) => t >= max));
  let ticks = all.filter((t) => t >= lo && t <= hi);
  if (ticks.length > 8) ticks = ticks.filter((t) => /^1(e|0*$)/.test(String(t)) || t === lo || t === hi);
  return ticks;
}

export interface ChartSize {
  width: number;
  height: number;
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

/** One row of colour keys, each series in its palette colour, from x = left. */
function legend(series: readonly { name: string }[], left: number): string {
  const out = ['<g class="legend">'];
  let x = left;
  series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    out.push(`<rect x="${x}" y="6" width="14" height="4" fill="${color}"/><text x="${x + 20}" y="12">${escapeXml(s.name)}</text>`);
    x += 20 + Math.min(200, s.name.length * 7 + 18);
  });
  out.push('</g>');
  return out.join('');
}

/** The chart block as one <svg> element. */
export function lineChart(chart: ChartBlock, size: ChartSize = { width: 720, height: 280 }): string {
  const { width: W, height: H } = size;
  const legendRows = chart.series.length > 1 ? 1 : 0;
  const n = chart.x.length;
  const log = chart.scale === 'log';

  const values: number[] = [];
  for (const s of chart.series) {
    for (const list of [s.values, s.low ?? [], s.high ?? []]) for (const v of list) if (v !== null && Number.isFinite(v)) values.push(v);
  }
  const usable = log ? values.filter((v) => v > 0) : values;
  const parts: string[] = [];
  const titleId = `chart-${chart.id}-title`;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(chart.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId}">`,
    `<title id="${titleId}">${escapeXml(chart.title)}</title>`,
  );
  if (usable.length === 0 || n === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="empty">no data for this chart</text>`, '</svg>');
    return parts.join('');
  }

  let lo = Math.min(...usable);
  let hi = Math.max(...usable);
  if (chart.threshold) {
    lo = Math.min(lo, chart.threshold.value);
    hi = Math.max(hi, chart.threshold.value);
  }
  let ticks: number[];
  if (log) {
    ticks = logTicks(lo, hi);
  } else {
    // Rates, costs and ratios read best from zero; a series that never nears zero still starts there.
    if (lo > 0) lo = 0;
    if (hi === lo) hi = lo + (Math.abs(lo) || 1);
    ticks = linearTicks(lo, hi);
  }
  const y0 = ticks[0]!;
  const y1 = ticks[ticks.length - 1]!;
  // Room for the longest tick label on the left (about 6.5 px a character at 11 px), the threshold's on the right.
  const longest = Math.max(...ticks.map((t) => axisLabel(t, chart.format).length));
  const m = { left: Math.max(40, Math.round(14 + 6.5 * longest)), right: chart.threshold ? 24 + 6.5 * chart.threshold.label.length : 16, top: 16 + legendRows * 22, bottom: 40 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  // Points stay clear of the plot's edges so the first and last week's labels are not cut.
  const inset = n === 1 ? 0 : Math.min(36, pw / (2 * n));
  const yOf = (v: number): number =>
    log ? m.top + ph * (1 - (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1)) : m.top + ph * (1 - (v - y0) / (y1 - y0 || 1));
  const xOf = (i: number): number => (n === 1 ? m.left + pw / 2 : m.left + inset + ((pw - 2 * inset) * i) / (n - 1));
  const ok = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v) && (!log || v > 0);

  // Grid and y axis labels.
  parts.push('<g class="grid">');
  for (const t of ticks) {
    const y = r1(yOf(t));
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}"/>`);
  }
  parts.push('</g><g class="axis y">');
  for (const t of ticks) parts.push(`<text x="${m.left - 8}" y="${r1(yOf(t) + 4)}" text-anchor="end">${escapeXml(axisLabel(t, chart.format))}</text>`);
  parts.push('</g><g class="axis x">');
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 80))));
  chart.x.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    parts.push(`<text x="${r1(xOf(i))}" y="${m.top + ph + 20}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  parts.push(`</g><line class="baseline" x1="${m.left}" x2="${m.left + pw}" y1="${r1(m.top + ph)}" y2="${r1(m.top + ph)}"/>`);

  if (chart.threshold && ok(chart.threshold.value)) {
    const y = r1(yOf(chart.threshold.value));
    parts.push(
      `<g class="threshold"><line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}"/>`,
      `<text x="${m.left + pw + 6}" y="${r1(yOf(chart.threshold.value) + 4)}">${escapeXml(chart.threshold.label)}</text></g>`,
    );
  }

  chart.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    // Interval band: one polygon per run of weeks where both bounds are known.
    if (s.low && s.high) {
      let run: number[] = [];
      const flush = (): void => {
        if (run.length > 0) {
          const top = run.map((i) => `${r1(xOf(i))},${r1(yOf(s.high![i]!))}`);
          const bottom = [...run].reverse().map((i) => `${r1(xOf(i))},${r1(yOf(s.low![i]!))}`);
          // A single week's band is drawn as a short bar.
          if (run.length === 1) {
            const x = xOf(run[0]!);
            parts.push(`<rect class="band" x="${r1(x - 6)}" y="${r1(yOf(s.high![run[0]!]!))}" width="12" height="${r1(Math.max(1, yOf(s.low![run[0]!]!) - yOf(s.high![run[0]!]!)))}" fill="${color}"/>`);
          } else {
            parts.push(`<polygon class="band" points="${[...top, ...bottom].join(' ')}" fill="${color}"/>`);
          }
        }
        run = [];
      };
      for (let i = 0; i < n; i++) {
        if (ok(s.low[i]) && ok(s.high[i])) run.push(i);
        else flush();
      }
      flush();
    }
    // The line, broken where a week has no value.
    let d = '';
    let pen = false;
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (!ok(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${r1(xOf(i))} ${r1(yOf(v))}`;
      pen = true;
    }
    if (d !== '') parts.push(`<path class="series" d="${d}" stroke="${color}"/>`);
    parts.push(`<g class="points" fill="${color}">`);
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (!ok(v)) continue;
      const band = s.low && s.high && ok(s.low[i]) && ok(s.high[i]) ? ` (${formatValue(s.low[i]!, chart.format)}–${formatValue(s.high[i]!, chart.format)})` : '';
      parts.push(
        `<circle cx="${r1(xOf(i))}" cy="${r1(yOf(v))}" r="3.5"><title>${escapeXml(`${s.name}, ${chart.x[i]}: ${formatValue(v, chart.format)}${band}`)}</title></circle>`,
      );
    }
    parts.push('</g>');
  });

  if (legendRows > 0) parts.push(legend(chart.series, m.left));
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The scatter block as one <svg> element: numeric x and y axes from zero, points with a <title> (name, label and both
 * values), and for a `line` series the points joined in x order.
 */
export function scatterChart(chart: ScatterBlock, size: ChartSize = { width: 720, height: 320 }): string {
  const { width: W, height: H } = size;
  const legendRows = chart.series.length > 1 ? 1 : 0;
  const points = chart.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const titleId = `chart-${chart.id}-title`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(chart.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${titleId}">`,
    `<title id="${titleId}">${escapeXml(chart.title)}</title>`,
  ];
  if (points.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="empty">no data for this chart</text>`, '</svg>');
    return parts.join('');
  }
  const axis = (values: number[]): number[] => {
    const lo = Math.min(0, ...values);
    let hi = Math.max(...values);
    if (hi === lo) hi = lo + (Math.abs(lo) || 1);
    return linearTicks(lo, hi);
  };
  const xt = axis(points.map((p) => p.x));
  const yt = axis(points.map((p) => p.y));
  const longest = Math.max(...yt.map((t) => axisLabel(t, chart.y.format).length));
  const m = { left: Math.max(48, Math.round(28 + 6.5 * longest)), right: 24, top: 16 + legendRows * 22, bottom: 52 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const [x0, x1] = [xt[0]!, xt[xt.length - 1]!];
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const xOf = (v: number): number => m.left + (pw * (v - x0)) / (x1 - x0 || 1);
  const yOf = (v: number): number => m.top + ph * (1 - (v - y0) / (y1 - y0 || 1));

  parts.push('<g class="grid">');
  for (const t of yt) parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${r1(yOf(t))}" y2="${r1(yOf(t))}"/>`);
  for (const t of xt) parts.push(`<line x1="${r1(xOf(t))}" x2="${r1(xOf(t))}" y1="${m.top}" y2="${m.top + ph}"/>`);
  parts.push('</g><g class="axis y">');
  for (const t of yt) parts.push(`<text x="${m.left - 8}" y="${r1(yOf(t) + 4)}" text-anchor="end">${escapeXml(axisLabel(t, chart.y.format))}</text>`);
  parts.push(
    `<text x="12" y="${r1(m.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 12 ${r1(m.top + ph / 2)})">${escapeXml(chart.y.label)}</text>`,
    '</g><g class="axis x">',
  );
  for (const t of xt) parts.push(`<text x="${r1(xOf(t))}" y="${m.top + ph + 18}" text-anchor="middle">${escapeXml(axisLabel(t, chart.x.format))}</text>`);
  parts.push(`<text x="${r1(m.left + pw / 2)}" y="${H - 8}" text-anchor="middle">${escapeXml(chart.x.label)}</text>`, '</g>');

  chart.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    const own = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (s.line && own.length > 1) {
      const d = [...own].sort((a, b) => a.x - b.x || a.y - b.y).map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(xOf(p.x))} ${r1(yOf(p.y))}`).join('');
      parts.push(`<path class="series" d="${d}" stroke="${color}"/>`);
    }
    parts.push(`<g class="points" fill="${color}">`);
    for (const p of own) {
      const what = `${s.name}${p.label ? ` (${p.label})` : ''}: ${formatValue(p.x, chart.x.format)}, ${formatValue(p.y, chart.y.format)}`;
      parts.push(`<circle cx="${r1(xOf(p.x))}" cy="${r1(yOf(p.y))}" r="${s.line ? 3 : 5}"><title>${escapeXml(what)}</title></circle>`);
    }
    parts.push('</g>');
  });

  if (legendRows > 0) parts.push(legend(chart.series, m.left));
  parts.push('</svg>');
  return parts.join('');
}
