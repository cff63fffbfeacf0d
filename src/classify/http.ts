import { answersFrom, failAll } from './answers.js';
import type { Classifier, ClassifierAnswer, ClassifierErrorKind } from './types.js';

/**
 * `--classifier http:URL`: the user's running classifier service. The protocol:
 *
 *   POST URL    Content-Type: application/json
 *   {"inputs": ["OK, got it, thanks", "Prove that …", …]}          (up to 32 texts per request)
 *
 *   200 OK      {"tiers": ["simple", "hard", …]}                    one answer per input, in order
 *               (also accepted: ["simple", …], [{"tier": "simple"}, …], {"tiers": [{"tier": "simple"}, …]};
 *               extra fields such as "score" are ignored)
 *
 * A tier is a tier name of the routing policy, its route label (`medium_complexity`) or a model of the tier.
 * Up to 4 requests are in flight at once. Failures never stop the report; they are counted per input by kind:
 * no answer within 30 s → `timeout`; a non-2xx status → `http`; connection refused/reset → `network`; a body
 * that is not JSON or not the shape above → `bad_response`; a label that is not a tier → `unknown_tier`.
 * After 5 failed requests in a row (timeouts or network errors) the service is taken as down and the remaining
 * inputs are counted as that error without being sent, so a dead service cannot stall the report.
 * Inputs that failed are asked again on the next run (answers are cached, errors are not).
 *
 * The prompts go to this URL and nowhere else: a redirect (3xx) is not followed (it would re-post them to
 * wherever the service points, another host included) and counts as `http`. An answer longer than
 * HTTP_MAX_BODY_BYTES is cut off unread and counts as `bad_response`: a service cannot fill the memory.
 */
export const HTTP_BATCH = 32;
/** Tiers for a batch of 32 inputs take a few hundred bytes; 1 MiB leaves room for any extra fields. */
export const HTTP_MAX_BODY_BYTES = 1 << 20;
export const HTTP_CONCURRENCY = 4;
export const HTTP_TIMEOUT_MS = 30_000;
export const HTTP_MAX_CONSECUTIVE_FAILURES = 5;

export interface HttpClassifierOptions {
  timeoutMs?: number;
  batchSize?: number;
  concurrency?: number;
  maxConsecutiveFailures?: number;
  maxBodyBytes?: number;
}

/** The URL without user:password (the id is stored in the database and printed in the report). */
export function httpClassifierId(url: URL): string {
  const clean = new URL(url.href);
  clean.username = '';
  clean.password = '';
  return `http:${clean.href}`;
}

export class HttpClassifier implements Classifier {
  readonly id: string;
  readonly batchSize: number;
  readonly concurrency: number;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly maxFailures: number;
  private readonly maxBodyBytes: number;
  private failuresInARow = 0;
  private lastFailure: { kind: ClassifierErrorKind; error: string } | null = null;

  constructor(url: URL, options: HttpClassifierOptions = {}) {
    this.url = url;
    this.id = httpClassifierId(url);
    this.timeoutMs = options.timeoutMs ?? HTTP_TIMEOUT_MS;
    this.batchSize = options.batchSize ?? HTTP_BATCH;
    this.concurrency = options.concurrency ?? HTTP_CONCURRENCY;
    this.maxFailures = options.maxConsecutiveFailures ?? HTTP_MAX_CONSECUTIVE_FAILURES;
    this.maxBodyBytes = options.maxBodyBytes ?? HTTP_MAX_BODY_BYTES;
  }

  async classify(texts: string[]): Promise<ClassifierAnswer[]> {
    if (this.failuresInARow >= this.maxFailures && this.lastFailure) {
      return failAll(texts.length, this.lastFailure.kind, `not sent: ${this.lastFailure.error} (${this.maxFailures} failed requests in a row)`);
    }
    const answers = await this.post(texts);
    const first = answers[0];
    if (first && 'error' in first && (first.kind === 'timeout' || first.kind === 'network')) {
      this.failuresInARow++;
      this.lastFailure = { kind: first.kind, error: first.error };
    } else {
      this.failuresInARow = 0;
    }
    return answers;
  }

  private async post(texts: string[]): Promise<ClassifierAnswer[]> {
    const where = `${this.url.origin}${this.url.pathname}`;
    let response: Response;
    let body: string | null;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ inputs: texts }),
        signal: AbortSignal.timeout(this.timeoutMs),
        // Never re-post the prompts to where a redirect points (another host, or http after https).
        redirect: 'manual',
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const to = redirectTarget(response, this.url);
        return failAll(texts.length, 'http', `${where} answered HTTP ${response.status}, a redirect${to ? ` to ${to}` : ''}: prompts are not re-sent; give the final URL`);
      }
      // The body is read under the same deadline: a service that sends headers and then stalls is a timeout.
      body = await readCapped(response, this.maxBodyBytes);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return failAll(texts.length, 'timeout', `${where} did not answer within ${this.timeoutMs} ms`);
      }
      const detail = e.cause?.code ?? e.cause?.message ?? e.message;
      return failAll(texts.length, 'network', `${where}: ${detail}`);
    }
    if (!response.ok) {
      return failAll(texts.length, 'http', `${where} answered HTTP ${response.status}`);
    }
    if (body === null) {
      return failAll(texts.length, 'bad_response', `${where} answered more than ${this.maxBodyBytes.toLocaleString('en-US')} bytes; not read`);
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return failAll(texts.length, 'bad_response', `${where} answered with a body that is not JSON`);
    }
    return answersFrom(value, texts.length, where);
  }
}

/** The origin a redirect points to (its Location), for the message; null when it names none. */
function redirectTarget(response: Response, base: URL): string | null {
  const location = response.headers.get('location');
  if (!location) return null;
  try {
    return new URL(location, base).origin;
  } catch {
    return null;
  }
}

/** The body as text, or null when it is longer than `max` bytes (the rest is never read). */
async function readCapped(response: Response, max: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    return null;
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
