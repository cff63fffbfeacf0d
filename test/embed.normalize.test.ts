import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentKey, normalizeText, sha256Hex, WHITESPACE } from '../src/embed/normalize.js';

describe('normalizeText', () => {
  it.each([
    ['How do Python list comprehensions work?', 'how do python list comprehensions work'],
    ['  OK,\tgot   it,\nthanks!! ', 'ok, got it, thanks'],
    ['Thanks…', 'thanks'], // NFKC turns the ellipsis into "...", which is trailing punctuation
    ['Ｈｅｌｌｏ　ｗｏｒｌｄ！', 'hello world'], // full-width letters, ideographic space, full-width "!"
    ['ﬁle\u00a0name', 'file name'], // ligature, non-breaking space
    ['\uFEFFhel\u200Blo', 'hello'], // BOM and zero-width space
    ['这是什么。', '这是什么'],
    ['what is c++', 'what is c++'],
    ['What is C#?', 'what is c#'],
    ['Is it 50%?', 'is it 50%'],
    ['Python 3.5, e.g. in Django: how?', 'python 3.5, e.g. in django: how'],
    ['?!', ''],
    ['   ', ''],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('maps null and undefined to the empty text', () => {
    expect(normalizeText(null)).toBe('');
    expect(normalizeText(undefined)).toBe('');
  });

  it('is idempotent', () => {
    for (const s of ['  Ｈｅｌｌｏ, World!! ', 'What is C#?', 'ﬁle\u00a0name…']) {
      expect(normalizeText(normalizeText(s))).toBe(normalizeText(s));
    }
  });
});

describe('content keys', () => {
  it('is SHA-256 of the UTF-8 text (published test vectors)', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is the same for inputs that differ only in case, spacing and trailing punctuation', () => {
    const key = contentKey('How do Python list comprehensions work?');
    expect(contentKey('how do python list comprehensions work')).toBe(key);
    expect(contentKey('  HOW do Python  list comprehensions work ?! ')).toBe(key);
    expect(contentKey('How do Python list comprehensions work in Python?')).not.toBe(key);
    expect(contentKey('ABC.')).toBe(sha256Hex('abc'));
  });
});

describe('the whitespace rule', () => {
  it('makes every run of whitespace one space, as /\\s+/g does', () => {
    const whitespace = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
    const pieces = fc.oneof(fc.constantFrom(...whitespace), fc.constantFrom('a', 'B', '.', '!', 'é', '中'), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        expect(text.replace(WHITESPACE, ' ')).toBe(text.replace(/\s+/g, ' '));
      }),
      { numRuns: 2000, seed: 13 },
    );
  });
});
