import { createHash } from 'node:crypto';

/**
 * "Same content" before any embedding: two inputs that normalize to the same text are one input, and the
 * persistent embedding cache and the content-only cache key are keyed by the SHA-256 of this text.
 *
 * Rules (changing any of them changes every key, so bump NORMALIZATION_VERSION):
 * - Unicode NFKC (full-width letters, ligatures, non-breaking spaces become their plain forms);
 * - lower case (locale-independent);
 * - invisible characters (zero-width spaces and joiners, BOM) are removed; every run of whitespace becomes one
 *   space; ends trimmed;
 * - trailing sentence punctuation (. , ! ? ; : and their CJK forms) is dropped ("Thanks!!" = "thanks");
 *   everything else is kept: interior punctuation ("3.5", "e.g."), and trailing signs that carry meaning
 *   ("what is c++", "what is c#", "50%").
 */
export const NORMALIZATION_VERSION = 1;

// Zero-width spaces and joiners are not \s, but a reader cannot see them either (nor the BOM).
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;
// Every run of whitespace becomes one space: written as "a run of two or more, or one that is not a space", which
// leaves the common single spaces alone (no replacement, no new string) and gives what /\s+/g → ' ' gives
// (test/embed.normalize.test.ts checks the two on arbitrary strings).
export const WHITESPACE = /\s{2,}|[^\S ]/g;
// Sentence-final marks with any spaces between them. NFKC has already turned full-width "！？" into "!?"
// and "…" into "...", but not the ideographic full stop and comma.
const TRAILING = /[\s.,!?;:。、]+$/u;

// NFKC leaves ASCII unchanged, and String#normalize costs microseconds even then: skip it for ASCII text.
const NON_ASCII = /[^\x00-\x7f]/;

export function normalizeText(text: string | null | undefined): string {
  if (!text) return '';
  const composed = NON_ASCII.test(text) ? text.normalize('NFKC').replace(INVISIBLE, '') : text;
  return composed.toLowerCase().replace(WHITESPACE, ' ').replace(TRAILING, '').trim();
}

/** SHA-256 (hex) of text that is already normalized. */
export function sha256Hex(normalized: string): string {
  return createHash('sha256').update(normalized, 'utf8').digest('hex');
}

/** The content key of a raw input: SHA-256 of its normalized text. */
export function contentKey(text: string | null | undefined): string {
  return sha256Hex(normalizeText(text));
}
