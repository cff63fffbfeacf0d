import { readFileSync } from 'node:fs';

/** The fixture of real model ids (fixtures/prices/model-ids.json): each row's expected identity. */
export interface IdRow {
  model: string;
  logged_provider: string | null;
  provider: string | null;
  family: string;
  version: string | null;
  alias: string | null;
  catalog: string | null;
}

export function modelIdRows(): IdRow[] {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/prices/model-ids.json', import.meta.url), 'utf8')) as {
    columns: (keyof IdRow)[];
    rows: unknown[][];
  };
  return fixture.rows.map((r) => Object.fromEntries(fixture.columns.map((c, i) => [c, r[i]])) as unknown as IdRow);
}

