/**
 * The URL of a worker module of embed/ (`name`.js next to the calling module). Under vitest the modules run from
 * src/ as TypeScript, which a worker thread cannot load: the built one in dist/ is used (npm install builds it; the
 * code is the same).
 */
export function workerUrl(name: string, from: string): URL {
  return from.endsWith('.ts') ? new URL(`../../dist/embed/${name}.js`, from) : new URL(`./${name}.js`, from);
}
