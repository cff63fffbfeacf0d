// pgpass ships no types; routecheck uses its line matcher only (postgres-source.ts reads the file itself).
declare module 'pgpass/lib/helper.js' {
  const helper: {
    getPassword(
      connInfo: { host: string; port: number; database: string; user: string },
      stream: NodeJS.ReadableStream & { destroy(): void },
      cb: (password?: string) => void,
    ): void;
  };
  export default helper;
}
