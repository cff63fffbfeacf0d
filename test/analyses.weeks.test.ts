import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateOf, weekOf, weekShift } from '../src/analyses/weeks.js';
import { withDatabase } from '../src/db/database.js';
import { WEEK_DAYS } from '../src/prices/settings.js';

/**
 * The week and date expressions work on the epoch in integers (no ICU calendar per row). They must equal DuckDB's
 * own date_trunc('week', ts + shift) - shift and CAST(ts AS DATE) under UTC for every instant, every start day:
 * before 1970 (negative day numbers), at midnight and a microsecond either side of it, far in the future.
 */
const DAY_US = 86_400_000_000n;
const instants = fc.oneof(
  // Any microsecond from 1900 to 2200.
  fc.bigInt({ min: -2_208_988_800_000_000n, max: 7_258_118_400_000_000n }),
  // Midnights (UTC) and their neighbours, where a floor or a modulo of the wrong sign shows.
  fc.tuple(fc.bigInt({ min: -25_567n, max: 84_000n }), fc.constantFrom(-1n, 0n, 1n)).map(([d, e]) => d * DAY_US + e),
);

describe('weekOf / dateOf', () => {
  it('equal date_trunc and CAST AS DATE under UTC, every start day', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      await fc.assert(
        fc.asyncProperty(fc.array(instants, { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 6 }), async (us, shift) => {
          await db.run('CREATE OR REPLACE TEMP TABLE t AS SELECT make_timestamptz(CAST(unnest(string_split($us, \',\')) AS BIGINT)) AS ts', {
            us: us.join(','),
          });
          const bad = await db.all(
            `SELECT CAST(ts AS VARCHAR) AS ts, CAST(${weekOf('ts')} AS VARCHAR) AS mine,
               CAST(CAST(date_trunc('week', ts + to_days(CAST($week_shift AS INTEGER))) - to_days(CAST($week_shift AS INTEGER)) AS DATE) AS VARCHAR) AS duck,
               CAST(${dateOf('ts')} AS VARCHAR) AS my_day, CAST(CAST(ts AS DATE) AS VARCHAR) AS duck_day
             FROM t WHERE mine IS DISTINCT FROM duck OR my_day IS DISTINCT FROM duck_day`,
            { week_shift: shift },
          );
          expect(bad).toEqual([]);
        }),
        { numRuns: 60 },
      );
    });
  });

  it('names each start day\'s week by that day', async () => {
    const rows = await withDatabase({ path: ':memory:' }, async (db) => {
      const out: string[] = [];
      for (const start of WEEK_DAYS) {
        const row = await db.one<{ w: string }>(`SELECT CAST(${weekOf("TIMESTAMPTZ '2025-03-19 12:00:00+00'")} AS VARCHAR) AS w`, {
          week_shift: weekShift(start),
        });
        out.push(`${start} ${row!.w}`);
      }
      return out;
    });
    // Wednesday 2025-03-19 (index 2 of WEEK_DAYS): a week starting on day k began (2 - k) mod 7 days before it.
    const expected = WEEK_DAYS.map((start, k) => `${start} ${new Date(Date.UTC(2025, 2, 19 - ((2 - k + 7) % 7))).toISOString().slice(0, 10)}`);
    expect(rows).toEqual(expected);
  });
});
