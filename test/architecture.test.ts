import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';

/**
 * The layering ARCHITECTURE.md promises, checked on the source: no import cycle between files of src/ (type-only
 * imports aside: they vanish at build time), and render/ drawing only blocks and its own view types.
 */

interface Edge {
  to: string;
  typeOnly: boolean;
}

/** Relative imports of a file: static `import … from`, `export … from`, and dynamic `import('…')`. */
export function importsOf(source: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const stat = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+['"](\.[^'"]+)['"]/g;
  for (const m of source.matchAll(stat)) {
    const clause = (m[2] ?? '').trim();
    // `import { type A, type B } from` is type-only too.
    const names = /^\{([^}]*)\}$/s.exec(clause)?.[1]?.split(',').map((s) => s.trim()).filter(Boolean);
    const allTypes = names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type '));
    out.push({ spec: m[3]!, typeOnly: Boolean(m[1]) || allTypes });
  }
  for (const m of source.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}

function graph(root: string): Map<string, Edge[]> {
  const files = globSync('**/*.ts', { cwd: root }).map((f) => normalize(f));
  const g = new Map<string, Edge[]>();
  for (const f of files) {
    const edges = importsOf(readFileSync(join(root, f), 'utf8')).map(({ spec, typeOnly }) => ({
      to: normalize(join(dirname(f), spec.replace(/\.js$/, '.ts'))),
      typeOnly,
    }));
    g.set(f, edges);
  }
  return g;
}

/** Strongly connected components with more than one file (Tarjan), over the runtime (non-type) edges. */
export function cycles(g: Map<string, Edge[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const e of g.get(v) ?? []) {
      if (e.typeOnly || !g.has(e.to)) continue;
      if (!idx.has(e.to)) {
        visit(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (on.has(e.to)) low.set(v, Math.min(low.get(v)!, idx.get(e.to)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('the import graph of src/', () => {
  const g = graph('src');

  it('reads the files and their imports', () => {
    expect(g.size).toBeGreaterThan(50);
    expect(g.get(normalize('report/report.ts'))!.some((e) => e.to === normalize('sections/index.ts') && !e.typeOnly)).toBe(true);
  });

  it('has no import cycle (type-only imports aside)', () => {
    expect(cycles(g)).toEqual([]);
  });

  it('render/ imports no analysis, report, section or cli module, not even a type', () => {
    const bad: string[] = [];
    for (const [file, edges] of g) {
      if (!file.startsWith('render')) continue;
      for (const e of edges) if (/^(analyses|report|sections|cli)[\\/]/.test(e.to)) bad.push(`${file} → ${e.to}`);
    }
    expect(bad).toEqual([]);
  });

  it('analyses/ neither draws nor knows the sections and commands', () => {
    const bad: string[] = [];
    for (const [file, edges] of g) {
      if (!file.startsWith('analyses')) continue;
      for (const e of edges) if (!e.typeOnly && /^(render|sections|cli)[\\/]/.test(e.to)) bad.push(`${file} → ${e.to}`);
    }
    expect(bad).toEqual([]);
  });

  it('finds a cycle when there is one (the checker itself can fail)', () => {
    const tiny = new Map<string, Edge[]>([
      ['a.ts', [{ to: 'b.ts', typeOnly: false }]],
      ['b.ts', [{ to: 'a.ts', typeOnly: false }]],
      ['c.ts', [{ to: 'a.ts', typeOnly: true }]],
      ['d.ts', [{ to: 'c.ts', typeOnly: false }]],
    ]);
    expect(cycles(tiny)).toEqual([['a.ts', 'b.ts']]);
    expect(importsOf(`import type { X } from './x.js';\nimport { type Y, type Z } from './y.js';\nimport { w } from './w.js';\nconst m = await import('./m.js');`)).toEqual([
      { spec: './x.js', typeOnly: true },
      { spec: './y.js', typeOnly: true },
      { spec: './w.js', typeOnly: false },
      { spec: './m.js', typeOnly: false },
    ]);
  });
});
