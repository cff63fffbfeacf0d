import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { windowSpec } from '../src/settings.js';
import { isoWeekLabel, lastCompleteWeek, parseIsoWeek, parseBound, resolveReportWindow, resolveWindow, windowLengthDays } from '../src/window.js';
import { runCli as run } from './run-cli.js';

const d = (s: string) => new Date(s);

describe('ISO weeks (pure)', () => {
  it('names weeks as the calendar does', () => {
    // 2025-01-01 is a Wednesday, so week 1 of 2025 starts on Monday 2024-12-30.
    expect(isoWeekLabel(d('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeekLabel(d('2024-12-29T23:59:59Z'))).toBe('2024-W52');
    expect(isoWeekLabel(d('2025-03-17T00:00:00Z'))).toBe('2025-W12');
    expect(isoWeekLabel(d('2025-03-23T23:59:59Z'))).toBe('2025-W12');
    // 2020 has 53 weeks; 2021-01-03 (a Sunday) still belongs to 2020-W53.
    expect(isoWeekLabel(d('2021-01-03T12:00:00Z'))).toBe('2020-W53');
  });

  it('parses --week into the Monday it starts on', () => {
    expect(parseIsoWeek('2025-W12')).toEqual({ from: d('2025-03-17T00:00:00Z'), label: '2025-W12' });
    expect(parseIsoWeek('2025w1')).toEqual({ from: d('2024-12-30T00:00:00Z'), label: '2025-W01' });
    expect(parseIsoWeek('2020-W53').from).toEqual(d('2020-12-28T00:00:00Z'));
    expect(() => parseIsoWeek('2021-W53')).toThrow(/2021 has no ISO week 53/);
    expect(() => parseIsoWeek('2025-W00')).toThrow(/no ISO week 0/);
    expect(() => parseIsoWeek('2025-03-17')).toThrow(/not an ISO week/);
  });
});

describe('the default window: the last complete week', () => {
  it('needs the data to reach the week\'s first and last day', () => {
    // Data from Monday 2025-03-03 to Sunday 2025-03-16: the week of 03-10 is the last complete one.
    expect(lastCompleteWeek(d('2025-03-03T08:00:00Z'), d('2025-03-16T22:00:00Z'))).toEqual(d('2025-03-10T00:00:00Z'));
    // Up to Friday 03-21: that week is not over in the data, so the week before.
    expect(lastCompleteWeek(d('2025-03-03T08:00:00Z'), d('2025-03-21T16:00:00Z'))).toEqual(d('2025-03-10T00:00:00Z'));
    // Starting on a Tuesday: that week has no first day; nothing later is complete either.
    expect(lastCompleteWeek(d('2025-03-04T08:00:00Z'), d('2025-03-11T10:00:00Z'))).toBeNull();
    // A few seconds on one Monday.
    expect(lastCompleteWeek(d('2025-03-17T09:00:00Z'), d('2025-03-17T09:00:10Z'))).toBeNull();
    expect(lastCompleteWeek(null, null)).toBeNull();
  });

  it('compares with the week before, and falls back to all the data', () => {
    const data = { first: d('2025-03-03T08:00:00Z'), last: d('2025-03-19T10:00:00Z') };
    expect(resolveReportWindow({ kind: 'default' }, data)).toEqual({
      window: { from: d('2025-03-10T00:00:00Z'), to: d('2025-03-17T00:00:00Z') },
      previous: { from: d('2025-03-03T00:00:00Z'), to: d('2025-03-10T00:00:00Z') },
      basis: 'last_complete_week',
      label: '2025-W11',
    });
    expect(resolveReportWindow({ kind: 'default' }, { first: d('2025-03-17T09:00:00Z'), last: d('2025-03-17T09:00:10Z') })).toEqual({
      window: { from: null, to: null }, previous: null, basis: 'all', label: null,
    });
  });

  it('resolves --last, --since/--until and --all', () => {
    const data = { first: d('2025-03-01T00:00:00Z'), last: d('2025-03-20T12:00:00Z') };
    // Days and weeks: whole UTC days, ending at the midnight after the latest request's day.
    expect(resolveReportWindow({ kind: 'last', ms: 7 * 86_400_000, text: '7d' }, data)).toMatchObject({
      window: { from: d('2025-03-14T00:00:00Z'), to: d('2025-03-21T00:00:00Z') },
      previous: { from: d('2025-03-07T00:00:00Z'), to: d('2025-03-14T00:00:00Z') },
      basis: 'last',
    });
    // The case: logs that end at 23:59 give 42 days from midnight to midnight, not 23:59 to 23:59.
    const lateLast = { first: d('2025-02-10T00:03:00Z'), last: d('2025-03-23T23:59:00Z') };
    expect(resolveReportWindow({ kind: 'last', ms: 42 * 86_400_000, text: '6w' }, lateLast)).toMatchObject({
      window: { from: d('2025-02-10T00:00:00Z'), to: d('2025-03-24T00:00:00Z') },
      previous: { from: d('2024-12-30T00:00:00Z'), to: d('2025-02-10T00:00:00Z') },
    });
    // A request at midnight exactly starts a new day: the window runs to the midnight after it.
    expect(resolveReportWindow({ kind: 'last', ms: 86_400_000, text: '1d' }, { first: data.first, last: d('2025-03-21T00:00:00Z') }).window)
      .toEqual({ from: d('2025-03-21T00:00:00Z'), to: d('2025-03-22T00:00:00Z') });
    // Hours stay exact: back from the latest request, open at the end so that it is included.
    expect(resolveReportWindow({ kind: 'last', ms: 12 * 3_600_000, text: '12h' }, data)).toMatchObject({
      window: { from: d('2025-03-20T00:00:00Z'), to: null },
      previous: { from: d('2025-03-19T12:00:00Z'), to: d('2025-03-20T00:00:00Z') },
    });
    expect(resolveReportWindow({ kind: 'last', ms: 36 * 3_600_000, text: '36H' }, data).window.from).toEqual(d('2025-03-19T00:00:00Z'));
    const range = resolveReportWindow({ kind: 'range', since: parseBound('2025-03-10', '--since'), until: parseBound('2025-03-14', '--until') }, data);
    expect(range.window).toEqual({ from: d('2025-03-10T00:00:00Z'), to: d('2025-03-14T00:00:00Z') });
    expect(range.previous).toEqual({ from: d('2025-03-06T00:00:00Z'), to: d('2025-03-10T00:00:00Z') });
    expect(resolveReportWindow({ kind: 'range', until: parseBound('2025-03-14', '--until') }, data).previous).toBeNull();
    expect(resolveReportWindow({ kind: 'all' }, data)).toEqual({ window: { from: null, to: null }, previous: null, basis: 'all', label: null });
    // The old resolver is unchanged.
    expect(resolveWindow(parseBound('2d', '--since'), undefined, data.last)).toEqual({ from: d('2025-03-18T12:00:00Z'), to: null });
  });

  it('takes one window flag only', () => {
    expect(windowSpec({})).toEqual({ kind: 'default' });
    expect(windowSpec({ week: '2025-W12' })).toMatchObject({ kind: 'week', label: '2025-W12' });
    expect(windowSpec({ last: '4w' })).toEqual({ kind: 'last', ms: 28 * 86_400_000, text: '4w' });
    expect(() => windowSpec({ week: '2025-W12', since: '2025-03-01' })).toThrow(/--week and --since\/--until cannot be used together/);
    expect(() => windowSpec({ last: '7d', all: true })).toThrow(/--last and --all/);
    expect(() => windowSpec({ last: 'soon' })).toThrow(/--last "soon" is not a duration/);
  });
});

describe('report windows on a log', () => {
  // One request a day at 10:00 from Monday 2025-03-03 to Wednesday 2025-03-19, with i+1 output tokens on day i.
  const days = Array.from({ length: 17 }, (_, i) => new Date(Date.UTC(2025, 2, 3 + i, 10)).toISOString());
  const dir = mkdtempSync(join(tmpdir(), 'routecheck-window-'));
  const file = join(dir, 'logs.jsonl');
  writeFileSync(file, days.map((ts, i) => JSON.stringify({ ts, request_id: `r${i}`, model: 'gpt-4o-mini', input_tokens: 1, output_tokens: i + 1 })).join('\n') + '\n');
  const inRange = (from: string, to: string) => days.filter((t) => t >= from && t < to).length;
  const report = async (...flags: string[]) => {
    const r = await run(['report', file, '--format', 'json', '--quiet', ...flags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('defaults to the last complete ISO week, with the week before', async () => {
    const r = await report();
    expect(r.window).toEqual({ from: '2025-03-10T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' });
    expect(r.previous_window).toEqual({ from: '2025-03-03T00:00:00.000Z', to: '2025-03-10T00:00:00.000Z' });
    expect([r.window_basis, r.window_label]).toEqual(['last_complete_week', '2025-W11']);
    expect(r.requests.total).toBe(inRange('2025-03-10', '2025-03-17'));
    expect(r.requests.output_tokens).toBe(8 + 9 + 10 + 11 + 12 + 13 + 14);
  });

  it('reports the week --week names', async () => {
    const r = await report('--week', '2025-W12');
    expect(r.window).toEqual({ from: '2025-03-17T00:00:00.000Z', to: '2025-03-24T00:00:00.000Z' });
    expect(r.requests.total).toBe(inRange('2025-03-17', '2025-03-24'));
    expect(r.window_label).toBe('2025-W12');
  });

  it('reports the last days with --last, and everything with --all', async () => {
    const r = await report('--last', '3d');
    // The last request is on Wednesday 03-19: the three whole days 03-17, 03-18 and 03-19.
    expect(r.window).toEqual({ from: '2025-03-17T00:00:00.000Z', to: '2025-03-20T00:00:00.000Z' });
    expect(r.requests.total).toBe(inRange('2025-03-17', '2025-03-20'));
    expect(r.requests.total).toBe(3);
    expect(r.previous_window).toEqual({ from: '2025-03-14T00:00:00.000Z', to: '2025-03-17T00:00:00.000Z' });
    // 12h is exact: from 2025-03-18T22:00, so only the last request.
    expect((await report('--last', '12h')).requests.total).toBe(1);
    expect((await report('--all')).requests.total).toBe(days.length);
    expect((await report('--since', '2025-03-05', '--until', '2025-03-07')).requests.total).toBe(2);
  });

  it('refuses two windows and a bad week with exit 2', async () => {
    for (const flags of [['--week', '2025-W12', '--last', '7d'], ['--week', '2025-W99'], ['--all', '--since', '2025-03-01']]) {
      const r = await run(['report', file, ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('windowLengthDays', () => {
  const d = (s: string) => new Date(s);
  it('is the bounds when both are set, else the span of the requests standing in for a missing bound', () => {
    expect(windowLengthDays({ from: d('2025-03-17T00:00:00Z'), to: d('2025-03-24T00:00:00Z') }, { first: null, last: null })).toBe(7);
    expect(windowLengthDays({ from: null, to: null }, { first: d('2025-03-01T00:00:00Z'), last: d('2025-03-04T12:00:00Z') })).toBe(3.5);
    expect(windowLengthDays({ from: d('2025-03-02T00:00:00Z'), to: null }, { first: d('2025-03-03T00:00:00Z'), last: d('2025-03-04T00:00:00Z') })).toBe(2);
    expect(windowLengthDays({ from: null, to: null }, { first: null, last: null })).toBeNull();
    expect(windowLengthDays({ from: null, to: null }, { first: d('2025-03-01T00:00:00Z'), last: d('2025-03-01T00:00:00Z') })).toBeNull();
  });
});
