import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../src/db/database.js';
import { cutText, PROMPT_CHARS, RAW_CHARS, RAW_VALUE_CHARS, redactPrompt, redactRaw, textHash } from '../src/report/redact.js';

describe('redact (pure)', () => {
  it('hash: the first 12 hex digits of the SHA-256 of the text, as DuckDB computes it', async () => {
    const texts = ['OK, got it, thanks', 'café ☕ 日本', ''];
    const duck = await withDatabase({ path: ':memory:' }, (db) =>
      db.one<{ hs: string[] }>(`SELECT list_transform($l::VARCHAR[], t -> left(sha256(t), 12)) AS hs`, { l: JSON.stringify(texts) }),
    );
    expect(texts.map(textHash)).toEqual(duck!.hs);
    expect(textHash('abc')).toBe(createHash('sha256').update('abc').digest('hex').slice(0, 12));
  });

  it('truncate: a prompt at most 200 characters, never half a surrogate pair; none keeps it', () => {
    const long = 'x'.repeat(198) + '😀😀';
    expect(redactPrompt(long, 'truncate')).toHaveLength(199);
    expect(redactPrompt(long, 'truncate').endsWith('x…')).toBe(true);
    expect(redactPrompt('short', 'truncate')).toBe('short');
    expect(redactPrompt(long, 'none')).toBe(long);
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => redactPrompt(s, 'truncate').length <= PROMPT_CHARS && cutText(s, 50).length <= 50));
  });

  it('raw records: long values cut and the whole at most 500 (truncate); string values hashed, keys kept (hash)', () => {
    const raw = JSON.stringify({ ts: '2025-03-17T10:00:00Z', user: 'alice@example.com', input: 'p'.repeat(3000), n: 5, esc: 'a\\"b'.repeat(40) });
    const cut = redactRaw(raw, 'truncate');
    expect(cut.length).toBeLessThanOrEqual(RAW_CHARS);
    expect(cut).toContain('"user":"alice@example.com"');
    expect(cut).toContain(`"input":"${'p'.repeat(RAW_VALUE_CHARS - 1)}…"`);
    // Still JSON: a cut value never leaves half an escape.
    expect(() => JSON.parse(cut)).not.toThrow();

    const hashed = redactRaw(raw, 'hash');
    expect(JSON.parse(hashed)).toEqual({ ts: textHash('2025-03-17T10:00:00Z'), user: textHash('alice@example.com'), input: textHash('p'.repeat(3000)), n: 5, esc: textHash('a\\"b'.repeat(40)) });
    // Text that is not JSON is cut, or hashed whole.
    expect(redactRaw('2025-01-15 14:23:07 | user_input: "secret"', 'hash')).toBe(textHash('2025-01-15 14:23:07 | user_input: "secret"'));
    expect(redactRaw('plain '.repeat(200), 'truncate').length).toBe(RAW_CHARS);
    // A record cut short (the query reads its first 64 KiB) is redacted too.
    expect(redactRaw('{"user":"alice@example.com","input":"' + 'q'.repeat(200), 'hash')).toBe(`{"user":"${textHash('alice@example.com')}","input":"${textHash('q'.repeat(200))}`);
  });

  it('hash mode leaves no string value of a JSON record in the output', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 13, maxLength: 40 }), { minKeys: 1, maxKeys: 5 }), (record) => {
        const out = redactRaw(JSON.stringify(record), 'hash');
        return Object.values(record).every((v) => !out.includes(JSON.stringify(v).slice(1, -1)));
      }),
    );
  });
});
