import { UsageError } from '../errors.js';

/**
 * Checks of single config fields, shared by the routing policy and the tier parser. Each takes a `fail` that
 * throws a UsageError naming the file and the field, so every message reads `rc.json: "tiers[0].models" …`.
 */
export type Fail = (field: string, message: string) => never;

/** The `fail` for a config file (`config` when it has no name: the caller passed the object itself). */
export function fieldFailure(file: string | undefined): Fail {
  const where = file ?? 'config';
  return (field, message) => {
    throw new UsageError(`${where}: "${field}" ${message}`);
  };
}

export function object(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'must be an object');
  return value as Record<string, unknown>;
}

export function score(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'must be a number (a classifier score, e.g. 0.80)');
  return value as number;
}

export function nonNegative(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(field, 'must be a number ≥ 0 (USD)');
  return value as number;
}

export function positive(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) fail(field, 'must be a number above 0');
  return value as number;
}

/** A whole number ≥ 0 of characters (0 turns a character limit off). */
export function characters(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(field, 'must be a whole number ≥ 0 (characters; 0 turns the rule off)');
  return value as number;
}

export function band(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !(value > 0) || !(value <= 0.5)) fail(field, 'must be a number above 0 and at most 0.5 (e.g. 0.03)');
  return value as number;
}
