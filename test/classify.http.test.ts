import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClassifier } from '../src/classify/http.js';
import { replay } from '../src/classify/replay.js';
import { withDatabase } from '../src/db/database.js';
import { loadRequests, requestsFor, SIMPLE_MEDIUM_HARD } from './classify-helpers.js';

/**
 * A real classifier service on 127.0.0.1. Its rule: an input shorter than 10 characters is simple, else hard;
 * an input containing "fruit" gets the label "banana"; a batch containing "boom" gets HTTP 500 while `broken`.
 */
let server: Server;
let base = '';
const hits: Record<string, number> = {};
const batches: string[][] = [];
let broken = true;
/** Another origin (a second server): a redirect points there, and it must never see the prompts. */
let other: Server;
let otherBase = '';
const otherPosts: string[] = [];

function answer(input: string): string {
  if (input.includes('fruit')) return 'banana';
  return input.length < 10 ? 'simple' : 'hard';
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = req.url ?? '/';
  hits[path] = (hits[path] ?? 0) + 1;
  let body = '';
  for await (const chunk of req) body += chunk;
  if (path === '/slow') return; // never answers: the client's timeout must fire
  const send = (status: number, value: unknown, raw = false) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(raw ? String(value) : JSON.stringify(value));
  };
  if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') return send(400, { error: 'POST JSON only' });
  const inputs = (JSON.parse(body) as { inputs: string[] }).inputs;
  batches.push(inputs);
  switch (path) {
    case '/tiers':
      return send(200, { tiers: inputs.map(answer) });
    case '/objects':
      return send(200, inputs.map((t) => ({ tier: answer(t), score: 0.5 })));
    case '/500':
      return send(500, { error: 'internal' });
    case '/short':
      return send(200, { tiers: inputs.slice(1).map(answer) });
    case '/text':
      return send(200, 'simple, hard', true);
    case '/holes':
      return send(200, { tiers: inputs.map((t, i) => (i === 0 ? null : answer(t))) });
    case '/redirect':
      res.writeHead(307, { location: `${otherBase}/steal` });
      return void res.end();
    case '/redirect-same':
      res.writeHead(308, { location: '/tiers' });
      return void res.end();
    case '/big':
      // 3 MiB of answer: more than any batch of tiers needs.
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 48; i++) res.write(' '.repeat(65536));
      return void res.end(JSON.stringify({ tiers: inputs.map(answer) }));
    case '/declared':
      // Says 200 MB are coming, sends a few bytes, then nothing: the client must not wait for the rest.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) });
      return void res.write('{"tiers": [');
    case '/mixed':
      if (broken && inputs.some((t) => t.includes('boom'))) return send(500, { error: 'boom' });
      return send(200, { tiers: inputs.map(answer) });
    default:
      return send(404, {});
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => void (body += chunk.toString()));
    req.on('end', () => {
      otherPosts.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ tiers: [] }));
    });
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of [server, other]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const url = (path: string) => new URL(base + path);

describe('http classifier protocol', () => {
  it('POSTs {"inputs"} and reads {"tiers": [...]}', async () => {
    const c = new HttpClassifier(url('/tiers'));
    expect(await c.classify(['hi', 'Prove that there are infinitely many primes'])).toEqual([{ tier: 'simple' }, { tier: 'hard' }]);
    expect(batches.at(-1)).toEqual(['hi', 'Prove that there are infinitely many primes']);
  });

  it('also reads a list of {"tier"} objects', async () => {
    expect(await new HttpClassifier(url('/objects')).classify(['ok', 'a much longer question'])).toEqual([{ tier: 'simple' }, { tier: 'hard' }]);
  });

  it('counts HTTP 500, a wrong count, a non-JSON body and null answers as errors of their kind', async () => {
    expect(await new HttpClassifier(url('/500')).classify(['a', 'b'])).toEqual([
      { error: `${base}/500 answered HTTP 500`, kind: 'http' },
      { error: `${base}/500 answered HTTP 500`, kind: 'http' },
    ]);
    const short = await new HttpClassifier(url('/short')).classify(['a', 'b']);
    expect(short.map((a) => ('kind' in a ? a.kind : a.tier))).toEqual(['bad_response', 'bad_response']);
    expect(short[0]).toMatchObject({ error: expect.stringContaining('returned 1 answers for 2 inputs') });
    const text = await new HttpClassifier(url('/text')).classify(['a']);
    expect(text).toEqual([{ error: `${base}/text answered with a body that is not JSON`, kind: 'bad_response' }]);
    const holes = await new HttpClassifier(url('/holes')).classify(['a', 'b']);
    expect(holes).toEqual([{ error: `${base}/holes answered null instead of a tier`, kind: 'bad_response' }, { tier: 'simple' }]);
  });

  it('times out, and after repeated failures stops sending', async () => {
    const c = new HttpClassifier(url('/slow'), { timeoutMs: 150, maxConsecutiveFailures: 2 });
    const before = hits['/slow'] ?? 0;
    expect(await c.classify(['a'])).toEqual([{ error: `${base}/slow did not answer within 150 ms`, kind: 'timeout' }]);
    expect(await c.classify(['b'])).toMatchObject([{ kind: 'timeout' }]);
    // The service failed twice in a row: the third batch is not sent, and says why.
    const third = await c.classify(['c']);
    expect(third).toMatchObject([{ kind: 'timeout', error: expect.stringMatching(/^not sent: .*2 failed requests in a row/) }]);
    expect((hits['/slow'] ?? 0) - before).toBe(2);
  });

  it('follows no redirect: the prompts go to the given URL only, another origin never sees them', async () => {
    const [a] = await new HttpClassifier(url('/redirect')).classify(['my secret prompt']);
    expect(a).toMatchObject({ kind: 'http', error: expect.stringContaining(`answered HTTP 307, a redirect to ${otherBase}: prompts are not re-sent`) });
    expect(otherPosts).toEqual([]);
    // Not even to the same server: a POST is never re-sent.
    const before = hits['/tiers'] ?? 0;
    expect(await new HttpClassifier(url('/redirect-same')).classify(['x'])).toMatchObject([{ kind: 'http' }]);
    expect(hits['/tiers'] ?? 0).toBe(before);
  });

  it('reads at most 1 MiB of answer: a longer one is a bad response, however it is sent', async () => {
    const [big] = await new HttpClassifier(url('/big')).classify(['a']);
    expect(big).toMatchObject({ kind: 'bad_response', error: expect.stringContaining('answered more than 1,048,576 bytes; not read') });
    // A declared 200 MB is refused at its header, long before the 10 s timeout.
    const [declared] = await new HttpClassifier(url('/declared'), { timeoutMs: 10_000 }).classify(['a']);
    expect(declared).toMatchObject({ kind: 'bad_response' });
    // Under the cap the same service is read as usual.
    expect(await new HttpClassifier(url('/big'), { maxBodyBytes: 4 << 20 }).classify(['hi'])).toEqual([{ tier: 'simple' }]);
  });

  it('counts a refused connection as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const [a] = await new HttpClassifier(new URL(`http://127.0.0.1:${port}/`)).classify(['x']);
    expect(a).toMatchObject({ kind: 'network', error: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('replay through an http classifier', () => {
  it('counts 500s and wrong labels without aborting, then asks again only for the failures', async () => {
    await withDatabase({ path: ':memory:' }, async (db) => {
      const inputs = ['hi', 'ok thanks', 'a long enough question', 'boom', 'tell me about fruit', 'another long question'];
      await loadRequests(db, requestsFor(inputs));
      const c = new HttpClassifier(url('/mixed'), { batchSize: 1, concurrency: 3 });
      const params = { from: null, to: null };
      broken = true;
      const first = await replay(db, c, { params, ...SIMPLE_MEDIUM_HARD });
      // "boom" → HTTP 500; "tell me about fruit" → "banana", not a tier; the other four are answered.
      expect(first).toMatchObject({ inputs: 6, cached: 0, classified: 4, errors: { http: 1, unknown_tier: 1 }, requests: 4 });
      expect(first.error_examples).toContain('"banana" is not a tier (simple, medium, hard)');
      expect(await db.all('SELECT input, tier FROM rc_ideal_replay ORDER BY input')).toEqual([
        { input: 'a long enough question', tier: 'hard' },
        { input: 'another long question', tier: 'hard' },
        { input: 'hi', tier: 'simple' },
        { input: 'ok thanks', tier: 'simple' },
      ]);

      broken = false;
      const sentBefore = batches.length;
      const second = await replay(db, c, { params, ...SIMPLE_MEDIUM_HARD });
      expect(second).toMatchObject({ inputs: 6, cached: 4, classified: 1, errors: { unknown_tier: 1 }, requests: 5 });
      expect(batches.slice(sentBefore).flat().sort()).toEqual(['boom', 'tell me about fruit']);
    });
  });
});
