import { describe, expect, it } from 'vitest';
import { createClassifier, parseClassifierSpec } from '../src/classify/select.js';
import { UsageError } from '../src/errors.js';

describe('--classifier KIND[:ARG]', () => {
  it.each([
    ['rules', { kind: 'rules', arg: null }],
    ['knn', { kind: 'knn', arg: null }],
    ['knn:my/exemplars.csv', { kind: 'knn', arg: 'my/exemplars.csv' }],
    ['model:models/router', { kind: 'model', arg: 'models/router' }],
    ['module:./classify.mjs', { kind: 'module', arg: './classify.mjs' }],
    ['http:http://127.0.0.1:8080/classify', { kind: 'http', arg: 'http://127.0.0.1:8080/classify' }],
    ['https://router.internal/v1/tiers', { kind: 'http', arg: 'https://router.internal/v1/tiers' }],
    ['model:C:\\models\\router', { kind: 'model', arg: 'C:\\models\\router' }],
  ])('%s', (value, spec) => {
    expect(parseClassifierSpec(value)).toEqual(spec);
  });

  it.each([
    ['', /needs a value/],
    ['bert', /unknown kind "bert"/],
    ['rules:strict', /rules takes no argument/],
    ['model', /model needs a folder/],
    ['module:', /nothing after "module:"/],
    ['http', /http needs a URL/],
    ['http:ftp://x/y', /must be an http:\/\/ or https:\/\/ URL/],
    ['http:not a url', /is not a URL/],
  ])('rejects %j', (value, message) => {
    expect(() => parseClassifierSpec(value)).toThrow(UsageError);
    expect(() => parseClassifierSpec(value)).toThrow(message);
  });

  it('creates each kind lazily', async () => {
    const deps = { embedder: { name: 'lexical' as const, model: 'unused', offline: true } };
    expect((await createClassifier({ kind: 'rules', arg: null }, deps)).id).toBe('rules-v2');
    expect((await createClassifier({ kind: 'knn', arg: null }, deps)).id).toMatch(/^knn-v2:default@sha256:[0-9a-f]{12}:lexical-v1$/);
    expect((await createClassifier({ kind: 'http', arg: 'http://user:secret@127.0.0.1:9/x' }, deps)).id).toBe('http:http://127.0.0.1:9/x');
  });
});
