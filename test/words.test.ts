import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plural } from '../src/words.js';

describe('plural', () => {
  it('agrees with the count', () => {
    expect(plural(1, 'request')).toBe('1 request');
    expect(plural(0, 'request')).toBe('0 requests');
    expect(plural(1200, 'request')).toBe('1,200 requests');
    expect(plural(1, 'retry', 'retries')).toBe('1 retry');
    expect(plural(3, 'retry', 'retries')).toBe('3 retries');
    expect(plural(1, 'request has', 'requests have')).toBe('1 request has');
  });
  it('uses the singular exactly when the printed count is 1', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (n) => {
      const text = plural(n, 'file');
      const shown = text.split(' ')[0];
      expect(text.endsWith(shown === '1' ? ' file' : ' files')).toBe(true);
    }));
  });
});
